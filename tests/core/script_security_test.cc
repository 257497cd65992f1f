// Script security on the real file system (a private temporary directory): what keepalived
// 2.2.7 accepts and refuses under enable_script_security, for `vigild -t` (inspect_script) and
// for the running daemon (make_script_command refuses what must not run).
#include "core/script_security.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/script_command.h"
#include "tests/common/temp_dir.h"

namespace vigil::core {
namespace {

using vigil::test_support::TempDir;

TEST(ScriptSecurity, ProgramOfHonoursQuotes) {
  EXPECT_EQ(program_of("killall -0 sshd"), "killall");
  EXPECT_EQ(program_of("  '/opt/my script' a b"), "/opt/my script");
  EXPECT_EQ(program_of("\"/x\""), "/x");
  EXPECT_EQ(program_of(""), "");
}

TEST(ScriptSecurity, SymlinksAreResolvedBeforeTheOwnershipWalk) {
  TempDir dir;
  ::chmod(dir.path().c_str(), 0777);
  const std::string link = dir.path() + "/link";
  ASSERT_EQ(::symlink("/bin/true", link.c_str()), 0);
  ScriptInspection r = inspect_script(link, Credentials{}, "/usr/bin:/bin");
  EXPECT_EQ(r.state, ScriptState::kSecure);
  EXPECT_EQ(r.program.find(dir.path()), std::string::npos);
}

TEST(ScriptSecurity, StickyWorldWritableDirectoryIsSafe) {
  // /tmp itself (sticky) is fine; a root-owned directory below it decides.
  if (::geteuid() != 0) GTEST_SKIP() << "needs root-owned files";
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  ScriptInspection r = inspect_script(dir.file("ok.sh", 0755), Credentials{}, "");
  EXPECT_EQ(r.state, ScriptState::kSecure);
}

TEST(ScriptSecurity, BareNamesAreFoundInThePath) {
  ScriptInspection r = inspect_script("true --x", Credentials{}, "/nonexistent:/usr/bin:/bin");
  EXPECT_TRUE(r.from_path_search);
  EXPECT_NE(r.state, ScriptState::kMissing);
  EXPECT_EQ(inspect_script("vigil-no-such-program", Credentials{}, "/usr/bin").state,
            ScriptState::kMissing);
}

// The running daemon: under enable_script_security a root script that anyone can modify is
// refused when the configuration is loaded (keepalived: "Unsafe permissions found for script
// '...' - disabling."), and the same script is accepted without it, as keepalived does.
TEST(ScriptSecurityAtRunTime, WorldWritableRootScriptIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root-owned files";
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string bad = dir.file("bad.sh", 0777);
  const std::string good = dir.file("good.sh", 0755);
  ScriptDefaults secure;
  secure.script_user = "root";
  secure.script_security = true;
  std::string error;
  EXPECT_FALSE(make_script_command(bad + " arg", "", "", secure, &error));
  EXPECT_NE(error.find("Unsafe permissions found for script '" + bad + "'"), std::string::npos)
      << error;
  EXPECT_TRUE(make_script_command(good + " arg", "", "", secure, &error)) << error;

  ScriptDefaults lax;
  lax.script_user = "root";
  EXPECT_TRUE(make_script_command(bad, "", "", lax, &error)) << error;
}

TEST(ScriptSecurityAtRunTime, WritableDirectoryAboveTheScriptIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root-owned files";
  TempDir dir;
  ::chmod(dir.path().c_str(), 0777);  // not sticky: anyone may replace the script
  const std::string script = dir.file("s.sh", 0755);
  ScriptDefaults secure;
  secure.script_user = "root";
  secure.script_security = true;
  std::string error;
  EXPECT_FALSE(make_script_command(script, "", "", secure, &error));
  EXPECT_NE(error.find("'" + dir.path() + "' can be modified"), std::string::npos) << error;
}

TEST(ScriptSecurityAtRunTime, UnprivilegedUserNeedsNoProtection) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root-owned files";
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string script = dir.file("s.sh", 0777);
  ScriptDefaults secure;
  secure.script_security = true;
  std::string error;
  EXPECT_TRUE(make_script_command(script, "nobody", "", secure, &error)) << error;
}

TEST(ScriptSecurityAtRunTime, MissingDefaultUserRefusesScriptsWithoutAUser) {
  if (lookup_credentials(kDefaultScriptUser, "")) GTEST_SKIP() << "keepalived_script exists";
  ScriptDefaults secure;
  secure.script_security = true;
  std::string error;
  EXPECT_FALSE(make_script_command("/bin/true", "", "", secure, &error));
  EXPECT_NE(error.find("no script_user"), std::string::npos) << error;
  EXPECT_TRUE(make_script_command("/bin/true", "root", "", secure, &error)) << error;
}

}  // namespace
}  // namespace vigil::core
