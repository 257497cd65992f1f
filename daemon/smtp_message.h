#pragma once

// SMTP alert messages in keepalived 2.2.7's shape, byte for byte as Debian's keepalived sends
// them (captured at an SMTP sink: VRRP in a network namespace, the checkers inside the qemu
// guest of tests/integration, since they need IPVS):
//
//   Date: Mon, 07 Dec 2026 01:16:16 +0000
//   From: vigil-test@example.net
//   Subject: [LVS_DEVEL] VRRP Instance VI_1 - Entering MASTER state
//   X-Mailer: Keepalived
//   To: admin@example.com, ops@example.org
//
//   => VRRP Instance is now owning VRRP VIPs <=
//   (an empty line, then the "." that ends DATA)
//
// The Date is local time ("%a, %d %b %Y %H:%M:%S %z", English names). The subjects:
//   [router_id] VRRP Instance VI_1 - Entering MASTER|BACKUP|FAULT state
//   [router_id] VRRP Group VG_1 - Entering MASTER|BACKUP|FAULT state
//   [router_id] Realserver [10.0.0.2]:tcp:80 of virtual server [10.0.0.1]:tcp:80 - UP|DOWN
//   [router_id] Virtualserver [10.0.0.1]:tcp:80 - UP|DOWN
// and the bodies "=> ... <=" below. These are pure functions; daemon/smtp_alerts.h decides
// when a mail is sent.

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parser/config/checkers.h"

namespace vigil::daemon {

struct MailText {
  std::string subject;
  std::string body;  // one line, without line end
  bool operator==(const MailText&) const = default;
};

// A VRRP instance or sync group entered `state` ("MASTER", "BACKUP" or "FAULT"). Bodies:
// "=> VRRP Instance is now owning VRRP VIPs <=" (MASTER), "=> VRRP Instance is no longer owning
// VRRP VIPs <=" (BACKUP, FAULT); "=> All VRRP group instances are now in MASTER state <=".
MailText vrrp_instance_mail(std::string_view router_id, std::string_view instance,
                            std::string_view state);
MailText vrrp_group_mail(std::string_view router_id, std::string_view group,
                         std::string_view state);

// A checker of a real server reached a verdict that keepalived mails. `rs` and `vs` are FMT_RS /
// FMT_VS; `alive` is the real server's state after the verdict (a second checker failing on a
// server that is already down mails "DOWN" again).
MailText real_server_mail(std::string_view router_id, std::string_view rs, std::string_view vs,
                          bool alive, std::string_view checker_text);

// The body text of a checker's verdict, without "=> " and " <=":
//   TCP_CHECK    "TCP CHECK succeed on service" / "TCP CHECK failed on service"
//   HTTP_GET, SSL_GET  "CHECK succeed on service" / "CHECK failed on service : HTTP request failed"
//   SMTP_CHECK   "CHECK succeed on service" / "CHECK failed on service : Read timeout from
//                server [10.0.0.2]:25" (the failure's own words, CheckResult::alert)
//   MISC_CHECK   "MISC CHECK succeeded on service" / "MISC CHECK failed on service" /
//                "MISC CHECK timed out on service" (CheckResult::alert)
//   DNS_CHECK    "DNS_CHECK: succeed on service" / "DNS_CHECK: failed on service"
//   UDP_CHECK    "UDP CHECK succeed on service" / "UDP CHECK failed on service"
//   PING_CHECK   "ICMP CHECK succeed on service" / "ICMP CHECK failed on service"
// FILE_CHECK never mails (nullopt). A failure's non-empty `alert` replaces the usual words.
std::optional<std::string> checker_mail_text(config::CheckerType type, bool ok,
                                             std::string_view alert);

// The quorum of a virtual server changed: "=> Gained quorum 3+1=4 <= 4 <=", "=> Lost quorum
// 3+1=2 <= 0 <=", "=> Starting with quorum up 1+0=1 <= 1 <=", "=> Starting with quorum down
// 1+0=1 <= 0 <=". keepalived writes "+" and "<=" whichever way the quorum went; `threshold` is
// the bound that was crossed (quorum + hysteresis going up, quorum - hysteresis going down).
MailText virtual_server_mail(std::string_view router_id, std::string_view vs, bool up, bool initial,
                             std::uint32_t quorum, std::uint32_t hysteresis, std::int64_t threshold,
                             std::int64_t weight_sum);

// keepalived's Date header for `local` (broken-down local time) east of UTC by `gmt_offset`
// seconds: "Mon, 07 Dec 2026 01:16:16 +0100".
std::string mail_date(const std::tm& local, long gmt_offset);
// The Date header for `t` in the process's time zone.
std::string mail_date(std::time_t t);

// The message sent after DATA (before dot-stuffing): the headers in keepalived's order, an
// empty line, the body line and keepalived's trailing empty line. CR and LF in header values
// become spaces.
std::string format_mail(std::string_view date, std::string_view from,
                        const std::vector<std::string>& to, const MailText& text);

// The host name as the kernel knows it (uname), for the defaults keepalived derives from it:
// router_id, smtp_helo_name, notification_email_from. keepalived canonicalises it through the
// resolver; vigil never blocks on DNS for it.
std::string local_host_name();
// keepalived's default notification_email_from: "<user of this process>@<host name>".
std::string default_mail_from();

}  // namespace vigil::daemon
