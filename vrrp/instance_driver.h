#pragma once

// The real InstanceHooks of one vrrp_instance: adverts go out on the shared raw socket (IPv4
// with the IP header and, for AH, the IPsec AH header built here; IPv6 as the bare message), to
// the multicast group or to each unicast peer; addresses through netlink (AddressSet);
// announcements through the process-wide AnnouncePacer; tracking verdicts from Tracker become
// fault / priority events of the instance. Owned by the Engine.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ip_address.h"
#include "parser/config/global.h"
#include "parser/config/vrrp_instance.h"
#include "vrrp/addresses.h"
#include "vrrp/announce.h"
#include "vrrp/auth_ah.h"
#include "vrrp/instance.h"
#include "vrrp/interfaces.h"
#include "vrrp/ipv4_packet.h"
#include "vrrp/raw_socket.h"
#include "vrrp/tracking.h"

namespace vigil::vrrp {

struct DriverSetup {
  const config::VrrpInstance* config = nullptr;
  const config::GlobalDefs* global = nullptr;
  // The interface adverts are sent and received on: the instance's, its VMAC, or with
  // vmac_xmit_base the VMAC's base (0: unicast without interface).
  int ifindex = 0;
  core::IpAddress source;                     // adverts' source address
  std::vector<core::IpAddress> destinations;  // the group, or every unicast peer
  std::uint8_t ttl = 255;                     // unicast_ttl for unicast peers
  RawSocket* socket = nullptr;
};

class InstanceDriver final : public InstanceHooks {
 public:
  using StateListener = std::function<void(const Instance&, State from, State to)>;
  // vrrp_sync_group membership: the engine answers the instance's group questions.
  struct SyncLink {
    std::function<bool()> may_take_over;
    std::function<void()> master_heard;
  };

  InstanceDriver(const DriverSetup& setup, core::Clock& clock, InterfaceTable& interfaces,
                 std::unique_ptr<AddressSet> addresses, std::unique_ptr<Announcer> announcer,
                 StateListener listener);

  // The configuration this instance runs with (the latest reload's).
  const config::VrrpInstance& config() const { return *config_; }
  Instance& instance() { return instance_; }
  const Instance& instance() const { return instance_; }
  Tracker& tracker() { return tracker_; }
  const Tracker& tracker() const { return tracker_; }
  AddressSet& addresses() { return *addresses_; }
  const Announcer& announcer() const { return *announcer_; }
  RawSocket* socket() const { return socket_; }
  std::uint64_t send_errors() const { return send_errors_; }

  // A received IPv4 packet for this instance's VRID (AH verified here) or an IPv6 message.
  void receive_ipv4(const Ipv4Packet& packet, int ifindex,
                    std::optional<core::TimePoint> received_at = std::nullopt);
  void receive_ipv6(const ReceivedPacket& packet);
  // keepalived -V: leave the addresses in place when the instance stops.
  void set_keep_addresses(bool keep) { keep_addresses_ = keep; }
  // Starts the instance once tracking allows (keepalived holds an instance in INIT until its
  // weight-0 scripts have reported).
  void start();
  // Re-evaluates the tracker and feeds a changed verdict to the instance.
  void apply_tracking();
  // SIGHUP reload with the new configuration of this instance (same identity, see
  // reload_plan.h); the state is kept. Takes the new settings, rebuilds the tracker from the
  // new track_* lists (the engine then feeds it the current statuses and its sync group's
  // tracking) and removes, if master, the addresses no longer configured. finish_reconfigure()
  // then adds the new ones and announces only those; apply_tracking() applies the new verdict.
  void reconfigure(const DriverSetup& setup, const AnnounceSettings& announce);
  void finish_reconfigure();
  // vrrp_sync_group: another member is in fault, so this one is too (keepalived moves the whole
  // group to FAULT). Takes effect with the next apply_tracking().
  void set_group_fault(bool fault) { group_fault_ = fault; }
  void set_sync_link(SyncLink link) { sync_ = std::move(link); }
  // This instance's own tracking says FAULT (not counting its group).
  bool own_fault() const { return tracker_.verdict().fault; }

  // InstanceHooks
  void send_advert(const Advert& advert) override;
  void install_addresses() override;
  void remove_addresses() override;
  void start_announcements() override;
  void stop_announcements() override;
  void lower_priority_advert(const core::IpAddress& from, std::uint8_t priority) override;
  void state_changed(State from, State to) override;
  bool may_take_over() override;
  void master_heard() override;
  void catch_up() override;

 private:
  std::vector<AnnounceTarget> announce_targets() const;
  std::vector<AnnounceTarget> announce_targets(const std::vector<AddressSet::Vip>& vips) const;
  void log_fault_reasons() const;
  void take_setup(const DriverSetup& setup);
  void track_configured();

  const config::VrrpInstance* config_;
  InterfaceTable& interfaces_;
  int ifindex_;
  core::IpAddress source_;
  std::vector<core::IpAddress> destinations_;
  std::uint8_t ttl_;
  bool unicast_;
  RawSocket* socket_;
  std::unique_ptr<AddressSet> addresses_;
  std::unique_ptr<Announcer> announcer_;
  StateListener listener_;
  SyncLink sync_;
  Tracker tracker_;
  std::optional<Tracker::Verdict> applied_;
  bool fault_applied_ = false;  // the fault last fed to the instance
  std::optional<AhKey> ah_key_;
  AhSequence ah_sequence_;
  std::optional<std::uint32_t> last_ah_sequence_;
  Ipv4IdSequence ip_id_;
  std::uint64_t send_errors_ = 0;
  bool keep_addresses_ = false;
  bool wants_start_ = false;
  bool group_fault_ = false;
  bool instance_started_ = false;
  Instance instance_;  // last: its hooks (this) are complete before it exists
};

}  // namespace vigil::vrrp
