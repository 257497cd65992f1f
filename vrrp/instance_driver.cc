#include "vrrp/instance_driver.h"

#include <spdlog/spdlog.h>

#include "core/logging.h"
#include "vrrp/announce_socket.h"
#include "vrrp/instance_config.h"

namespace vigil::vrrp {
namespace {

spdlog::logger& log() {
  static const std::shared_ptr<spdlog::logger> logger = core::logger("vrrp");
  return *logger;
}

TrackWeight weight_of(int weight, bool reverse) { return {weight, reverse}; }

}  // namespace

InstanceDriver::InstanceDriver(const DriverSetup& setup, core::Clock& clock,
                               InterfaceTable& interfaces, std::unique_ptr<AddressSet> addresses,
                               std::unique_ptr<Announcer> announcer, StateListener listener)
    : config_(setup.config),
      interfaces_(interfaces),
      addresses_(std::move(addresses)),
      announcer_(std::move(announcer)),
      listener_(std::move(listener)),
      tracker_(setup.config->priority),
      instance_(make_instance_config(*setup.config, *setup.global, setup.source), clock, *this) {
  take_setup(setup);
  track_configured();
}

void InstanceDriver::take_setup(const DriverSetup& setup) {
  config_ = setup.config;
  ifindex_ = setup.ifindex;
  source_ = setup.source;
  destinations_ = setup.destinations;
  ttl_ = setup.ttl;
  unicast_ = !setup.config->unicast_peers.empty();
  socket_ = setup.socket;
  // The AH sequence counter carries on across a reload: a peer drops adverts whose sequence
  // number goes back (anti-replay).
  ah_key_.reset();
  if (config_->authentication && config_->authentication->type == config::AuthType::kAh &&
      config_->version == 2 && source_.is_v4()) {
    ah_key_ = ah_key(config_->authentication->password);
  }
}

void InstanceDriver::track_configured() {
  for (const auto& t : config_->track_interfaces) {
    tracker_.track_interface(t.name, weight_of(t.weight, t.reverse));
  }
  for (const auto& t : config_->track_scripts) {
    tracker_.track_script(t.name, weight_of(t.weight.value_or(0), t.reverse.value_or(false)));
  }
  for (const auto& t : config_->track_files) {
    tracker_.track_file(t.name, weight_of(t.weight.value_or(0), t.reverse.value_or(false)));
  }
}

void InstanceDriver::reconfigure(const DriverSetup& setup, const AnnounceSettings& announce) {
  take_setup(setup);
  tracker_ = Tracker(config_->priority);
  track_configured();
  instance_.reconfigure(make_instance_config(*config_, *setup.global, source_));
  announcer_->set_settings(announce);
  addresses_->reconfigure(AddressSet::addresses_of(*config_), config_->virtual_routes,
                          config_->virtual_rules);
}

void InstanceDriver::finish_reconfigure() {
  const std::vector<AddressSet::Vip> added = addresses_->add_new();
  announcer_->update_targets(announce_targets(), announce_targets(added));
}

void InstanceDriver::start() {
  wants_start_ = true;
  apply_tracking();
}

void InstanceDriver::apply_tracking() {
  Tracker::Verdict v = tracker_.verdict();
  if (group_fault_ && !v.fault) {
    v.fault = true;
    if (instance_started_ && !(applied_ && applied_->fault)) {
      log().info("({}) fault: another member of sync group {} is in fault", instance_.name(),
                 config_->sync_group);
    }
  }
  const bool owner = instance_.machine().base_priority() == kPriorityOwner;
  if (!instance_started_) {
    if (!wants_start_) return;
    // keepalived 2.2.7: while a weight-0 script has not reported, the instance stays in INIT
    // (no state, no notify); it starts once every such script has a result.
    if (v.pending && !v.fault) {
      log().debug("({}) waiting for tracked scripts before starting", instance_.name());
      return;
    }
    if (v.fault && !group_fault_) log_fault_reasons();
    if (v.fault) instance_.set_fault(true);  // remembered by INIT: Startup enters FAULT
    fault_applied_ = v.fault;
    if (!owner && v.priority != instance_.machine().effective_priority()) {
      instance_.set_priority(v.priority);
    }
    instance_started_ = true;
    applied_ = v;
    instance_.start();
    return;
  }
  if (applied_ == v) return;
  // A weight-0 script that a reload added has not reported yet: keepalived leaves a running
  // instance as it is until it does ("considered successful on reload" for the others).
  const bool fault = v.fault || (v.pending && fault_applied_);
  if (fault != fault_applied_) {
    if (fault && !group_fault_) log_fault_reasons();
    instance_.set_fault(fault);
    fault_applied_ = fault;
  }
  if (!owner && v.priority != instance_.machine().effective_priority()) {
    instance_.set_priority(v.priority);
  }
  applied_ = v;
}

void InstanceDriver::log_fault_reasons() const {
  std::string why;
  for (const auto& r : tracker_.fault_reasons()) why += (why.empty() ? "" : ", ") + r;
  log().info("({}) fault: {}", instance_.name(), why.empty() ? std::string("tracking") : why);
}

void InstanceDriver::receive_ipv4(const Ipv4Packet& packet, int ifindex,
                                  std::optional<core::TimePoint> received_at) {
  Datagram d;
  d.ip = packet.envelope();
  d.ttl = packet.ttl;
  d.ifindex = ifindex;
  d.message = packet.message;
  d.received_at = received_at;
  if (packet.ah) {
    // keepalived vrrp_in_chk_ipsecah: ICV, SPI = source, then the anti-replay sequence.
    const AhVerdict verdict = ah_key_ ? check_ah(packet, *ah_key_, unicast_, ah_sequence_,
                                                 instance_.state() == State::kBackup)
                                      : AhVerdict::kIcv;
    if (verdict != AhVerdict::kOk) {
      log().debug("({}) dropped AH advert from {}: {}", instance_.name(), packet.source.to_string(),
                  ah_verdict_name(verdict));
      instance_.count_drop(DropReason::kAuthFailure);
      return;
    }
    last_ah_sequence_ = packet.ah->sequence;
    d.via_ah = true;
  }
  instance_.receive(d);
}

void InstanceDriver::receive_ipv6(const ReceivedPacket& packet) {
  Datagram d;
  d.ip = {packet.source, packet.destination};
  d.ttl = packet.hop_limit;
  d.ifindex = packet.ifindex;
  d.message = packet.bytes;
  d.received_at = packet.received_at;
  instance_.receive(d);
}

void InstanceDriver::send_advert(const Advert& advert) {
  if (socket_ == nullptr) return;
  Advert a = advert;
  std::optional<AhSendParams> ah;
  if (ah_key_) {
    a.auth_type = AuthType::kIpAh;
    a.auth_data = {};
    ah = AhSendParams{*ah_key_, ah_sequence_.next_for_send(), unicast_};
  }
  const std::uint16_t id = ip_id_.next();  // keepalived: one IP ID per advert, not per peer
  for (const auto& dst : destinations_) {
    const IpEnvelope envelope{source_, dst};
    const std::vector<std::uint8_t> message = encode(a, envelope);
    std::error_code ec;
    if (source_.is_v4()) {
      Ipv4SendParams p;
      p.source = source_.to_v4();
      p.destination = dst.to_v4();
      p.id = id;
      p.ttl = unicast_ ? ttl_ : kVrrpTtl;
      p.ah = ah;
      ec = socket_->send(build_ipv4_packet(message, p), source_, dst, p.ttl);
    } else {
      ec = socket_->send(message, source_, dst, unicast_ ? ttl_ : kVrrpTtl);
    }
    if (ec) {
      ++send_errors_;
      log().debug("({}) advert to {} failed: {}", instance_.name(), dst.to_string(), ec.message());
    }
  }
}

void InstanceDriver::install_addresses() {
  if (const auto ec = addresses_->install()) {
    log().warn("({}) could not install every virtual address: {}", instance_.name(), ec.message());
  }
}

void InstanceDriver::remove_addresses() {
  if (keep_addresses_) return;
  if (const auto ec = addresses_->remove()) {
    log().warn("({}) could not remove every virtual address: {}", instance_.name(), ec.message());
  }
}

std::vector<AnnounceTarget> InstanceDriver::announce_targets() const {
  return announce_targets(addresses_->vips());
}

std::vector<AnnounceTarget> InstanceDriver::announce_targets(
    const std::vector<AddressSet::Vip>& vips) const {
  std::vector<AnnounceTarget> targets;
  for (const auto& vip : vips) {
    const Interface* itf = interfaces_.find(vip.dev);
    if (itf == nullptr) continue;
    AnnounceTarget t;
    t.address = vip.address;
    t.ifindex = itf->index;
    if (auto mac = itf->mac()) t.mac = *mac;
    if (vip.address.is_v6()) t.ipv6_router = ipv6_forwarding_enabled(vip.dev);
    // garp_extra_if all: interfaces the adverts do not leave from (see announce.h).
    t.extra_if = config_->garp_extra_if_all && t.ifindex != ifindex_;
    targets.push_back(t);
  }
  return targets;
}

void InstanceDriver::start_announcements() { announcer_->start(announce_targets()); }

void InstanceDriver::stop_announcements() { announcer_->stop(); }

void InstanceDriver::lower_priority_advert(const core::IpAddress&, std::uint8_t) {
  announcer_->lower_priority_advert();
  // keepalived vrrp_state_master_rx: resynchronise the AH counter above the lower router's.
  if (ah_key_ && last_ah_sequence_) ah_sequence_.sync_from_lower_priority(*last_ah_sequence_);
}

void InstanceDriver::state_changed(State from, State to) {
  if (to == State::kMaster && ah_key_) ah_sequence_.on_become_master();
  if (listener_) listener_(instance_, from, to);
}

bool InstanceDriver::may_take_over() { return !sync_.may_take_over || sync_.may_take_over(); }

void InstanceDriver::catch_up() {
  if (socket_ != nullptr) socket_->drain();
}

void InstanceDriver::master_heard() {
  if (sync_.master_heard) sync_.master_heard();
}

}  // namespace vigil::vrrp
