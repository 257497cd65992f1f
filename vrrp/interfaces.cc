#include "vrrp/interfaces.h"

#include <linux/if.h>

#include <algorithm>
#include <utility>

#include "core/logging.h"

namespace vigil::vrrp {

namespace {

bool is_link_local_v6(const core::IpAddress& a) { return a.is_v6() && a.to_v6().is_link_local(); }

bool same_address(const core::AddressInfo& x, const core::AddressInfo& y) {
  // The kernel identifies an address by interface, local address, prefix length and peer.
  return x.index == y.index && x.local == y.local && x.peer == y.peer;
}

}  // namespace

bool Interface::admin_up() const { return (flags & IFF_UP) != 0; }
bool Interface::running() const { return (flags & IFF_RUNNING) != 0; }

std::optional<core::MacAddress> Interface::mac() const {
  if (hw_address.size() != 6) return std::nullopt;
  core::MacAddress m;
  std::copy(hw_address.begin(), hw_address.end(), m.begin());
  return m;
}

bool Interface::has_address(const core::IpAddress& a) const {
  return std::any_of(addresses.begin(), addresses.end(),
                     [&a](const core::AddressInfo& x) { return x.local.address == a; });
}

// ---------------------------------------------------------------------------------------------

InterfaceTable::Subscription::Subscription(Subscription&& other) noexcept
    : table_(std::exchange(other.table_, nullptr)), id_(std::exchange(other.id_, 0)) {}

InterfaceTable::Subscription& InterfaceTable::Subscription::operator=(
    Subscription&& other) noexcept {
  if (this != &other) {
    reset();
    table_ = std::exchange(other.table_, nullptr);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void InterfaceTable::Subscription::reset() {
  if (table_ != nullptr) table_->unsubscribe(id_);
  table_ = nullptr;
  id_ = 0;
}

InterfaceTable::InterfaceTable(boost::asio::io_context& io, core::NetlinkSocket& nl)
    : io_(io), nl_(nl) {}

InterfaceTable::~InterfaceTable() { stop(); }

std::error_code InterfaceTable::start() {
  monitor_ = std::make_unique<core::NetlinkMonitor>(io_);
  core::NetlinkMonitor::Handlers handlers;
  handlers.link = [this](const core::LinkEvent& ev) { apply(ev); };
  handlers.address = [this](const core::AddressEvent& ev) { apply(ev); };
  handlers.overrun = [this] {
    // Notifications were lost: only a full re-read tells what changed meanwhile.
    if (auto ec = resync()) {
      core::logger("vrrp")->error("re-reading interfaces after a netlink overrun failed: {}",
                                  ec.message());
    }
  };
  if (auto ec = monitor_->start(std::move(handlers))) {
    monitor_.reset();
    return ec;
  }
  return resync();
}

void InterfaceTable::stop() {
  if (monitor_) {
    monitor_->stop();
    monitor_.reset();
  }
}

std::error_code InterfaceTable::resync() {
  ++stats_.resyncs;
  std::vector<core::LinkInfo> links;
  std::vector<core::AddressInfo> addresses;
  std::error_code ec = nl_.dump_links(links);
  if (!ec) ec = nl_.dump_addresses(addresses);
  if (ec) {
    ++stats_.resync_failures;
    return ec;
  }
  replace_all(std::move(links), std::move(addresses));
  return {};
}

void InterfaceTable::replace_all(std::vector<core::LinkInfo> links,
                                 std::vector<core::AddressInfo> addresses) {
  // Links that are gone.
  std::vector<int> gone;
  for (const auto& [index, itf] : links_) {
    if (std::none_of(links.begin(), links.end(),
                     [index = index](const core::LinkInfo& l) { return l.index == index; })) {
      gone.push_back(index);
    }
  }
  for (int index : gone) {
    auto it = links_.find(index);
    if (it == links_.end()) continue;
    core::LinkEvent ev;
    ev.removed = true;
    ev.link.index = index;
    ev.link.name = it->second.name;
    apply(ev);
  }
  // New and changed links.
  for (auto& l : links) apply(core::LinkEvent{false, std::move(l)});
  // Addresses that are gone, then new ones, in the dump's order.
  std::vector<core::AddressInfo> removed;
  for (const auto& [index, itf] : links_) {
    for (const auto& a : itf.addresses) {
      if (std::none_of(addresses.begin(), addresses.end(),
                       [&a](const core::AddressInfo& x) { return same_address(a, x); })) {
        removed.push_back(a);
      }
    }
  }
  for (auto& a : removed) apply(core::AddressEvent{true, std::move(a)});
  for (auto& a : addresses) apply(core::AddressEvent{false, std::move(a)});
}

std::error_code InterfaceTable::refresh(std::string_view name) {
  core::LinkInfo link;
  if (auto ec = nl_.get_link(name, link)) return ec;
  apply(core::LinkEvent{false, std::move(link)});
  return {};
}

const Interface* InterfaceTable::find(std::string_view name) const {
  for (const auto& [index, itf] : links_) {
    if (itf.name == name) return &itf;
  }
  return nullptr;
}

const Interface* InterfaceTable::find(int index) const {
  auto it = links_.find(index);
  return it == links_.end() ? nullptr : &it->second;
}

std::optional<core::IpAddress> InterfaceTable::primary_ipv4(int index) const {
  const Interface* itf = find(index);
  if (itf == nullptr) return std::nullopt;
  for (const auto& a : itf->addresses) {
    if (a.local.address.is_v4() && !is_managed(a.local.address)) return a.local.address;
  }
  return std::nullopt;
}

std::optional<core::IpAddress> InterfaceTable::link_local_ipv6(int index) const {
  const Interface* itf = find(index);
  if (itf == nullptr) return std::nullopt;
  for (const auto& a : itf->addresses) {
    if (is_link_local_v6(a.local.address) && !is_managed(a.local.address)) {
      return a.local.address;
    }
  }
  return std::nullopt;
}

void InterfaceTable::add_managed(const core::IpAddress& a) { managed_.insert(a); }

void InterfaceTable::remove_managed(const core::IpAddress& a) {
  if (auto it = managed_.find(a); it != managed_.end()) managed_.erase(it);
}

bool InterfaceTable::is_managed(const core::IpAddress& a) const { return managed_.count(a) != 0; }

InterfaceTable::Subscription InterfaceTable::on_link(LinkHandler handler) {
  std::uint64_t id = next_id_++;
  link_handlers_.emplace(id, std::move(handler));
  return Subscription(this, id);
}

InterfaceTable::Subscription InterfaceTable::on_address(AddressHandler handler) {
  std::uint64_t id = next_id_++;
  address_handlers_.emplace(id, std::move(handler));
  return Subscription(this, id);
}

void InterfaceTable::unsubscribe(std::uint64_t id) {
  link_handlers_.erase(id);
  address_handlers_.erase(id);
}

void InterfaceTable::publish_link(const Interface& itf, const LinkChange& change) {
  // Handlers may subscribe or unsubscribe (even themselves) while being called: walk a snapshot
  // of the ids and call only those still subscribed. `itf` is a copy for the same reason.
  std::vector<std::uint64_t> ids;
  for (const auto& [id, h] : link_handlers_) ids.push_back(id);
  for (auto id : ids) {
    auto it = link_handlers_.find(id);
    if (it == link_handlers_.end()) continue;
    auto handler = it->second;
    handler(itf, change);
  }
}

void InterfaceTable::publish_address(const Interface& itf, const core::AddressInfo& a,
                                     bool removed) {
  std::vector<std::uint64_t> ids;
  for (const auto& [id, h] : address_handlers_) ids.push_back(id);
  for (auto id : ids) {
    auto it = address_handlers_.find(id);
    if (it == address_handlers_.end()) continue;
    auto handler = it->second;
    handler(itf, a, removed);
  }
}

void InterfaceTable::apply(const core::LinkEvent& event) {
  ++stats_.link_events;
  const core::LinkInfo& l = event.link;
  LinkChange change;
  auto it = links_.find(l.index);
  if (event.removed) {
    remember_deleted(l.index);
    if (it == links_.end()) return;
    Interface gone = std::move(it->second);
    links_.erase(it);
    change.removed = true;
    core::logger("vrrp")->debug("interface {} (index {}) removed", gone.name, gone.index);
    // The kernel drops the addresses with the link, without RTM_DELADDR for each of them.
    publish_link(gone, change);
    return;
  }
  // A late notification about a link already known to be deleted (the table can be ahead of the
  // monitor after refresh()): ifindexes are not reused, so it is stale.
  if (std::find(deleted_.begin(), deleted_.end(), l.index) != deleted_.end()) return;
  // Names are unique in a namespace: another index with this name was deleted and its
  // notification is still on its way (a VMAC deleted and created again, then refresh()).
  for (auto other = links_.begin(); other != links_.end(); ++other) {
    if (other->first != l.index && other->second.name == l.name) {
      core::LinkEvent gone;
      gone.removed = true;
      gone.link.index = other->first;
      gone.link.name = l.name;
      apply(gone);
      break;
    }
  }
  it = links_.find(l.index);
  if (it == links_.end()) {
    Interface itf;
    itf.index = l.index;
    it = links_.emplace(l.index, std::move(itf)).first;
    change.added = true;
  } else {
    const Interface& old = it->second;
    change.admin_changed = ((old.flags ^ l.flags) & IFF_UP) != 0;
    change.running_changed = ((old.flags ^ l.flags) & IFF_RUNNING) != 0;
    change.renamed = old.name != l.name;
    change.mac_changed = old.hw_address != l.hw_address;
  }
  Interface& itf = it->second;
  itf.name = l.name;
  itf.flags = l.flags;
  itf.hw_address = l.hw_address;
  itf.parent = l.parent;
  // A change notification may leave out IFLA_LINKINFO; keep what the dump said then.
  if (!l.kind.empty() || change.added) {
    itf.kind = l.kind;
    itf.macvlan_mode = l.macvlan_mode;
  }
  if (!change.any()) return;
  if (change.up_changed()) {
    core::logger("vrrp")->debug(
        "interface {} is {}{}", itf.name, itf.admin_up() ? "up" : "admin down",
        itf.admin_up() ? (itf.running() ? ", running" : ", not running") : "");
  }
  Interface copy = itf;
  publish_link(copy, change);
}

void InterfaceTable::remember_deleted(int index) {
  if (std::find(deleted_.begin(), deleted_.end(), index) != deleted_.end()) return;
  deleted_.push_back(index);
  if (deleted_.size() > kDeletedMemory) deleted_.pop_front();
}

void InterfaceTable::apply(const core::AddressEvent& event) {
  ++stats_.address_events;
  const core::AddressInfo& a = event.address;
  auto it = links_.find(a.index);
  if (it == links_.end()) return;  // an address of a link we have not seen (yet)
  Interface& itf = it->second;
  auto pos = std::find_if(itf.addresses.begin(), itf.addresses.end(),
                          [&a](const core::AddressInfo& x) { return same_address(a, x); });
  if (event.removed) {
    if (pos == itf.addresses.end()) return;
    core::AddressInfo gone = *pos;
    itf.addresses.erase(pos);
    Interface copy = itf;
    publish_address(copy, gone, true);
    return;
  }
  if (pos != itf.addresses.end()) {
    *pos = a;  // flags, scope or lifetimes changed: not news for subscribers
    return;
  }
  itf.addresses.push_back(a);
  Interface copy = itf;
  publish_address(copy, a, false);
}

}  // namespace vigil::vrrp
