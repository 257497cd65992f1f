#pragma once

// A namespace with one interface to work on (eth0, a veth with 10.0.0.2/24, up), an open netlink
// socket and a started InterfaceTable: the common start of the address and VMAC tests (root).

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "core/netlink.h"
#include "netns_fixture.h"
#include "vrrp/interfaces.h"

namespace vigil::testing {

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class InterfaceNetnsTest : public NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_EQ(sh(ip("link add eth0 type veth peer name peer0")), 0);
    ASSERT_EQ(sh(ip("link set eth0 up")), 0);
    ASSERT_EQ(sh(ip("link set peer0 up")), 0);
    ASSERT_EQ(sh(ip("addr add 10.0.0.2/24 dev eth0")), 0);
    ASSERT_FALSE(nl_.open());
    table_ = std::make_unique<vrrp::InterfaceTable>(io_, nl_);
    ASSERT_FALSE(table_->start());
  }
  void TearDown() override {
    table_.reset();
    NetnsTest::TearDown();
  }

  boost::asio::io_context io_;
  core::NetlinkSocket nl_;
  std::unique_ptr<vrrp::InterfaceTable> table_;
};

}  // namespace vigil::testing
