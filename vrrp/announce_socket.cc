#include "vrrp/announce_socket.h"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

namespace vigil::vrrp {

std::unique_ptr<PacketSocketSender> PacketSocketSender::open(std::error_code& error) {
  // Protocol 0: the socket is bound to no EtherType and so is never handed received frames.
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    error = std::error_code(errno, std::system_category());
    return nullptr;
  }
  error.clear();
  return std::unique_ptr<PacketSocketSender>(new PacketSocketSender(fd));
}

PacketSocketSender::~PacketSocketSender() {
  if (fd_ >= 0) ::close(fd_);
}

std::error_code PacketSocketSender::send(int ifindex, std::span<const std::uint8_t> frame) {
  if (frame.size() < 14) return std::make_error_code(std::errc::invalid_argument);
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = ifindex;
  sll.sll_halen = ETH_ALEN;
  std::copy_n(frame.data(), ETH_ALEN, sll.sll_addr);  // the frame's destination
  const ssize_t n = ::sendto(fd_, frame.data(), frame.size(), MSG_DONTWAIT,
                             reinterpret_cast<const sockaddr*>(&sll), sizeof sll);
  if (n < 0) return std::error_code(errno, std::system_category());
  if (static_cast<std::size_t>(n) != frame.size()) {
    return std::make_error_code(std::errc::message_size);
  }
  return {};
}

bool ipv6_forwarding_enabled(std::string_view ifname) {
  // An interface name never contains '/', so it cannot leave the directory.
  if (ifname.empty() || ifname.find('/') != std::string_view::npos) return false;
  std::ifstream in("/proc/sys/net/ipv6/conf/" + std::string(ifname) + "/forwarding");
  int value = 0;
  return static_cast<bool>(in >> value) && value != 0;
}

}  // namespace vigil::vrrp
