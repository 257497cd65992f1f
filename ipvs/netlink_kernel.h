#pragma once

// The kernel's IPVS over generic netlink (libnl-genl): the family is resolved by name on
// open(); changes go out many per datagram with one ack each (core::NetlinkSocket::
// request_batch); the table is read back with one service dump and one destination dump per
// service. Requests are synchronous but bounded by the socket's timeout: the kernel handles
// IPVS commands inside sendmsg(), so a batch costs what the kernel's work costs.

#include <system_error>
#include <vector>

#include "core/netlink.h"
#include "ipvs/kernel.h"

namespace vigil::ipvs {

class NetlinkKernel final : public Kernel {
 public:
  // `receive_buffer`: bytes for the acks of a batch (lvs_netlink_cmd_rcv_bufs), 0: 1 MiB.
  explicit NetlinkKernel(int receive_buffer = 0);

  std::error_code open() override;
  bool is_open() const override { return family_ > 0; }
  std::error_code dump(Table& out) override;
  std::error_code apply(const std::vector<Op>& ops, std::vector<std::error_code>& results) override;
  std::error_code set_timeouts(const Timeouts& t) override;
  std::error_code start_sync_daemon(const SyncDaemon& d) override;
  std::error_code stop_sync_daemon(SyncDaemon::Role role) override;
  std::error_code flush() override;

  const core::NetlinkSocket::Stats& stats() const { return socket_.stats(); }

 private:
  std::error_code request(core::NlMsgPtr msg);

  core::NetlinkSocket socket_;
  int receive_buffer_;
  int family_ = 0;
};

}  // namespace vigil::ipvs
