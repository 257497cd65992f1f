#include "daemon/notify.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "core/asio_clock.h"
#include "core/process_runner.h"

namespace vigil::daemon {
namespace {

using namespace std::chrono_literals;
using Words = std::vector<std::string>;

class FakeLauncher final : public core::ProcessLauncher {
 public:
  core::RunId run(const core::Command& c, const core::RunOptions& o, Callback cb) override {
    commands.push_back(c.argv);
    options.push_back(o);
    callbacks.push_back(std::move(cb));
    return commands.size();
  }
  std::size_t running() const override { return 0; }
  std::vector<Words> commands;
  std::vector<core::RunOptions> options;
  std::vector<Callback> callbacks;
};

core::Command cmd(Words argv) {
  core::Command c;
  c.argv = std::move(argv);
  return c;
}

// A private scratch directory, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigil-notify-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

TEST(NotifyFormat, GenericArgvAppendsTypeNameStatePriority) {
  EXPECT_EQ(generic_notify_argv({"/usr/bin/notify.sh", "extra"}, NotifyTarget::kInstance, "VI_1",
                                "MASTER", 100),
            (Words{"/usr/bin/notify.sh", "extra", "INSTANCE", "VI_1", "MASTER", "100"}));
  EXPECT_EQ(generic_notify_argv({"/n"}, NotifyTarget::kGroup, "G 1", "FAULT", 0),
            (Words{"/n", "GROUP", "G 1", "FAULT", "0"}));
}

TEST(NotifyFormat, FifoLines) {
  EXPECT_EQ(notify_fifo_line(NotifyTarget::kInstance, "VI_1", "MASTER", 100),
            "INSTANCE \"VI_1\" MASTER 100\n");
  EXPECT_EQ(notify_fifo_line(NotifyTarget::kGroup, "G1", "BACKUP", 0), "GROUP \"G1\" BACKUP 0\n");
}

TEST(Notifier, InstanceStateRunsStateScriptThenGeneric) {
  FakeLauncher launcher;
  Notifier n(launcher);
  NotifyScripts s;
  s.master = cmd({"/etc/to_master.sh", "VI_1"});
  s.backup = cmd({"/etc/to_backup.sh"});
  s.generic = cmd({"/etc/notify.sh"});
  n.set_instance_scripts("VI_1", s);

  n.instance_state("VI_1", "MASTER", 150);
  ASSERT_EQ(launcher.commands.size(), 2u);
  EXPECT_EQ(launcher.commands[0], (Words{"/etc/to_master.sh", "VI_1"}));
  EXPECT_EQ(launcher.commands[1], (Words{"/etc/notify.sh", "INSTANCE", "VI_1", "MASTER", "150"}));
  EXPECT_FALSE(launcher.options[0].timeout);

  n.instance_state("VI_1", "FAULT", 150);  // no notify_fault: only the generic script
  ASSERT_EQ(launcher.commands.size(), 3u);
  EXPECT_EQ(launcher.commands[2], (Words{"/etc/notify.sh", "INSTANCE", "VI_1", "FAULT", "150"}));

  n.instance_state("VI_2", "MASTER", 100);  // unknown instance: nothing to run
  EXPECT_EQ(launcher.commands.size(), 3u);
  EXPECT_EQ(n.stats().scripts_started, 3u);
}

// keepalived on a reload that removes an instance: FAULT to the generic script (notify_fault
// itself does not run), or with notify_deleted DELETED and notify_deleted's script.
TEST(Notifier, RemovedInstanceSaysFaultOrDeleted) {
  FakeLauncher launcher;
  Notifier n(launcher);
  NotifyScripts s;
  s.fault = cmd({"/etc/fault.sh"});
  s.stop = cmd({"/etc/stop.sh"});
  s.deleted = cmd({"/etc/deleted.sh"});
  s.generic = cmd({"/etc/notify.sh"});
  n.set_instance_scripts("VI_1", s);
  n.instance_removed("VI_1", false, 150);
  ASSERT_EQ(launcher.commands.size(), 1u);
  EXPECT_EQ(launcher.commands[0], (Words{"/etc/notify.sh", "INSTANCE", "VI_1", "FAULT", "150"}));
  n.instance_removed("VI_1", true, 150);
  ASSERT_EQ(launcher.commands.size(), 3u);
  EXPECT_EQ(launcher.commands[1], (Words{"/etc/deleted.sh"}));
  EXPECT_EQ(launcher.commands[2], (Words{"/etc/notify.sh", "INSTANCE", "VI_1", "DELETED", "150"}));
}

TEST(Notifier, StopScriptsGetATimeout) {
  FakeLauncher launcher;
  Notifier n(launcher);
  NotifyScripts s;
  s.stop = cmd({"/etc/stop.sh"});
  s.generic = cmd({"/etc/notify.sh"});
  n.set_instance_scripts("VI_1", s);
  n.instance_state("VI_1", "STOP", 100);
  ASSERT_EQ(launcher.options.size(), 2u);
  ASSERT_TRUE(launcher.options[0].timeout);
  EXPECT_EQ(*launcher.options[0].timeout, core::Duration(1s));
  EXPECT_TRUE(launcher.options[1].timeout);
}

TEST(Notifier, GroupNotifiesUsePriorityZero) {
  FakeLauncher launcher;
  Notifier n(launcher);
  NotifyScripts s;
  s.fault = cmd({"/etc/group_fault.sh", "G1"});
  s.generic = cmd({"/etc/notify.sh"});
  n.set_group_scripts("G1", s);
  n.group_state("G1", "FAULT");
  ASSERT_EQ(launcher.commands.size(), 2u);
  EXPECT_EQ(launcher.commands[0], (Words{"/etc/group_fault.sh", "G1"}));
  EXPECT_EQ(launcher.commands[1], (Words{"/etc/notify.sh", "GROUP", "G1", "FAULT", "0"}));
}

TEST(Notifier, FailedScriptsAreCounted) {
  FakeLauncher launcher;
  Notifier n(launcher);
  NotifyScripts s;
  s.master = cmd({"/etc/m.sh"});
  n.set_instance_scripts("VI_1", s);
  n.instance_state("VI_1", "MASTER", 100);
  core::ProcessResult r;
  r.kind = core::ExitKind::kExited;
  r.exit_status = 2;
  launcher.callbacks[0](r);
  EXPECT_EQ(n.stats().scripts_failed, 1u);
}

std::string read_available(int fd) {
  std::string out;
  char buf[512];
  ssize_t k;
  while ((k = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(k));
  return out;
}

TEST(NotifyFifo, CreatesWritesAndRemoves) {
  TempDir dir;
  const std::string path = dir / "notify.fifo";
  FakeLauncher launcher;
  Notifier n(launcher);
  {
    auto fifo = std::make_unique<NotifyFifo>();
    ASSERT_FALSE(fifo->open(path, std::nullopt));
    n.add_fifo(std::move(fifo));
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  // No reader yet: writes still succeed at once (the FIFO is open read-write), never block.
  n.instance_state("VI_1", "MASTER", 100);
  const int reader = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  n.group_state("G1", "BACKUP");
  n.instance_priority("VI_1", true, 90);
  n.master_rx_lower_priority("VI_1", 90);
  EXPECT_EQ(read_available(reader),
            "INSTANCE \"VI_1\" MASTER 100\n"
            "GROUP \"G1\" BACKUP 0\n"
            "INSTANCE \"VI_1\" MASTER_PRIORITY 90\n"
            "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 90\n");
  ::close(reader);
  EXPECT_EQ(n.stats().fifo_lines, 4u);
  n.close_fifos();
  EXPECT_NE(::stat(path.c_str(), &st), 0);  // we created it, so we removed it
}

// keepalived notify_fifo_rs / notify_fifo_vs lines; vrrp_notify_fifo gets no checker lines and
// lvs_notify_fifo no VRRP lines.
TEST(NotifyFifo, CheckerLinesGoToTheGlobalAndLvsFifos) {
  TempDir dir;
  FakeLauncher launcher;
  Notifier n(launcher);
  int readers[3];
  const FifoScope scopes[] = {FifoScope::kAll, FifoScope::kVrrp, FifoScope::kLvs};
  for (int i = 0; i < 3; ++i) {
    const std::string path = dir / ("f" + std::to_string(i));
    auto fifo = std::make_unique<NotifyFifo>();
    ASSERT_FALSE(fifo->open(path, std::nullopt));
    n.add_fifo(std::move(fifo), scopes[i]);
    readers[i] = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(readers[i], 0);
  }
  config::ScriptCommand up;
  up.command = "/bin/true up";
  n.real_server_state("[10.0.0.2]:tcp:80", "[10.0.0.1]:tcp:80", true, &up);
  n.real_server_state("[10.0.0.2]:tcp:80", "[10.0.0.1]:tcp:80", false, nullptr);
  n.virtual_server_quorum("[10.0.0.1]:tcp:80", false, nullptr);
  n.instance_state("VI_1", "BACKUP", 100);
  const std::string rs_lines =
      "RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 UP\n"
      "RS [10.0.0.2]:tcp:80 [10.0.0.1]:tcp:80 DOWN\n"
      "VS [10.0.0.1]:tcp:80 DOWN\n";
  EXPECT_EQ(read_available(readers[0]), rs_lines + "INSTANCE \"VI_1\" BACKUP 100\n");
  EXPECT_EQ(read_available(readers[1]), "INSTANCE \"VI_1\" BACKUP 100\n");
  EXPECT_EQ(read_available(readers[2]), rs_lines);
  ASSERT_EQ(launcher.commands.size(), 1u);  // notify_up ran, as configured
  EXPECT_EQ(launcher.commands[0], (Words{"/bin/true", "up"}));
  for (int r : readers) ::close(r);
  n.close_fifos();
}

TEST(NotifyFifo, FullFifoDropsLinesInsteadOfBlocking) {
  TempDir dir;
  NotifyFifo fifo;
  ASSERT_FALSE(fifo.open(dir / "f", std::nullopt));
  const std::string line = notify_fifo_line(NotifyTarget::kInstance, "VI_1", "BACKUP", 100);
  int written = 0;
  while (fifo.write(line) && written < 1'000'000) ++written;
  EXPECT_GT(written, 0);
  EXPECT_EQ(fifo.dropped(), 1u);
}

TEST(NotifyFifo, KeepsAnExistingFifo) {
  TempDir dir;
  const std::string path = dir / "existing";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  {
    NotifyFifo fifo;
    ASSERT_FALSE(fifo.open(path, std::nullopt));
  }
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);  // not ours: left in place
}

TEST(NotifyFifo, RefusesARegularFile) {
  TempDir dir;
  const std::string path = dir / "regular";
  std::ofstream(path) << "x";
  NotifyFifo fifo;
  EXPECT_TRUE(fifo.open(path, std::nullopt));
  EXPECT_FALSE(fifo.is_open());
}

// The whole path: configuration → Notifier → ProcessRunner → a real script writing its
// arguments to a file, and the FIFO line.
TEST(NotifierIntegration, RealScriptReceivesKeepalivedArguments) {
  TempDir dir;
  const std::string script = dir / "notify.sh";
  const std::string out = dir / "args";
  {
    std::ofstream s(script);
    // One write per script: the two scripts run concurrently and append to the same file.
    s << "#!/bin/sh\nline=\nfor a in \"$@\"; do line=\"$line$a|\"; done\n"
      << "printf '%s\\n' \"$line\" >> '" << out << "'\n";
  }
  ::chmod(script.c_str(), 0755);

  config::Config config;
  config::VrrpInstance vi;
  vi.name = "VI_1";
  vi.notify = config::ScriptSpec{"'" + script + "' \"first arg\"", "", "", {}};
  vi.notify_master = config::ScriptSpec{script + " only-master", "", "", {}};
  config.vrrp.instances.push_back(vi);
  config.global.vrrp_notify_fifo.name = dir / "vrrp.fifo";

  boost::asio::io_context io;
  core::AsioClock clock(io);
  core::ProcessRunner runner(io, clock);
  Notifier n(runner);
  core::ScriptDefaults defaults;
  defaults.script_user = ::geteuid() == 0 ? "root" : "";
  EXPECT_TRUE(n.configure(config, defaults).empty());
  const int reader = ::open((dir / "vrrp.fifo").c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);

  n.instance_state("VI_1", "MASTER", 100);
  const auto limit = std::chrono::steady_clock::now() + 60s;
  while (runner.running() > 0 && std::chrono::steady_clock::now() < limit) {
    if (io.stopped()) io.restart();
    io.run_one_for(100ms);
  }
  EXPECT_EQ(n.stats().scripts_failed, 0u);
  std::ifstream in(out);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::sort(lines.begin(), lines.end());  // the two scripts run concurrently
  EXPECT_EQ(lines, (Words{"first arg|INSTANCE|VI_1|MASTER|100|", "only-master|"}));
  EXPECT_EQ(read_available(reader), "INSTANCE \"VI_1\" MASTER 100\n");
  ::close(reader);
}

}  // namespace
}  // namespace vigil::daemon
