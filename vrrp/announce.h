#pragma once

// Takeover announcements: when an instance becomes master it tells the segment that its VIPs
// now live at its MAC, with gratuitous ARPs (IPv4) and unsolicited Neighbour Advertisements
// (IPv6), on keepalived 2.2.7's schedule (vrrp.c vrrp_send_link_update, vrrp_scheduler.c):
//
// - at takeover: `garp_master_repeat` rounds, each round one frame per address in order
//   (VIPs, then excluded VIPs), so with two VIPs: A B A B A B ...
// - a second, identical burst `garp_master_delay` later (0: none);
// - every `garp_master_refresh` (0: off) a burst of `garp_master_refresh_repeat` rounds;
// - as master, on a lower-priority advert: `garp_lower_prio_repeat` rounds at once and again
//   `garp_lower_prio_delay` later (keepalived vrrp_state_master_rx).
// - every `garp_extra_if` seconds (0: off) one round for the addresses on "extra" interfaces:
//   those no advert leaves from, so that nothing else keeps the switches' MAC tables fresh there.
//   keepalived 2.2.7, observed on the lab: with `all`, every VIP/eVIP interface other than the
//   one the adverts are sent on (a `dev` elsewhere, or the VMAC under vmac_xmit_base), the first
//   round one interval after the takeover; without `all`, only VMACs created for single
//   addresses, which vigil does not make (per-address use_vmac is ignored), so nothing.
// - Leaving master cancels every pending burst and drops frames still queued.
//
// Spacing: `vrrp_garp_interval` between two ARPs and `vrrp_gna_interval` between two NAs on the
// same interface, across all instances (keepalived keeps garp_next_time per base interface;
// `garp_group` sets them per interface). Frames that may not go yet wait in a FIFO. Deliberate
// difference: keepalived keeps a single "pending" flag per address, so with an interval set
// its 5-round burst collapses to about one extra frame per address; vigil sends every round
// the configuration asks for, spaced as documented in keepalived.conf(5).
//
// Time goes through core::Clock (SimulatedClock in tests) and frames through FrameSender (a
// fake in tests, announce_socket.h's AF_PACKET sender in the daemon).

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/ip_address.h"
#include "vrrp/announce_frames.h"

namespace vigil::config {
struct GlobalDefs;
struct VrrpInstance;
}  // namespace vigil::config

namespace vigil::vrrp {

// Sends one complete Ethernet frame on an interface.
class FrameSender {
 public:
  virtual ~FrameSender() = default;
  virtual std::error_code send(int ifindex, std::span<const std::uint8_t> frame) = 0;
};

struct AnnounceSettings {
  std::uint32_t repeat = 5;                        // garp_master_repeat
  core::Duration delay = std::chrono::seconds(5);  // garp_master_delay; 0: no second burst
  core::Duration refresh{0};                       // garp_master_refresh; 0: off
  std::uint32_t refresh_repeat = 1;                // garp_master_refresh_repeat
  std::uint32_t lower_prio_repeat = 5;             // garp_lower_prio_repeat; 0: off
  core::Duration lower_prio_delay = std::chrono::seconds(5);  // garp_lower_prio_delay
  core::Duration extra_if{0};  // garp_extra_if; 0: off (the targets say which are extra)
};
// The instance's effective values (finalize fills them; global_defs for any left unset).
AnnounceSettings announce_settings(const config::VrrpInstance& instance,
                                   const config::GlobalDefs& global);

// One address to announce and where: the VIP's interface (its `dev`, the VMAC, or the
// instance's interface) and the source MAC (the VMAC's for use_vmac).
struct AnnounceTarget {
  core::IpAddress address;
  int ifindex = 0;
  MacAddress mac{};
  bool ipv6_router = false;  // NA Router flag: IPv6 forwarding on that interface
  bool extra_if = false;     // announced again every garp_extra_if
};

struct PacingIntervals {
  core::Duration garp{0};  // vrrp_garp_interval
  core::Duration gna{0};   // vrrp_gna_interval
};

struct AnnounceStats {
  std::uint64_t arp_sent = 0;
  std::uint64_t na_sent = 0;
  std::uint64_t send_errors = 0;
  std::uint64_t bursts = 0;
  std::uint64_t dropped = 0;  // queued frames discarded by stop()

  bool operator==(const AnnounceStats&) const = default;
};

class Announcer;

// Per-interface spacing shared by every Announcer of the process. With zero intervals (the
// default) frames go out synchronously inside the call that produced them. The pacer (and its
// clock and sender) must outlive its Announcers.
class AnnouncePacer {
 public:
  AnnouncePacer(core::Clock& clock, FrameSender& sender, PacingIntervals defaults = {});
  ~AnnouncePacer();
  AnnouncePacer(const AnnouncePacer&) = delete;
  AnnouncePacer& operator=(const AnnouncePacer&) = delete;

  // garp_group: intervals for one interface. Interfaces given the same non-zero `group` share
  // one spacing (garp_group with `interfaces { }`).
  void set_intervals(int ifindex, PacingIntervals intervals, int group = 0);
  void set_default_intervals(PacingIntervals intervals) { defaults_ = intervals; }

  std::size_t queued() const;
  const AnnounceStats& stats() const { return stats_; }

 private:
  friend class Announcer;
  enum class Kind { kArp, kNa };
  struct Entry;
  struct Lane;
  using LaneKey = std::pair<int, Kind>;  // (ifindex or -group, kind)

  void submit(Announcer* owner, int ifindex, Kind kind, std::span<const std::uint8_t> frame);
  std::size_t cancel(Announcer* owner);
  Lane& lane_for(int ifindex, Kind kind);
  core::Duration interval_for(int ifindex, Kind kind) const;
  void transmit(Announcer* owner, int ifindex, Kind kind, std::span<const std::uint8_t> frame);
  void drain(Lane& lane);

  core::Clock& clock_;
  FrameSender& sender_;
  PacingIntervals defaults_;
  std::map<int, std::pair<PacingIntervals, int>> per_interface_;
  std::map<LaneKey, std::unique_ptr<Lane>> lanes_;
  AnnounceStats stats_;
};

// One instance's announcements.
class Announcer {
 public:
  Announcer(core::Clock& clock, AnnouncePacer& pacer, AnnounceSettings settings,
            std::string instance_name);
  ~Announcer();
  Announcer(const Announcer&) = delete;
  Announcer& operator=(const Announcer&) = delete;

  // Became master and the VIPs are installed: first burst now, then the delayed and periodic
  // ones. Restarts the schedule if already started. Frames are built here, once.
  void start(const std::vector<AnnounceTarget>& targets);
  // Master received a lower-priority advert.
  void lower_priority_advert();
  // Left master (BACKUP, FAULT, shutdown): no further frames.
  void stop();
  bool active() const { return active_; }

  // Reload: applies to bursts scheduled from now on; a changed garp_master_refresh restarts the
  // refresh timer.
  void set_settings(const AnnounceSettings& settings);
  // Reload while master: the instance's addresses are now `targets`, of which `added` are new.
  // Only the new ones are announced, with one burst of garp_master_repeat rounds (keepalived
  // re-announces every VIP of the instance, once, without the delayed second burst); later
  // refresh and lower-priority bursts cover the whole new list. Inactive: nothing is sent.
  void update_targets(const std::vector<AnnounceTarget>& targets,
                      const std::vector<AnnounceTarget>& added);
  const AnnounceSettings& settings() const { return settings_; }
  const AnnounceStats& stats() const { return stats_; }

 private:
  friend class AnnouncePacer;
  struct Frame {
    int ifindex = 0;
    AnnouncePacer::Kind kind = AnnouncePacer::Kind::kArp;
    std::vector<std::uint8_t> bytes;
    bool extra_if = false;
  };

  static std::vector<Frame> frames_for(const std::vector<AnnounceTarget>& targets);
  void burst(std::uint32_t rounds);
  void send_rounds(const std::vector<Frame>& frames, std::uint32_t rounds);
  void arm_extra_if();
  void record(AnnouncePacer::Kind kind, const std::error_code& result);
  void arm_refresh();

  AnnouncePacer& pacer_;
  AnnounceSettings settings_;
  std::string name_;
  bool active_ = false;
  std::vector<Frame> frames_;
  std::unique_ptr<core::Timer> second_burst_;
  std::unique_ptr<core::Timer> refresh_;
  std::unique_ptr<core::Timer> lower_prio_;
  std::unique_ptr<core::Timer> extra_if_;
  AnnounceStats stats_;
};

}  // namespace vigil::vrrp
