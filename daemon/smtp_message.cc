#include "daemon/smtp_message.h"

#include <pwd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace vigil::daemon {
namespace {

std::string tag(std::string_view router_id) { return "[" + std::string(router_id) + "] "; }

std::string header_value(std::string_view v) {
  std::string out(v);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

}  // namespace

MailText vrrp_instance_mail(std::string_view router_id, std::string_view instance,
                            std::string_view state) {
  MailText m;
  m.subject = tag(router_id) + "VRRP Instance " + std::string(instance) + " - Entering " +
              std::string(state) + " state";
  m.body = state == "MASTER" ? "=> VRRP Instance is now owning VRRP VIPs <="
                             : "=> VRRP Instance is no longer owning VRRP VIPs <=";
  return m;
}

MailText vrrp_group_mail(std::string_view router_id, std::string_view group,
                         std::string_view state) {
  MailText m;
  m.subject = tag(router_id) + "VRRP Group " + std::string(group) + " - Entering " +
              std::string(state) + " state";
  m.body = "=> All VRRP group instances are now in " + std::string(state) + " state <=";
  return m;
}

MailText real_server_mail(std::string_view router_id, std::string_view rs, std::string_view vs,
                          bool alive, std::string_view checker_text) {
  MailText m;
  m.subject = tag(router_id) + "Realserver " + std::string(rs) + " of virtual server " +
              std::string(vs) + (alive ? " - UP" : " - DOWN");
  m.body = "=> " + std::string(checker_text) + " <=";
  return m;
}

std::optional<std::string> checker_mail_text(config::CheckerType type, bool ok,
                                             std::string_view alert) {
  using T = config::CheckerType;
  if (type == T::kFile) return std::nullopt;
  if (!ok && !alert.empty()) return std::string(alert);
  switch (type) {
    case T::kTcp:
      return ok ? "TCP CHECK succeed on service" : "TCP CHECK failed on service";
    case T::kHttp:
    case T::kSsl:
      return ok ? "CHECK succeed on service" : "CHECK failed on service : HTTP request failed";
    case T::kSmtp:  // its failures always carry their words in `alert`
      return ok ? "CHECK succeed on service" : "CHECK failed on service";
    case T::kMisc:
      return ok ? "MISC CHECK succeeded on service" : "MISC CHECK failed on service";
    case T::kDns:
      return ok ? "DNS_CHECK: succeed on service" : "DNS_CHECK: failed on service";
    case T::kUdp:
      return ok ? "UDP CHECK succeed on service" : "UDP CHECK failed on service";
    case T::kPing:
      return ok ? "ICMP CHECK succeed on service" : "ICMP CHECK failed on service";
    case T::kFile:
      return std::nullopt;
  }
  return std::nullopt;
}

MailText virtual_server_mail(std::string_view router_id, std::string_view vs, bool up, bool initial,
                             std::uint32_t quorum, std::uint32_t hysteresis, std::int64_t threshold,
                             std::int64_t weight_sum) {
  MailText m;
  m.subject = tag(router_id) + "Virtualserver " + std::string(vs) + (up ? " - UP" : " - DOWN");
  const char* what = initial ? (up ? "Starting with quorum up" : "Starting with quorum down")
                             : (up ? "Gained quorum" : "Lost quorum");
  m.body = "=> " + std::string(what) + " " + std::to_string(quorum) + "+" +
           std::to_string(hysteresis) + "=" + std::to_string(threshold) +
           " <= " + std::to_string(weight_sum) + " <=";
  return m;
}

std::string mail_date(const std::tm& local, long gmt_offset) {
  // Fixed English names: strftime's would follow the locale.
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const char sign = gmt_offset < 0 ? '-' : '+';
  const long off = std::labs(gmt_offset) / 60;
  char out[64];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
                kDays[((local.tm_wday % 7) + 7) % 7], local.tm_mday,
                kMonths[((local.tm_mon % 12) + 12) % 12], local.tm_year + 1900, local.tm_hour,
                local.tm_min, local.tm_sec, sign, off / 60, off % 60);
  return out;
}

std::string mail_date(std::time_t t) {
  std::tm local{};
  ::localtime_r(&t, &local);
  return mail_date(local, local.tm_gmtoff);
}

std::string format_mail(std::string_view date, std::string_view from,
                        const std::vector<std::string>& to, const MailText& text) {
  std::string rcpt;
  for (const auto& r : to) {
    if (!rcpt.empty()) rcpt += ", ";
    rcpt += r;
  }
  return "Date: " + header_value(date) + "\r\nFrom: " + header_value(from) +
         "\r\nSubject: " + header_value(text.subject) +
         "\r\nX-Mailer: Keepalived\r\nTo: " + header_value(rcpt) + "\r\n\r\n" + text.body +
         "\r\n\r\n";
}

std::string local_host_name() {
  utsname u{};
  if (::uname(&u) != 0 || u.nodename[0] == '\0') return "localhost";
  return u.nodename;
}

std::string default_mail_from() {
  std::string user = "root";
  long size = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::string buf(size > 0 ? static_cast<std::size_t>(size) : 16384, '\0');
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(::geteuid(), &pw, buf.data(), buf.size(), &found) == 0 && found) {
    user = found->pw_name;
  }
  return user + "@" + local_host_name();
}

}  // namespace vigil::daemon
