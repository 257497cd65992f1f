#include "ipvs/netlink_kernel.h"

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "ipvs/genl_messages.h"

namespace vigil::ipvs {

namespace {

constexpr int kDefaultReceiveBuffer = 1024 * 1024;

std::error_code no_memory() { return std::make_error_code(std::errc::not_enough_memory); }

}  // namespace

NetlinkKernel::NetlinkKernel(int receive_buffer)
    : receive_buffer_(receive_buffer > 0 ? receive_buffer : kDefaultReceiveBuffer) {}

std::error_code NetlinkKernel::open() {
  if (is_open()) return {};
  if (!socket_.is_open()) {
    if (std::error_code ec =
            socket_.open(core::NetlinkSocket::kDefaultTimeout, NETLINK_GENERIC, receive_buffer_)) {
      return ec;
    }
  }
  core::NlMsgPtr msg = build_get_family(kFamilyName);
  if (!msg) return no_memory();
  std::optional<int> id;
  std::error_code ec = socket_.transact(msg.get(), [&id](nlmsghdr* h) {
    if (auto v = parse_family_id(h)) id = v;
  });
  // The controller answers ENOENT for a family that is not registered: no ip_vs module.
  if (ec == std::errc::no_such_file_or_directory || (!ec && !id)) {
    return std::make_error_code(std::errc::protocol_not_supported);
  }
  if (ec) return ec;
  family_ = *id;
  return {};
}

std::error_code NetlinkKernel::request(core::NlMsgPtr msg) {
  if (!is_open()) return std::make_error_code(std::errc::not_connected);
  if (!msg) return no_memory();
  return socket_.request(msg.get());
}

std::error_code NetlinkKernel::dump(Table& out) {
  out.clear();
  if (!is_open()) return std::make_error_code(std::errc::not_connected);
  core::NlMsgPtr msg = build_get_services(family_);
  if (!msg) return no_memory();
  std::error_code ec = socket_.transact(msg.get(), [&out](nlmsghdr* h) {
    if (auto s = parse_service(h)) out.insert_or_assign(std::move(s->first), std::move(s->second));
  });
  if (ec) return ec;
  for (auto& [key, state] : out) {
    core::NlMsgPtr get = build_get_dests(family_, key);
    if (!get) return no_memory();
    ec = socket_.transact(get.get(), [&state](nlmsghdr* h) {
      if (auto d = parse_dest(h)) state.dests.insert_or_assign(d->first, std::move(d->second));
    });
    // A service deleted between the two dumps (by someone else) has no destinations.
    if (ec && ec != std::errc::no_such_process) return ec;
  }
  return {};
}

std::error_code NetlinkKernel::apply(const std::vector<Op>& ops,
                                     std::vector<std::error_code>& results) {
  results.assign(ops.size(), std::error_code{});
  if (!is_open()) {
    results.assign(ops.size(), std::make_error_code(std::errc::not_connected));
    return std::make_error_code(std::errc::not_connected);
  }
  std::vector<core::NlMsgPtr> owned;
  owned.reserve(ops.size());
  std::vector<nl_msg*> msgs;
  msgs.reserve(ops.size());
  for (const Op& op : ops) {
    owned.push_back(build_op(family_, op));
    if (!owned.back()) {
      results.assign(ops.size(), no_memory());
      return no_memory();
    }
    msgs.push_back(owned.back().get());
  }
  return socket_.request_batch(msgs, results);
}

std::error_code NetlinkKernel::set_timeouts(const Timeouts& t) {
  return request(build_set_timeouts(family_, t));
}

std::error_code NetlinkKernel::start_sync_daemon(const SyncDaemon& d) {
  return request(build_new_daemon(family_, d));
}

std::error_code NetlinkKernel::stop_sync_daemon(SyncDaemon::Role role) {
  return request(build_del_daemon(family_, role));
}

std::error_code NetlinkKernel::flush() { return request(build_flush(family_)); }

}  // namespace vigil::ipvs
