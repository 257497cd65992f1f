#include "checkers/misc_check.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <utility>

#include <boost/asio/use_awaitable.hpp>

#include "core/logging.h"
#include "core/script_command.h"

namespace vigil::checkers {
namespace {

class MiscCheckImpl final : public Check {
 public:
  MiscCheckImpl(core::ProcessLauncher& launcher, core::Command command, core::Duration timeout,
                bool dynamic)
      : launcher_(launcher), command_(std::move(command)), timeout_(timeout), dynamic_(dynamic) {}

  boost::asio::awaitable<CheckResult> run() override {
    const auto start = std::chrono::steady_clock::now();
    core::RunOptions options;
    options.timeout = timeout_;
    // keepalived misc_check_child_thread: SIGTERM at the timeout, SIGKILL 2 s later.
    options.kill_grace = std::chrono::seconds(2);
    // The launcher completes on the io_context and never throws into us: use_awaitable is safe.
    core::ProcessResult r =
        co_await core::async_run(launcher_, command_, options, boost::asio::use_awaitable);
    CheckResult result = misc_verdict(r, dynamic_);
    result.latency = std::chrono::steady_clock::now() - start;
    co_return result;
  }

 private:
  core::ProcessLauncher& launcher_;
  core::Command command_;
  core::Duration timeout_;
  bool dynamic_;
};

}  // namespace

CheckResult misc_verdict(const core::ProcessResult& r, bool dynamic) {
  CheckResult out;
  switch (r.kind) {
    case core::ExitKind::kExited: {
      const int status = r.exit_status;
      if (status == 0 || (dynamic && status >= 2 && status <= 255)) {
        out.ok = true;
        // "The actual weight set when using misc_dynamic is two less than the exit status
        // returned. Effective range is 0..253." Exit 0 restores the configured weight, which
        // the real server's health knows (VirtualServerHealth::record).
        if (dynamic && status >= 2) out.weight = static_cast<std::uint32_t>(status - 2);
      } else {
        out.reason = "exited with status " + std::to_string(status);
      }
      break;
    }
    case core::ExitKind::kSignaled:
      // keepalived: a SIGTERM/SIGKILL death after it asked the script to stop is "timed out";
      // any other signal is "failed (due to signal N)".
      if (r.timed_out && (r.signal == SIGTERM || r.signal == SIGKILL)) {
        out.reason = "timeout";
        out.alert = "MISC CHECK timed out on service";  // keepalived's SMTP alert body
      } else {
        out.reason = "due to signal " + std::to_string(r.signal);
      }
      break;
    case core::ExitKind::kFailedToStart:
      out.reason = "cannot run: " + r.error.message();
      break;
  }
  return out;
}

std::unique_ptr<Check> make_misc_check(const config::Checker& checker,
                                       const config::RealServer& /*rs*/,
                                       const config::VirtualServer& vs, CheckContext& context,
                                       std::string* why) {
  auto fail = [why](std::string message) -> std::unique_ptr<Check> {
    if (why) *why = std::move(message);
    return nullptr;
  };
  const auto* misc = std::get_if<config::MiscCheck>(&checker.details);
  if (!misc) return fail("not a MISC_CHECK");
  if (misc->path.empty()) return fail("no misc_path");  // keepalived misc_end_handler skips it
  std::string error;
  auto command = core::make_script_command(misc->path, misc->user, misc->group,
                                           context.script_defaults, &error);
  if (!command) return fail(std::move(error));
  // keepalived check_misc_script_security: a script that is not found or not executable at
  // start-up is disabled ("Disabling misc script ... since not found/accessible").
  if (::access(command->argv[0].c_str(), X_OK) != 0) {
    return fail("misc script " + command->argv[0] + " not found/accessible");
  }
  // keepalived misc_check_thread: `misc_timeout ? misc_timeout : checker->vs->delay_loop` (the
  // virtual server's delay_loop, not the checker's own).
  core::Duration timeout = vs.delay_loop;
  if (misc->timeout && misc->timeout->count() > 0) timeout = *misc->timeout;
  return std::make_unique<MiscCheckImpl>(context.launcher, std::move(*command), timeout,
                                         misc->dynamic);
}

}  // namespace vigil::checkers
