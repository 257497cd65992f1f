// The dump files' contents from hand-made snapshots (keepalived's layouts and key names), and
// the atomic write.
#include "daemon/dump_files.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "parser/parse.h"

namespace vigil::daemon {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const config::Config> parse(const std::string& text) {
  parser::ParseOptions o;
  o.host_checks = false;
  auto r = parser::parse_config_text(text, "test.conf", o);
  EXPECT_FALSE(r.diagnostics.has_errors());
  return std::make_shared<const config::Config>(std::move(r.config));
}

const char* kConfig = R"(
global_defs {
  router_id lb1
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 150
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass secret
  }
  virtual_ipaddress {
    192.0.2.100/24
  }
}
virtual_server 192.0.2.100 80 {
  lb_kind DR
  protocol TCP
  quorum 1
  real_server 192.0.2.21 80 {
    weight 3
    TCP_CHECK {
      connect_timeout 1
    }
  }
}
)";

DumpSnapshot snapshot() {
  DumpSnapshot s;
  s.config = parse(kConfig);
  InstanceSnapshot i;
  i.name = "VI_1";
  i.state = vrrp::State::kMaster;
  i.base_priority = 150;
  i.effective_priority = 150;
  i.master_adver_int = std::chrono::seconds(1);
  i.machine.adverts_received = 7;
  i.machine.become_master = 2;
  i.machine.release_master = 1;
  i.machine.priority_zero_received = 1;
  i.machine.priority_zero_sent = 4;
  i.counters.adverts_sent = 42;
  i.counters.dropped[static_cast<std::size_t>(vrrp::DropReason::kTooShort)] = 1;
  i.counters.dropped[static_cast<std::size_t>(vrrp::DropReason::kLength)] = 2;
  i.counters.dropped[static_cast<std::size_t>(vrrp::DropReason::kTtl)] = 3;
  i.counters.dropped[static_cast<std::size_t>(vrrp::DropReason::kType)] = 5;
  i.counters.dropped[static_cast<std::size_t>(vrrp::DropReason::kInterval)] = 6;
  i.counters.dropped[static_cast<std::size_t>(vrrp::DropReason::kAddressList)] = 8;
  i.counters.dropped[static_cast<std::size_t>(vrrp::DropReason::kInvalidAuthType)] = 9;
  i.counters.dropped[static_cast<std::size_t>(vrrp::DropReason::kAuthTypeMismatch)] = 10;
  i.counters.dropped[static_cast<std::size_t>(vrrp::DropReason::kAuthFailure)] = 11;
  s.instances.push_back(i);
  s.checkers_running = true;
  s.virtual_servers.push_back({true, false, {{true, 3}}});
  checkers::CheckerStatus c;
  c.up = false;
  c.has_run = true;
  c.last.reason = "connect: Connection refused";
  s.checkers.push_back(c);
  return s;
}

TEST(DumpFiles, StatsInKeepalivedsLayout) {
  EXPECT_EQ(render_stats(snapshot()),
            "VRRP Instance: VI_1\n"
            "  Advertisements:\n"
            "    Received: 7\n"
            "    Sent: 42\n"
            "  Became master: 2\n"
            "  Released master: 1\n"
            "  Packet Errors:\n"
            "    Length: 3\n"
            "    TTL: 3\n"
            "    Invalid Type: 5\n"
            "    Advertisement Interval: 6\n"
            "    Address List: 8\n"
            "  Authentication Errors:\n"
            "    Invalid Type: 9\n"
            "    Type Mismatch: 10\n"
            "    Failure: 11\n"
            "  Priority Zero:\n"
            "    Received: 1\n"
            "    Sent: 4\n");
}

TEST(DumpFiles, JsonHasKeepalivedsShapeAndKeys) {
  auto j = nlohmann::json::parse(render_json(snapshot()));
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 1u);
  const auto& data = j[0]["data"];
  EXPECT_EQ(data["iname"], "VI_1");
  EXPECT_EQ(data["ifp_ifname"], "eth0");
  EXPECT_EQ(data["vrid"], 51);
  EXPECT_EQ(data["base_priority"], 150);
  EXPECT_EQ(data["effective_priority"], 150);
  EXPECT_EQ(data["state"], 2);  // keepalived's VRRP_STATE_MAST
  EXPECT_EQ(data["version"], 2);
  EXPECT_EQ(data["auth_type"], 1);
  EXPECT_EQ(data["adver_int"], 1);
  EXPECT_EQ(data["vips"], nlohmann::json::array({"192.0.2.100/24 dev eth0 scope global set"}));
  const auto& stats = j[0]["stats"];
  EXPECT_EQ(stats["advert_rcvd"], 7);
  EXPECT_EQ(stats["advert_sent"], 42);
  EXPECT_EQ(stats["become_master"], 2);
  EXPECT_EQ(stats["packet_len_err"], 3);
  EXPECT_EQ(stats["auth_failure"], 11);
  EXPECT_EQ(stats["pri_zero_sent"], 4);
}

TEST(DumpFiles, DataDumpsShowLiveStateAndConfiguration) {
  const DumpSnapshot s = snapshot();
  const std::string vrrp = render_vrrp_data(s);
  EXPECT_NE(vrrp.find(" Router ID = lb1\n"), std::string::npos) << vrrp;
  EXPECT_NE(vrrp.find(" VRRP Instance = VI_1\n   State = MASTER\n"), std::string::npos) << vrrp;
  EXPECT_NE(vrrp.find("     192.0.2.100/24 dev eth0 scope global set\n"), std::string::npos);
  EXPECT_NE(vrrp.find("------< Configuration >------\n{"), std::string::npos);
  const std::string check = render_check_data(s);
  EXPECT_NE(check.find(" Virtual server = [192.0.2.100]:tcp:80\n   Quorum = up (1)\n"),
            std::string::npos)
      << check;
  EXPECT_NE(check.find("   Real server = [192.0.2.21]:tcp:80\n     Alive = yes, weight = 3\n"
                       "     TCP_CHECK = down (connect: Connection refused)\n"),
            std::string::npos)
      << check;
}

TEST(DumpFiles, CheckDataSaysWhenCheckersAreNotRunning) {
  DumpSnapshot s = snapshot();
  s.checkers_running = false;
  EXPECT_NE(render_check_data(s).find("(the health checkers are not running)"), std::string::npos);
}

TEST(DumpFiles, AtomicWriteReplacesASymlinkInsteadOfFollowingIt) {
  const fs::path dir = fs::temp_directory_path() / ("dump_files_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path victim = dir / "victim";
  std::ofstream(victim) << "precious\n";
  fs::create_symlink(victim, dir / "keepalived.stats");
  ASSERT_FALSE(write_file_atomically(dir.string(), "keepalived.stats", "new text\n"));
  std::ifstream v(victim);
  std::stringstream vs;
  vs << v.rdbuf();
  EXPECT_EQ(vs.str(), "precious\n");
  EXPECT_FALSE(fs::is_symlink(dir / "keepalived.stats"));
  std::ifstream f(dir / "keepalived.stats");
  std::stringstream fsx;
  fsx << f.rdbuf();
  EXPECT_EQ(fsx.str(), "new text\n");
  struct stat st {};
  ASSERT_EQ(::stat((dir / "keepalived.stats").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(write_file_atomically((dir / "missing").string(), "x", "y"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace vigil::daemon
