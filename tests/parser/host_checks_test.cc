// Host checks against the real host: interfaces through if_nametoindex, scripts on the real
// file system (a private temporary directory for the insecure cases). Every expectation is a
// measured keepalived 2.2.7 behaviour (see the comment at the top of parser/host_checks.cc).
#include "parser/host_checks.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/common/temp_dir.h"

namespace vigil::parser {
namespace {

namespace fs = std::filesystem;

SourceLocation at(std::uint32_t line) { return {intern_file_name("host.conf"), line, 5}; }

InterfaceReference iface(std::string name, std::string what, std::uint32_t line = 1) {
  return {std::move(name), at(line), std::move(what)};
}

ScriptReference script(std::string command, ScriptKind kind, std::string what,
                       std::uint32_t line = 1) {
  ScriptReference s;
  s.command = std::move(command);
  s.kind = kind;
  s.location = at(line);
  s.what = std::move(what);
  return s;
}

// Scripts run as root unless told otherwise: the default user must not resolve.
HostCheckSettings plain() {
  HostCheckSettings s;
  s.default_user = "vigil-test-no-such-user";
  s.search_path = "/usr/bin:/bin";
  return s;
}

HostCheckSettings secure_as_root() {
  HostCheckSettings s = plain();
  s.script_security = true;
  s.script_user = "root";
  return s;
}

std::vector<std::string> shown(const Diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& e : d.entries()) out.push_back(e.str());
  return out;
}

using vigil::test_support::TempDir;

TEST(HostChecks, MissingInterfaceIsAnErrorPerReference) {
  HostReferences refs;
  refs.interfaces.push_back(iface("vigil-nx0", "vrrp_instance VI_3", 3));
  refs.interfaces.push_back(iface("vigil-nx0", "track_interface of VI_3", 9));
  Diagnostics d;
  EXPECT_FALSE(check_host(refs, plain(), d));
  EXPECT_EQ(shown(d),
            (std::vector<std::string>{
                "host.conf:3:5: error: interface 'vigil-nx0' for vrrp_instance VI_3 does not "
                "exist on this host",
                "host.conf:9:5: error: interface 'vigil-nx0' for track_interface of VI_3 does not "
                "exist on this host"}));
}

TEST(HostChecks, InterfacesKeepalivedDoesNotCheckAreOnlyNoted) {
  HostReferences refs;
  refs.interfaces.push_back(iface("vigil-nx2", "bind_if of a checker", 4));
  refs.interfaces.back().keepalived_checks = false;
  refs.scripts.push_back(script("/bin/true", ScriptKind::kNotify, "notify_master of VI_1"));
  Diagnostics d;
  // Not a missing interface as far as keepalived is concerned: the VRRP scripts still count.
  EXPECT_TRUE(check_host(refs, plain(), d));
  EXPECT_TRUE(d.clean());
  EXPECT_EQ(d.entries()[0].location.line, 4u);
}

TEST(HostChecks, LoopbackOnlyRefusedAsInstanceInterface) {
  HostReferences refs;
  refs.interfaces.push_back(iface("lo", "vrrp_instance VI_1", 2));
  refs.interfaces.push_back(iface("lo", "track_interface of VI_1", 4));
  refs.interfaces.push_back(iface("lo", "ip address 10.0.0.1", 6));
  Diagnostics d;
  check_host(refs, plain(), d);
  EXPECT_EQ(shown(d), (std::vector<std::string>{"host.conf:2:5: error: vrrp_instance VI_1: cannot "
                                                "use the loopback interface 'lo' for VRRP"}));
}

TEST(HostChecks, ExistingScriptWithoutScriptSecurityIsAViolation) {
  HostReferences refs;
  refs.interfaces.push_back(iface("lo", "track_interface of VI_1"));
  refs.scripts.push_back(script("/bin/true", ScriptKind::kTrack, "vrrp_script chk", 7));
  Diagnostics d;
  EXPECT_TRUE(check_host(refs, plain(), d));
  EXPECT_TRUE(d.clean());  // only an informational note; the exit code says 6
  ASSERT_EQ(d.entries().size(), 1u);
  EXPECT_EQ(d.entries()[0].location.line, 7u);
}

TEST(HostChecks, MissingTrackScriptIsAnErrorMissingNotifyIsNot) {
  HostReferences refs;
  refs.scripts.push_back(script("/vigil/nonexistent/x", ScriptKind::kTrack, "vrrp_script chk", 2));
  refs.scripts.push_back(
      script("/vigil/nonexistent/y arg", ScriptKind::kNotify, "notify_master of VI_1", 5));
  refs.scripts.push_back(script("/vigil/nonexistent/z", ScriptKind::kCheck, "MISC_CHECK", 8));
  Diagnostics d;
  EXPECT_FALSE(check_host(refs, plain(), d));
  EXPECT_EQ(d.error_count(), 1u);
  EXPECT_EQ(d.entries()[0].str(),
            "host.conf:2:5: error: script '/vigil/nonexistent/x' of vrrp_script chk not found or "
            "not accessible; the tracker is disabled");
}

TEST(HostChecks, BareProgramNamesAreSearchedInPath) {
  HostReferences refs;
  refs.scripts.push_back(script("true -0 sshd", ScriptKind::kTrack, "vrrp_script chk"));
  Diagnostics d;
  EXPECT_TRUE(check_host(refs, plain(), d));
  EXPECT_EQ(d.error_count(), 0u);

  HostReferences missing;
  missing.scripts.push_back(
      script("vigil-no-such-program arg", ScriptKind::kTrack, "vrrp_script chk"));
  Diagnostics d2;
  EXPECT_FALSE(check_host(missing, plain(), d2));
  EXPECT_EQ(d2.error_count(), 1u);
}

TEST(HostChecks, RedirectionIsNotAScript) {
  HostReferences refs;
  refs.scripts.push_back(script("</dev/tcp/127.0.0.1/80", ScriptKind::kTrack, "vrrp_script p"));
  refs.scripts.push_back(script("< /dev/tcp/127.0.0.1/25", ScriptKind::kTrack, "vrrp_script q"));
  Diagnostics d;
  EXPECT_FALSE(check_host(refs, plain(), d));
  EXPECT_TRUE(d.entries().empty());
}

TEST(HostChecks, FifoScriptCountsWhenEitherProcessRuns) {
  HostReferences refs;
  refs.scripts.push_back(script("/bin/true", ScriptKind::kFifo, "notify_fifo_script"));
  HostCheckSettings neither = plain();
  neither.has_vrrp_instances = false;
  neither.has_virtual_servers = false;
  Diagnostics d;
  EXPECT_FALSE(check_host(refs, neither, d));
  HostCheckSettings lvs_only = neither;
  lvs_only.has_virtual_servers = true;
  Diagnostics d2;
  EXPECT_TRUE(check_host(refs, lvs_only, d2));
}

TEST(HostChecks, CheckerScriptsNeedAVirtualServer) {
  HostReferences refs;
  refs.scripts.push_back(script("/bin/true", ScriptKind::kCheckNotify, "lvs_notify_fifo_script"));
  HostCheckSettings vrrp_only = plain();
  vrrp_only.has_virtual_servers = false;
  Diagnostics d;
  EXPECT_FALSE(check_host(refs, vrrp_only, d));
}

TEST(HostChecks, VrrpScriptsNeedAnInstanceAndAllInterfaces) {
  HostReferences refs;
  refs.scripts.push_back(script("/bin/true", ScriptKind::kNotify, "notify_master of VI_1"));
  HostCheckSettings no_instances = plain();
  no_instances.has_vrrp_instances = false;
  Diagnostics d;
  EXPECT_FALSE(check_host(refs, no_instances, d));

  // A missing interface stops keepalived's VRRP side before its script checks...
  refs.interfaces.push_back(iface("vigil-nx1", "vrrp_instance VI_1"));
  Diagnostics d2;
  EXPECT_FALSE(check_host(refs, plain(), d2));
  // ...but the checker side has already been checked.
  refs.scripts.push_back(script("/bin/true", ScriptKind::kCheck, "MISC_CHECK of 10.0.0.2:80"));
  Diagnostics d3;
  EXPECT_TRUE(check_host(refs, plain(), d3));
}

TEST(HostChecks, GlobalAndCheckerScriptsCount) {
  for (ScriptKind kind : {ScriptKind::kGlobal, ScriptKind::kCheck, ScriptKind::kCheckNotify}) {
    HostReferences refs;
    refs.scripts.push_back(script("/bin/true", kind, "script"));
    HostCheckSettings s = plain();
    s.has_vrrp_instances = false;
    Diagnostics d;
    EXPECT_TRUE(check_host(refs, s, d));
  }
}

TEST(HostChecks, NonExecutableScriptStillCounts) {
  TempDir dir;
  HostReferences refs;
  refs.scripts.push_back(script(dir.file("noexec.sh", 0644), ScriptKind::kNotify, "notify"));
  Diagnostics d;
  EXPECT_TRUE(check_host(refs, plain(), d));
  EXPECT_TRUE(d.clean());
}

TEST(HostChecks, ScriptSecurityAcceptsRootOwnedPaths) {
  HostReferences refs;
  refs.scripts.push_back(script("/bin/true", ScriptKind::kTrack, "vrrp_script chk"));
  refs.scripts.push_back(script("true", ScriptKind::kNotify, "notify_master of VI_1"));
  Diagnostics d;
  EXPECT_FALSE(check_host(refs, secure_as_root(), d));
  EXPECT_TRUE(d.entries().empty());
}

TEST(HostChecks, ScriptSecurityRefusesWritableDirectories) {
  TempDir dir;
  ::chmod(dir.path().c_str(), 0777);  // world-writable, no sticky bit
  const std::string file = dir.file("ok.sh", 0755);
  HostReferences refs;
  refs.scripts.push_back(script(file, ScriptKind::kTrack, "vrrp_script chk", 2));
  refs.scripts.push_back(script(file, ScriptKind::kNotify, "notify_master of VI_1", 4));
  Diagnostics d;
  EXPECT_FALSE(check_host(refs, secure_as_root(), d));
  // The tracker is disabled (an error); the notify script is just not run (a note).
  EXPECT_EQ(d.error_count(), 1u);
  EXPECT_EQ(d.entries()[0].location.line, 2u);
  EXPECT_EQ(d.warning_count(), 1u);
  EXPECT_TRUE(d.entries()[1].impact == Impact::kInformational);

  // Without script security the same script makes the exit code 6.
  Diagnostics d2;
  EXPECT_TRUE(check_host(refs, plain(), d2));
  EXPECT_EQ(d2.error_count(), 0u);
}

TEST(HostChecks, ScriptSecurityWithoutAnyScriptUserRefusesScripts) {
  HostReferences refs;
  refs.scripts.push_back(script("/bin/true", ScriptKind::kNotify, "notify_master of VI_1", 3));
  HostCheckSettings s = plain();
  s.script_security = true;
  Diagnostics d;
  EXPECT_FALSE(check_host(refs, s, d));
  EXPECT_EQ(d.error_count(), 1u);

  // A per-script user makes it runnable.
  refs.scripts[0].user = "root";
  Diagnostics d2;
  EXPECT_FALSE(check_host(refs, s, d2));
  EXPECT_TRUE(d2.entries().empty());
}

TEST(HostChecks, UnknownScriptUserIsAnError) {
  HostReferences refs;
  refs.scripts.push_back(script("/bin/true", ScriptKind::kTrack, "vrrp_script chk"));
  HostCheckSettings s = plain();
  s.script_user = "vigil-test-no-such-user";
  s.script_user_location = at(2);
  Diagnostics d;
  EXPECT_FALSE(check_host(refs, s, d));
  EXPECT_EQ(shown(d), (std::vector<std::string>{"host.conf:2:5: error: 'script_user': unknown "
                                                "user or group 'vigil-test-no-such-user' on this "
                                                "host"}));
}

}  // namespace
}  // namespace vigil::parser
