#include "vrrp/vmac.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "core/logging.h"
#include "parser/config/vrrp_addresses.h"
#include "vrrp/addresses.h"

namespace vigil::vrrp {

namespace {

std::string conf_path(const std::string& itf, const char* what) {
  return "net/ipv4/conf/" + itf + "/" + what;
}

// RFC 4291 2.5.1 / appendix A: the modified EUI-64 link-local address of a MAC.
core::IpAddress eui64_link_local(const core::MacAddress& mac) {
  boost::asio::ip::address_v6::bytes_type b{};
  b[0] = 0xfe;
  b[1] = 0x80;
  b[8] = static_cast<unsigned char>(mac[0] ^ 0x02);
  b[9] = mac[1];
  b[10] = mac[2];
  b[11] = 0xff;
  b[12] = 0xfe;
  b[13] = mac[3];
  b[14] = mac[4];
  b[15] = mac[5];
  return boost::asio::ip::address_v6(b);
}

}  // namespace

std::string default_vmac_name(std::uint8_t vrid, std::string_view prefix) {
  return std::string(prefix) + std::to_string(vrid);
}

core::MacAddress virtual_router_mac(core::Family family, std::uint8_t vrid) {
  return {0x00,
          0x00,
          0x5e,
          0x00,
          static_cast<std::uint8_t>(family == core::Family::kIPv4 ? 0x01 : 0x02),
          vrid};
}

std::optional<core::MacAddress> parse_mac(std::string_view text) {
  core::MacAddress mac{};
  if (text.size() != 17) return std::nullopt;
  for (std::size_t i = 0; i < 6; ++i) {
    const char* p = text.data() + i * 3;
    if (i > 0 && p[-1] != ':' && p[-1] != '-') return std::nullopt;
    unsigned v = 0;
    auto [end, ec] = std::from_chars(p, p + 2, v, 16);
    if (ec != std::errc() || end != p + 2) return std::nullopt;
    mac[i] = static_cast<std::uint8_t>(v);
  }
  return mac;
}

core::NlMsgPtr build_macvlan_message(const std::string& name, int base_index,
                                     const core::MacAddress& mac) {
  core::NlMsgPtr msg(nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL));
  if (!msg) return nullptr;
  nl_msg* m = msg.get();
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  if (nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) return nullptr;
  bool ok = nla_put_string(m, IFLA_IFNAME, name.c_str()) == 0 &&
            nla_put_u32(m, IFLA_LINK, static_cast<std::uint32_t>(base_index)) == 0 &&
            nla_put(m, IFLA_ADDRESS, static_cast<int>(mac.size()), mac.data()) == 0;
  nlattr* info = ok ? nla_nest_start(m, IFLA_LINKINFO) : nullptr;
  ok = ok && info != nullptr && nla_put_string(m, IFLA_INFO_KIND, "macvlan") == 0;
  nlattr* data = ok ? nla_nest_start(m, IFLA_INFO_DATA) : nullptr;
  // keepalived: private mode, so the VMAC receives only frames for its own MAC.
  ok = ok && data != nullptr && nla_put_u32(m, IFLA_MACVLAN_MODE, MACVLAN_MODE_PRIVATE) == 0;
  if (!ok) return nullptr;
  nla_nest_end(m, data);
  nla_nest_end(m, info);
  return msg;
}

// ---------------------------------------------------------------------------------------------
// SysctlRestorer

std::optional<int> SysctlRestorer::read(const std::string& path) {
  int fd = ::open(("/proc/sys/" + path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[32];
  ssize_t n = ::read(fd, buf, sizeof(buf) - 1);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  int v = 0;
  auto [p, ec] = std::from_chars(buf, buf + n, v);
  if (ec != std::errc()) return std::nullopt;
  return v;
}

std::error_code SysctlRestorer::write(const std::string& path, int value) {
  int fd = ::open(("/proc/sys/" + path).c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return {errno, std::system_category()};
  std::string text = std::to_string(value) + "\n";
  ssize_t n = ::write(fd, text.data(), text.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) return {n < 0 ? err : EIO, std::system_category()};
  return {};
}

std::error_code SysctlRestorer::set(const std::string& path, int value, const std::string& anchor) {
  auto it = saved_.find(path);
  if (it == saved_.end()) {
    auto current = read(path);
    if (!current) return std::make_error_code(std::errc::no_such_file_or_directory);
    it = saved_.emplace(path, Saved{*current, value, 0, anchor}).first;
  }
  it->second.ours = value;
  if (anchor.empty()) ++it->second.refs;
  if (read(path) == value) return {};
  return write(path, value);
}

void SysctlRestorer::restore(const std::string& path, const Saved& saved) {
  auto current = read(path);
  if (!current) return;  // the interface is gone
  if (*current != saved.ours) {
    core::logger("vrrp")->debug("sysctl {} was changed to {} by someone else; leaving it", path,
                                *current);
    return;
  }
  if (saved.original == saved.ours) return;
  if (auto ec = write(path, saved.original)) {
    core::logger("vrrp")->warn("cannot restore sysctl {} to {}: {}", path, saved.original,
                               ec.message());
  }
}

void SysctlRestorer::release(const std::string& path) {
  auto it = saved_.find(path);
  if (it == saved_.end() || --it->second.refs > 0) return;
  for (auto dep = saved_.begin(); dep != saved_.end();) {
    if (dep->second.anchor == path) {
      restore(dep->first, dep->second);
      dep = saved_.erase(dep);
    } else {
      ++dep;
    }
  }
  it = saved_.find(path);
  if (it == saved_.end()) return;
  if (path.find("/all/rp_filter") != std::string::npos) {
    core::logger("vrrp")->info("resetting sysctl {} to {}", path, it->second.original);
  }
  restore(it->first, it->second);
  saved_.erase(it);
}

void SysctlRestorer::restore_all() {
  // Dependents before their anchors.
  for (const auto& [path, saved] : saved_) {
    if (!saved.anchor.empty()) restore(path, saved);
  }
  for (const auto& [path, saved] : saved_) {
    if (saved.anchor.empty()) restore(path, saved);
  }
  saved_.clear();
}

// ---------------------------------------------------------------------------------------------
// Vmac

Vmac::Vmac(core::NetlinkSocket& nl, InterfaceTable& interfaces, SysctlRestorer& sysctls,
           Options options)
    : nl_(nl), interfaces_(interfaces), sysctls_(sysctls), options_(std::move(options)) {
  mac_ = options_.mac.value_or(virtual_router_mac(options_.family, options_.vrid));
}

Vmac::~Vmac() {
  if (created()) destroy();
}

std::error_code Vmac::create() {
  auto log = core::logger("vrrp");
  if (created()) return {};
  const Interface* base = interfaces_.find(std::string_view(options_.base));
  if (base == nullptr && !interfaces_.refresh(options_.base)) {
    base = interfaces_.find(std::string_view(options_.base));
  }
  if (base == nullptr) {
    log->error("({}) cannot create VMAC {}: interface {} does not exist", options_.instance,
               options_.name, options_.base);
    return std::make_error_code(std::errc::no_such_device);
  }
  const int base_index = base->index;
  // An interface of that name may be left from an earlier run (of vigild or keepalived).
  interfaces_.refresh(options_.name);
  bool reuse = false;
  if (const Interface* old = interfaces_.find(std::string_view(options_.name))) {
    if (old->kind != "macvlan") {
      log->error(
          "({}) cannot create VMAC {}: an interface of that name exists and is not a "
          "macvlan; leaving it alone",
          options_.instance, options_.name);
      return std::make_error_code(std::errc::file_exists);
    }
    if (old->parent == base_index && old->mac() == mac_) {
      reuse = true;
      log->info("({}) reusing VMAC interface {}", options_.instance, options_.name);
    } else {
      log->info("({}) removing old VMAC interface {} due to conflicting interface or MAC",
                options_.instance, options_.name);
      const int old_index = old->index;
      if (auto ec = delete_link(old_index)) return ec;
      core::LinkEvent gone;
      gone.removed = true;
      gone.link.index = old_index;
      gone.link.name = options_.name;
      interfaces_.apply(gone);
    }
  }
  if (!reuse) {
    if (auto ec = create_link(base_index)) return ec;
    log->info("({}) Success creating VMAC interface {}", options_.instance, options_.name);
  }
  if (auto ec = interfaces_.refresh(options_.name)) {
    log->error("({}) VMAC {} vanished after creation: {}", options_.instance, options_.name,
               ec.message());
    return ec;
  }
  index_ = interfaces_.find(std::string_view(options_.name))->index;

  std::error_code first;
  if (options_.family == core::Family::kIPv4) {
    if (auto ec = set_ipv4_parameters()) first = ec;
    // No IPv6 (and no link-local from the shared virtual MAC) unless IPv6 eVIPs need it.
    if (!options_.keep_ipv6) {
      SysctlRestorer::write("net/ipv6/conf/" + options_.name + "/disable_ipv6", 1);
    }
  }
  if (options_.family == core::Family::kIPv6 || options_.keep_ipv6) {
    if (auto ec = prepare_ipv6(base_index); ec && !first) first = ec;
  }
  if (auto ec = set_up(index_)) {
    log->error("({}) cannot bring VMAC {} up: {}", options_.instance, options_.name, ec.message());
    return ec;
  }
  interfaces_.refresh(options_.name);
  return first;
}

std::error_code Vmac::destroy() {
  if (!created()) return {};
  auto log = core::logger("vrrp");
  release_ipv4_parameters();
  std::error_code ec = delete_link(index_);
  core::LinkEvent gone;
  gone.removed = true;
  gone.link.index = index_;
  gone.link.name = options_.name;
  interfaces_.apply(gone);
  index_ = 0;
  if (ec && !core::is_already_absent(ec)) {
    log->error("({}) error removing VMAC interface {}: {}", options_.instance, options_.name,
               ec.message());
    return ec;
  }
  log->info("({}) removed VMAC interface {}", options_.instance, options_.name);
  return {};
}

std::error_code Vmac::create_link(int base_index) {
  auto msg = build_macvlan_message(options_.name, base_index, mac_);
  std::error_code ec =
      msg ? nl_.request(msg.get()) : std::make_error_code(std::errc::not_enough_memory);
  if (ec) {
    core::logger("vrrp")->error("({}) unable to create VMAC interface {}: {}", options_.instance,
                                options_.name, ec.message());
  }
  return ec;
}

std::error_code Vmac::delete_link(int index) {
  core::NlMsgPtr msg(nlmsg_alloc_simple(RTM_DELLINK, 0));
  if (!msg) return std::make_error_code(std::errc::not_enough_memory);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  if (nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
    return std::make_error_code(std::errc::not_enough_memory);
  }
  std::error_code ec = nl_.request(msg.get());
  if (core::is_already_absent(ec)) return {};
  return ec;
}

std::error_code Vmac::set_up(int index) {
  core::NlMsgPtr msg(nlmsg_alloc_simple(RTM_NEWLINK, 0));
  if (!msg) return std::make_error_code(std::errc::not_enough_memory);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index;
  ifi.ifi_flags = IFF_UP;
  ifi.ifi_change = IFF_UP;
  if (nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
    return std::make_error_code(std::errc::not_enough_memory);
  }
  return nl_.request(msg.get());
}

std::error_code Vmac::set_ipv4_parameters() {
  auto log = core::logger("vrrp");
  std::error_code first;
  auto keep = [&first](std::error_code ec) {
    if (ec && !first) first = ec;
  };
  // rp_filter=0 on the VMAC takes effect only if all.rp_filter is 0 (the kernel uses the
  // larger of the two). keepalived's clear_rp_filter(): raise default and every interface to
  // the current `all` value, so that nothing changes for them, then clear `all`.
  const std::string all = conf_path("all", "rp_filter");
  if (sysctls_.holds(all)) {
    keep(sysctls_.set(all, 0));
    held_.push_back(all);
  } else if (auto all_value = SysctlRestorer::read(all); all_value && *all_value > 0) {
    const std::string def = conf_path("default", "rp_filter");
    if (auto v = SysctlRestorer::read(def); v && *v < *all_value) {
      log->info("NOTICE: setting sysctl net.ipv4.conf.default.rp_filter from {} to {}", *v,
                *all_value);
      keep(sysctls_.set(def, *all_value, all));
    }
    for (const auto& [index, itf] : interfaces_.all()) {
      if (index == index_) continue;
      const std::string path = conf_path(itf.name, "rp_filter");
      if (auto v = SysctlRestorer::read(path); v && *v < *all_value) {
        sysctls_.set(path, *all_value, all);
      }
    }
    log->info("NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from {} to 0", *all_value);
    keep(sysctls_.set(all, 0));
    held_.push_back(all);
  }
  // The VMAC itself goes away with its settings; nothing to restore there.
  for (auto [what, value] : {std::pair{"arp_ignore", 1},
                             {"accept_local", 1},
                             {"rp_filter", 0},
                             {"promote_secondaries", 1}}) {
    keep(SysctlRestorer::write(conf_path(options_.name, what), value));
  }
  // The base interface must not answer ARP for the VIPs with its own MAC.
  for (const char* what : {"arp_ignore", "arp_filter"}) {
    const std::string path = conf_path(options_.base, what);
    if (auto ec = sysctls_.set(path, 1)) {
      keep(ec);
    } else {
      held_.push_back(path);
    }
  }
  if (first) {
    log->warn("({}) unable to set kernel parameters for VMAC {}: {}", options_.instance,
              options_.name, first.message());
  }
  return first;
}

void Vmac::release_ipv4_parameters() {
  for (const auto& path : held_) sysctls_.release(path);
  held_.clear();
}

std::error_code Vmac::prepare_ipv6(int base_index) {
  auto log = core::logger("vrrp");
  // RFC 5798 7.4 / keepalived: no automatic link-local address from the virtual MAC (every
  // router of the VRID would have the same one).
  core::NlMsgPtr msg(nlmsg_alloc_simple(RTM_NEWLINK, 0));
  if (!msg) return std::make_error_code(std::errc::not_enough_memory);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = index_;
  bool ok = nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO) == 0;
  nlattr* spec = ok ? nla_nest_start(msg.get(), IFLA_AF_SPEC) : nullptr;
  nlattr* inet6 = spec ? nla_nest_start(msg.get(), AF_INET6) : nullptr;
  ok = inet6 != nullptr &&
       nla_put_u8(msg.get(), IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE) == 0;
  if (!ok) return std::make_error_code(std::errc::not_enough_memory);
  nla_nest_end(msg.get(), inet6);
  nla_nest_end(msg.get(), spec);
  if (auto ec = nl_.request(msg.get())) {
    log->warn("({}) VMAC {}: error setting addr_gen_mode none: {}", options_.instance,
              options_.name, ec.message());
  }
  if (options_.family != core::Family::kIPv6) return {};
  // Adverts leave from a link-local address that is not a VIP: the base interface's, else one
  // made from the base interface's MAC (keepalived does the same).
  std::optional<core::IpAddress> ll = interfaces_.link_local_ipv6(base_index);
  if (!ll) {
    const Interface* base = interfaces_.find(base_index);
    if (base == nullptr || !base->mac()) return std::make_error_code(std::errc::no_such_device);
    ll = eui64_link_local(*base->mac());
  }
  config::VirtualAddress a;
  a.address = core::IpPrefix{*ll, 64};
  auto add = build_address_message(a, index_, true);
  std::error_code ec =
      add ? nl_.request(add.get()) : std::make_error_code(std::errc::not_enough_memory);
  if (ec && !core::is_already_exists(ec)) {
    log->warn("({}) adding link-local address {} to VMAC {} failed: {}", options_.instance,
              ll->to_string(), options_.name, ec.message());
    return ec;
  }
  return {};
}

}  // namespace vigil::vrrp
