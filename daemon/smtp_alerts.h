#pragma once

// SMTP alerts, as keepalived 2.2.7 sends them (observed against Debian's keepalived; the message
// shapes are in daemon/smtp_message.h), delivered by daemon/smtp_client.h in the background.
//
// When a mail is sent (alerts need smtp_server and at least one notification_email):
//  - A vrrp_instance or vrrp_sync_group with smtp_alert (explicit, else global smtp_alert_vrrp,
//    else smtp_alert, else off; the parser settles it) mails every entry into MASTER, BACKUP
//    (also the initial one) and FAULT; an instance in a sync group mails as well as its group.
//    STOP is not mailed: keepalived opens the connections at shutdown but exits before it says
//    anything. With no_email_faults, FAULT is not mailed, and neither is a state equal to the
//    last one mailed (BACKUP -> FAULT -> BACKUP mails one BACKUP).
//  - A real server with smtp_alert (explicit, else smtp_alert_checker, else smtp_alert, else on)
//    mails every verdict that changes one of its checkers, whether or not the real server
//    changes: the subject has the server's state after the verdict, the body the checker's
//    words. A MISC_CHECK also mails its first verdict. FILE_CHECK never mails, nor does an
//    alpha checker's first failure (other than MISC_CHECK's). With no_checker_emails only
//    verdicts that change the real server mail.
//  - A virtual server with smtp_alert (explicit, else smtp_alert_checker, else smtp_alert, else
//    off) mails its quorum changes, including "Starting with quorum up/down" at start-up; not the
//    omega reports at shutdown (keepalived exits before sending them).
//
// Delivery never holds anything up: alerts wait in a bounded queue (the oldest is dropped and
// counted when it is full), one session at a time delivers everything queued so far, and a
// failure is logged and the alerts of that session are dropped (keepalived does not retry
// either). SIGTERM cancels the session in flight.

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "checkers/manager.h"
#include "checkers/server_health.h"
#include "daemon/smtp_message.h"
#include "parser/config/config.h"

namespace vigil::daemon {

struct SmtpAlertStats {
  std::uint64_t queued = 0;     // alerts taken into the queue
  std::uint64_t delivered = 0;  // accepted by the server
  std::uint64_t failed = 0;     // the server refused them or could not be reached
  std::uint64_t dropped = 0;    // pushed out of the full queue, or pending at shutdown
};

class SmtpAlerts {
 public:
  static constexpr std::size_t kDefaultQueueLimit = 100;

  explicit SmtpAlerts(boost::asio::io_context& io, std::size_t queue_limit = kDefaultQueueLimit);
  ~SmtpAlerts();
  SmtpAlerts(const SmtpAlerts&) = delete;
  SmtpAlerts& operator=(const SmtpAlerts&) = delete;

  // Start-up and reload: the SMTP settings of global_defs (the password file is read here) and
  // which instances and groups want alerts. Returns the problems found, one line each; with a
  // problem alerts stay off until a configuration without it.
  std::vector<std::string> configure(const config::Config& config);
  bool enabled() const;

  // A VRRP instance / sync group entered `state` ("MASTER", "BACKUP", "FAULT", "STOP", ...).
  void instance_state(const std::string& name, std::string_view state);
  void group_state(const std::string& name, std::string_view state);
  // Every checker verdict (checkers::Manager::Listener::probe).
  void checker_verdict(const config::VirtualServer& vs, const checkers::ProbeReport& report);
  // The checkers' health events; quorum changes mail.
  void health_event(const config::VirtualServer& vs, const checkers::HealthEvent& event);

  // Shutdown: the session in flight is cancelled and the queue dropped; later alerts are
  // ignored.
  void stop();

  const SmtpAlertStats& stats() const;
  std::size_t pending() const;  // queued, not yet handed to a session
  bool busy() const;            // a session is running

  // Tests: the clock of the Date header.
  void set_time_source(std::function<std::time_t()> now);

  // Shared with the session coroutine, which may outlive this object by a loop turn.
  struct State;

 private:
  void enqueue(const MailText& text);

  boost::asio::io_context& io_;
  std::shared_ptr<State> state_;
};

}  // namespace vigil::daemon
