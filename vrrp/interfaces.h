#pragma once

// The interface table: every link of the namespace with its state and addresses, read with a
// dump at start and kept current by the netlink monitor (keepalived's if_queue, kept up to date
// by netlink_if_link_filter / netlink_if_address_filter in keepalived_netlink.c).
//
// It answers what VRRP needs to know about interfaces: name <-> ifindex, admin up (IFF_UP) and
// running (IFF_RUNNING: carrier and not dormant) for track_interface and FAULT, the MAC address,
// the primary IPv4 address (keepalived: the first IPv4 address of the interface that is not a
// VIP; it is the source of adverts and breaks priority ties, RFC 5798 6.4.3) and the IPv6
// link-local address (the source of IPv6 adverts, RFC 5798 5.1.2.1). Changes are published to
// subscribers on the loop thread.
//
// apply() is public so that tests can drive the table with events and no kernel.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/ip_address.h"
#include "core/netlink.h"

namespace vigil::vrrp {

struct Interface {
  int index = 0;
  std::string name;
  unsigned flags = 0;  // IFF_*
  std::vector<std::uint8_t> hw_address;
  int parent = 0;    // IFLA_LINK (the base interface of a macvlan)
  std::string kind;  // "macvlan", "veth", "bridge", "" ...
  std::uint32_t macvlan_mode = 0;
  std::vector<core::AddressInfo> addresses;  // in the kernel's order (primaries first)

  bool admin_up() const;                               // IFF_UP
  bool running() const;                                // IFF_RUNNING
  bool up() const { return admin_up() && running(); }  // what track_interface wants
  std::optional<core::MacAddress> mac() const;
  bool has_address(const core::IpAddress& a) const;
};

// What changed in one link notification.
struct LinkChange {
  bool added = false;
  bool removed = false;
  bool admin_changed = false;    // IFF_UP flipped
  bool running_changed = false;  // IFF_RUNNING flipped
  bool renamed = false;
  bool mac_changed = false;

  bool up_changed() const { return admin_changed || running_changed; }
  bool any() const {
    return added || removed || admin_changed || running_changed || renamed || mac_changed;
  }
};

class InterfaceTable {
 public:
  using LinkHandler = std::function<void(const Interface&, const LinkChange&)>;
  // `removed` false: the address was added. Updates of an existing address are not published.
  using AddressHandler =
      std::function<void(const Interface&, const core::AddressInfo&, bool removed)>;

  // Unsubscribes when destroyed (or reset). Movable; must not outlive its table.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept;
    Subscription& operator=(Subscription&& other) noexcept;
    ~Subscription() { reset(); }
    void reset();

   private:
    friend class InterfaceTable;
    Subscription(InterfaceTable* table, std::uint64_t id) : table_(table), id_(id) {}
    InterfaceTable* table_ = nullptr;
    std::uint64_t id_ = 0;
  };

  struct Stats {
    std::uint64_t link_events = 0;
    std::uint64_t address_events = 0;
    std::uint64_t resyncs = 0;
    std::uint64_t resync_failures = 0;
  };

  // `nl` serves the dumps; it must outlive the table.
  InterfaceTable(boost::asio::io_context& io, core::NetlinkSocket& nl);
  ~InterfaceTable();
  InterfaceTable(const InterfaceTable&) = delete;
  InterfaceTable& operator=(const InterfaceTable&) = delete;

  // Starts the monitor, then dumps links and addresses (in that order, so no change can fall
  // between the dump and the first notification). Start-up only; errors are returned.
  std::error_code start();
  void stop();
  // Re-reads everything and publishes the differences (after a monitor overrun; also usable
  // after vigil changed something and wants the table current before the notification).
  std::error_code resync();
  // Reads one link now (e.g. a VMAC just created) and publishes the difference.
  std::error_code refresh(std::string_view name);

  const Interface* find(std::string_view name) const;
  const Interface* find(int index) const;
  const std::map<int, Interface>& all() const { return links_; }

  // keepalived's choice of the interface's own addresses: the first IPv4 address, and the first
  // IPv6 link-local (fe80::/10) address, that is not a managed (virtual) address.
  std::optional<core::IpAddress> primary_ipv4(int index) const;
  std::optional<core::IpAddress> link_local_ipv6(int index) const;

  // Virtual addresses are never taken as an interface's own address. AddressSet registers its
  // VIPs here; counted, so two instances may register the same address.
  void add_managed(const core::IpAddress& a);
  void remove_managed(const core::IpAddress& a);
  bool is_managed(const core::IpAddress& a) const;

  [[nodiscard]] Subscription on_link(LinkHandler handler);
  [[nodiscard]] Subscription on_address(AddressHandler handler);

  // Applies one event and publishes what changed. Public for tests.
  void apply(const core::LinkEvent& event);
  void apply(const core::AddressEvent& event);

  const Stats& stats() const { return stats_; }

 private:
  void unsubscribe(std::uint64_t id);
  void publish_link(const Interface& itf, const LinkChange& change);
  void publish_address(const Interface& itf, const core::AddressInfo& a, bool removed);
  void replace_all(std::vector<core::LinkInfo> links, std::vector<core::AddressInfo> addresses);
  void remember_deleted(int index);

  static constexpr std::size_t kDeletedMemory = 256;

  boost::asio::io_context& io_;
  core::NetlinkSocket& nl_;
  std::unique_ptr<core::NetlinkMonitor> monitor_;
  std::map<int, Interface> links_;
  std::multiset<core::IpAddress> managed_;
  std::deque<int> deleted_;  // recently deleted ifindexes
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, LinkHandler> link_handlers_;
  std::map<std::uint64_t, AddressHandler> address_handlers_;
  Stats stats_;
};

}  // namespace vigil::vrrp
