#include "daemon/smtp_alerts.h"

#include <deque>
#include <exception>
#include <fstream>
#include <optional>
#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>

#include "checkers/check.h"
#include "core/logging.h"
#include "daemon/smtp_client.h"

namespace vigil::daemon {
namespace {

namespace asio = boost::asio;

// At most this many alerts go in one session; the rest wait for the next.
constexpr std::size_t kBatch = 20;

std::shared_ptr<spdlog::logger> smtp_log() { return core::logger("smtp"); }

struct Pending {
  std::string subject;  // for the log
  Mail mail;
};

// What configure() settled, shared by the sessions started under it.
struct Settings {
  SmtpClientSettings client;
  std::string router_id;
  std::string from;
  std::vector<std::string> to;
  bool no_email_faults = false;
  bool no_checker_emails = false;
};

// The first line of the password file, without its line end.
std::optional<std::string> read_password(const std::string& path, std::string& problem) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    problem = "smtp_auth_password_file " + path + ": cannot read a password from it";
    return std::nullopt;
  }
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

// The VRRP instances or the sync groups: which want alerts, and the last state mailed for each
// (no_email_faults).
struct VrrpAlerts {
  std::map<std::string, bool, std::less<>> wanted;
  std::map<std::string, std::string, std::less<>> mailed;

  // keepalived: STOP is never mailed; with no_email_faults neither FAULT nor a repeat of the
  // state mailed last (its last_email_state).
  bool mail(const std::string& name, std::string_view state, bool no_email_faults) {
    if (state != "MASTER" && state != "BACKUP" && state != "FAULT") return false;
    const auto it = wanted.find(name);
    if (it == wanted.end() || !it->second) return false;
    std::string& last = mailed[name];
    if (no_email_faults && (state == "FAULT" || state == last)) return false;
    last = std::string(state);
    return true;
  }
};

}  // namespace

struct SmtpAlerts::State {
  std::size_t queue_limit;
  std::shared_ptr<const Settings> settings;  // null: alerts off
  VrrpAlerts instances;
  VrrpAlerts groups;
  std::deque<Pending> queue;
  bool busy = false;
  bool stopped = false;
  std::shared_ptr<asio::cancellation_signal> cancel;  // of the running session
  SmtpAlertStats stats;
  std::function<std::time_t()> now = [] { return std::time(nullptr); };
};

namespace {

// Delivers the queue, a batch per session, until it is empty; then clears `busy` (before the
// coroutine ends, so that an alert queued meanwhile starts a new worker).
asio::awaitable<void> drain(std::shared_ptr<SmtpAlerts::State> state) {
  while (true) {
    if (state->stopped || state->queue.empty() || !state->settings) {
      state->busy = false;
      co_return;
    }
    const std::shared_ptr<const Settings> settings = state->settings;
    std::vector<Pending> batch;
    while (!state->queue.empty() && batch.size() < kBatch) {
      batch.push_back(std::move(state->queue.front()));
      state->queue.pop_front();
    }
    std::vector<Mail> mails;
    mails.reserve(batch.size());
    for (const auto& p : batch) mails.push_back(p.mail);
    const SmtpSessionResult result = co_await smtp_send(settings->client, mails);
    if (state->stopped) {
      state->busy = false;
      co_return;
    }
    const std::string server =
        settings->client.server + " port " + std::to_string(settings->client.port);
    std::size_t failed = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const MailResult& r = result.mails[i];
      if (r.delivered) {
        ++state->stats.delivered;
        smtp_log()->info("SMTP alert sent to {}{}: {}", server, result.tls ? " (TLS)" : "",
                         batch[i].subject);
        if (!r.error.empty()) {
          smtp_log()->warn("SMTP alert \"{}\": {}", batch[i].subject, r.error);
        }
      } else {
        ++state->stats.failed;
        ++failed;
        // A session that failed as a whole is reported once, below.
        if (result.error.empty() || r.error != result.error) {
          smtp_log()->warn("SMTP alert \"{}\" refused by {}: {}", batch[i].subject, server,
                           r.error);
        }
      }
    }
    if (!result.error.empty()) {
      smtp_log()->warn("SMTP server {}: {}; {} alert(s) not sent", server, result.error, failed);
    }
  }
}

void start_worker(asio::io_context& io, const std::shared_ptr<SmtpAlerts::State>& state) {
  if (state->busy || state->stopped || state->queue.empty()) return;
  state->busy = true;
  // A signal per session: the previous one may still be bound until its completion runs.
  auto cancel = std::make_shared<asio::cancellation_signal>();
  state->cancel = cancel;
  asio::co_spawn(
      io, drain(state),
      asio::bind_cancellation_slot(cancel->slot(), [state, cancel](std::exception_ptr e) {
        if (!e) return;
        state->busy = false;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          smtp_log()->error("SMTP alerts: {}", x.what());
        } catch (...) {
          smtp_log()->error("SMTP alerts: unknown error");
        }
      }));
}

}  // namespace

SmtpAlerts::SmtpAlerts(asio::io_context& io, std::size_t queue_limit)
    : io_(io), state_(std::make_shared<State>()) {
  state_->queue_limit = queue_limit == 0 ? 1 : queue_limit;
}

SmtpAlerts::~SmtpAlerts() { stop(); }

std::vector<std::string> SmtpAlerts::configure(const config::Config& config) {
  std::vector<std::string> problems;
  const config::GlobalDefs& g = config.global;
  state_->instances.wanted.clear();
  for (const auto& i : config.vrrp.instances) {
    state_->instances.wanted[i.name] = i.smtp_alert.value_or(false);
  }
  state_->groups.wanted.clear();
  for (const auto& sg : config.vrrp.sync_groups) {
    state_->groups.wanted[sg.name] = sg.smtp_alert.value_or(false);
  }
  // Alerts off (not configured, or a problem below): what still waits is dropped.
  auto off = [&] {
    state_->settings.reset();
    state_->stats.dropped += state_->queue.size();
    state_->queue.clear();
    return problems;
  };
  if (!g.smtp_server || g.notification_email.empty()) return off();

  auto s = std::make_shared<Settings>();
  s->router_id = g.router_id.value_or(local_host_name());
  s->from = g.notification_email_from.value_or(default_mail_from());
  s->to = g.notification_email;
  s->no_email_faults = g.no_email_faults;
  s->no_checker_emails = g.no_checker_emails;
  SmtpClientSettings& c = s->client;
  c.server = *g.smtp_server;
  c.port = g.smtp_port;
  c.helo_name = g.smtp_helo_name.value_or(local_host_name());
  c.step_timeout = g.smtp_connect_timeout;
  const config::SmtpClientOptions& x = g.smtp_client;
  c.starttls = x.starttls;
  c.verify = x.verify();
  if (x.starttls != config::SmtpStartTls::kOff) {
    std::string why;
    c.tls = make_smtp_tls_context(c.verify, x.tls_ca_file, &why);
    if (!c.tls) {
      problems.push_back("SMTP alerts are off: " + why);
      return off();
    }
  }
  if (!x.auth_user.empty()) {
    std::optional<std::string> password = x.auth_password;
    if (!password && !x.auth_password_file.empty()) {
      std::string problem;
      password = read_password(x.auth_password_file, problem);
      if (!password) {
        problems.push_back("SMTP alerts are off: " + problem);
        return off();
      }
    }
    c.auth = SmtpCredentials{x.auth_user, password.value_or("")};
  }
  state_->settings = std::move(s);
  return problems;
}

bool SmtpAlerts::enabled() const { return state_->settings && !state_->stopped; }

void SmtpAlerts::instance_state(const std::string& name, std::string_view state) {
  if (enabled() && state_->instances.mail(name, state, state_->settings->no_email_faults)) {
    enqueue(vrrp_instance_mail(state_->settings->router_id, name, state));
  }
}

void SmtpAlerts::group_state(const std::string& name, std::string_view state) {
  if (enabled() && state_->groups.mail(name, state, state_->settings->no_email_faults)) {
    enqueue(vrrp_group_mail(state_->settings->router_id, name, state));
  }
}

void SmtpAlerts::checker_verdict(const config::VirtualServer& vs,
                                 const checkers::ProbeReport& report) {
  if (!enabled() || report.real_server >= vs.real_servers.size()) return;
  const config::RealServer& rs = vs.real_servers[report.real_server];
  if (!rs.smtp_alert.value_or(true) || report.checker >= rs.checkers.size()) return;
  const config::CheckerType type = rs.checkers[report.checker].type;
  const bool changed = report.was_up != report.up;
  if (!changed && !(report.first && type == config::CheckerType::kMisc)) return;
  if (state_->settings->no_checker_emails && report.server_was_alive == report.server_alive) {
    return;
  }
  const auto text = checker_mail_text(type, report.result.ok, report.result.alert);
  if (!text) return;
  enqueue(real_server_mail(state_->settings->router_id, checkers::real_server_name(rs, vs),
                           checkers::virtual_server_name(vs), report.server_alive, *text));
}

void SmtpAlerts::health_event(const config::VirtualServer& vs, const checkers::HealthEvent& e) {
  using Kind = checkers::HealthEventKind;
  if (!enabled() || e.stopping || !vs.smtp_alert.value_or(false)) return;
  if (e.kind != Kind::kQuorumUp && e.kind != Kind::kQuorumDown) return;
  enqueue(virtual_server_mail(state_->settings->router_id, checkers::virtual_server_name(vs),
                              e.kind == Kind::kQuorumUp, e.initial, vs.quorum, vs.hysteresis,
                              e.threshold, e.weight_sum));
}

void SmtpAlerts::enqueue(const MailText& text) {
  State& s = *state_;
  if (s.queue.size() >= s.queue_limit) {
    ++s.stats.dropped;
    smtp_log()->warn("SMTP alert queue full ({} waiting): dropping \"{}\"", s.queue.size(),
                     s.queue.front().subject);
    s.queue.pop_front();
  }
  const Settings& settings = *s.settings;
  Pending p;
  p.subject = text.subject;
  p.mail.from = settings.from;
  p.mail.to = settings.to;
  p.mail.message = format_mail(mail_date(s.now()), settings.from, settings.to, text);
  s.queue.push_back(std::move(p));
  ++s.stats.queued;
  start_worker(io_, state_);
}

void SmtpAlerts::stop() {
  State& s = *state_;
  if (s.stopped) return;
  s.stopped = true;
  s.stats.dropped += s.queue.size();
  s.queue.clear();
  if (s.cancel) s.cancel->emit(asio::cancellation_type::terminal);
}

const SmtpAlertStats& SmtpAlerts::stats() const { return state_->stats; }
std::size_t SmtpAlerts::pending() const { return state_->queue.size(); }
bool SmtpAlerts::busy() const { return state_->busy; }

void SmtpAlerts::set_time_source(std::function<std::time_t()> now) { state_->now = std::move(now); }

}  // namespace vigil::daemon
