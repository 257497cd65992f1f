#include "daemon/services.h"

#include <spdlog/spdlog.h>

#include "core/logging.h"
#include "core/script_command.h"

namespace vigil::daemon {

Services::Services(boost::asio::io_context& io, const Options& options)
    : options_(options),
      clock_(io),
      processes_(io, clock_),
      notifier_(processes_),
      engine_(io, clock_, processes_) {}

Services::~Services() { stop(); }

bool Services::start(std::shared_ptr<const config::Config> config, std::string& error) {
  config_ = std::move(config);
  auto log = core::logger("daemon");
  const core::ScriptDefaults defaults{
      config_->global.script_user, config_->global.script_group, {}};
  for (const auto& problem : notifier_.configure(*config_, defaults)) log->warn("{}", problem);

  // -C: checkers only; keepalived's VRRP child is not started.
  if (options_.check_only || config_->vrrp.instances.empty()) return true;
  engine_.set_state_listener([this](const vrrp::Instance& instance, vrrp::State, vrrp::State to) {
    notifier_.instance_state(instance.name(), vrrp::state_name(to),
                             instance.machine().effective_priority());
  });
  engine_.set_group_listener([this](const vrrp::SyncGroup& group, vrrp::State to) {
    notifier_.group_state(group.name(), vrrp::state_name(to));
  });
  if (!engine_.start(*config_, error)) return false;
  vrrp_running_ = true;
  return true;
}

void Services::stop() {
  if (vrrp_running_) {
    vrrp_running_ = false;
    engine_.stop(!options_.dont_release_vrrp);
  }
  notifier_.close_fifos();
  processes_.terminate_all();
}

}  // namespace vigil::daemon
