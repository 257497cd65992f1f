// vigil's SMTP client extension keywords in global_defs (smtp_starttls, smtp_tls_verify,
// smtp_tls_ca_file, smtp_auth_user, smtp_auth_password, smtp_auth_password_file): values,
// exact diagnostics, the JSON dump (never the password), the file checks of vigild -t.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/parser/bind_vrrp_test_util.h"

namespace vigil::parser {
namespace {

using testing::diags;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::parse_text;

constexpr auto g = testing::global_defs;

TEST(BindGlobalSmtp, DefaultsKeepKeepalivedsPlainSmtpApartFromEhlo) {
  auto r = parse_text(g("  smtp_server 10.0.0.25\n"));
  EXPECT_THAT(diags(r), IsEmpty());
  const auto& s = r.config.global.smtp_client;
  EXPECT_EQ(s.starttls, config::SmtpStartTls::kOpportunistic);
  EXPECT_FALSE(s.verify());
  EXPECT_TRUE(s.auth_user.empty());
  auto j = global_to_json(r.config)["smtp_client"];
  EXPECT_EQ(j["starttls"], "opportunistic");
  EXPECT_EQ(j["tls_verify"], false);
  EXPECT_EQ(j["tls_ca_file"], nullptr);
  EXPECT_EQ(j["auth_user"], nullptr);
  EXPECT_EQ(j["auth_password"], nullptr);
  EXPECT_EQ(j["auth_password_file"], nullptr);
}

TEST(BindGlobalSmtp, AllKeywords) {
  auto r =
      parse_text(g("  smtp_starttls required\n  smtp_tls_ca_file /etc/ssl/certs/mx.pem\n"
                   "  smtp_auth_user alerts@example.com\n  smtp_auth_password \"pa ss\"\n"));
  EXPECT_THAT(diags(r), IsEmpty());
  const auto& s = r.config.global.smtp_client;
  EXPECT_EQ(s.starttls, config::SmtpStartTls::kRequired);
  EXPECT_TRUE(s.verify());  // required verifies unless told otherwise
  EXPECT_EQ(s.tls_ca_file, "/etc/ssl/certs/mx.pem");
  EXPECT_EQ(s.auth_user, "alerts@example.com");
  EXPECT_EQ(s.auth_password, "pa ss");
  auto j = global_to_json(r.config)["smtp_client"];
  EXPECT_EQ(j["starttls"], "required");
  EXPECT_EQ(j["tls_verify"], true);
  EXPECT_EQ(j["auth_password"], "<hidden>");
  EXPECT_EQ(global_to_json(r.config).dump().find("pa ss"), std::string::npos);
}

TEST(BindGlobalSmtp, VerifyIsExplicitWhenSet) {
  auto r = parse_text(g("  smtp_starttls required\n  smtp_tls_verify off\n"));
  EXPECT_FALSE(r.config.global.smtp_client.verify());
  r = parse_text(g("  smtp_tls_verify\n"));
  EXPECT_TRUE(r.config.global.smtp_client.verify());
}

TEST(BindGlobalSmtp, BadValues) {
  EXPECT_THAT(diags(g("  smtp_starttls maybe\n")),
              ElementsAre("2:17: error: 'smtp_starttls': invalid value 'maybe' (expected "
                          "opportunistic, required or off)"));
  EXPECT_THAT(diags(g("  smtp_tls_ca_file certs/mx.pem\n")),
              ElementsAre("2:20: error: 'smtp_tls_ca_file': invalid value 'certs/mx.pem' "
                          "(expected an absolute path)"));
  EXPECT_THAT(diags(g("  smtp_tls_verify sometimes\n")), ::testing::SizeIs(1));
}

TEST(BindGlobalSmtp, CredentialsComeInPairs) {
  EXPECT_THAT(diags(g("  smtp_auth_user alice\n")),
              ElementsAre("2:3: error: 'smtp_auth_user' needs 'smtp_auth_password' or "
                          "'smtp_auth_password_file'"));
  EXPECT_THAT(diags(g("  smtp_auth_password s3cret\n")),
              ElementsAre("2:3: error: an SMTP password is set without 'smtp_auth_user'"));
  EXPECT_THAT(diags(g("  smtp_auth_user alice\n  smtp_auth_password s3cret\n"
                      "  smtp_auth_password_file /etc/vigil/smtp\n")),
              ElementsAre("4:3: error: 'smtp_auth_password_file' and 'smtp_auth_password' are "
                          "both set; use one"));
}

TEST(BindGlobalSmtp, TlsSettingsWithoutTlsWarn) {
  EXPECT_THAT(diags(g("  smtp_starttls off\n  smtp_tls_ca_file /etc/ssl/mx.pem\n")),
              ElementsAre("3:3: warning: 'smtp_tls_verify' and 'smtp_tls_ca_file' have no "
                          "effect with 'smtp_starttls off'"));
}

class BindGlobalSmtpFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/vigil-smtp-pass-" + std::to_string(::getpid());
  }
  void TearDown() override { std::remove(path_.c_str()); }
  std::vector<std::string> check(const std::string& text) {
    ParseOptions opts;
    opts.host_checks = true;
    opts.config_id = "test";
    return diags(parse_config_text(text, "t.conf", opts));
  }
  std::string path_;
};

TEST_F(BindGlobalSmtpFiles, PasswordFileMustBeReadable) {
  const std::string conf = g("  smtp_auth_user alice\n  smtp_auth_password_file " + path_ + "\n");
  EXPECT_THAT(check(conf), ElementsAre("3:3: error: 'smtp_auth_password_file': cannot use '" +
                                       path_ + "': No such file or directory"));
  {
    std::ofstream f(path_);
    f << "s3cret\n";
  }
  ::chmod(path_.c_str(), 0600);
  EXPECT_THAT(check(conf), IsEmpty());
  ::chmod(path_.c_str(), 0644);
  EXPECT_THAT(check(conf), ElementsAre("3:3: warning: 'smtp_auth_password_file': '" + path_ +
                                       "' can be read or changed by other users (mode 0644); "
                                       "make it 0600"));
}

TEST_F(BindGlobalSmtpFiles, CaFileMustExist) {
  EXPECT_THAT(check(g("  smtp_tls_ca_file " + path_ + "\n")),
              ElementsAre("2:3: error: 'smtp_tls_ca_file': cannot use '" + path_ +
                          "': No such file or directory"));
}

}  // namespace
}  // namespace vigil::parser
