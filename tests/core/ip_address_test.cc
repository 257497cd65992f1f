#include "core/ip_address.h"

#include <gtest/gtest.h>

namespace vigil::core {
namespace {

TEST(IpAddress, ParsesStrictly) {
  EXPECT_TRUE(parse_ip_address("192.168.1.1"));
  EXPECT_TRUE(parse_ip_address("fe80::1"));
  EXPECT_FALSE(parse_ip_address("192.168.100."));
  EXPECT_FALSE(parse_ip_address("192.168.1.1 "));
  EXPECT_FALSE(parse_ip_address("fe80::1%eth0"));
  EXPECT_FALSE(parse_ip_address(""));
}

TEST(IpAddress, Prefixes) {
  auto p = parse_ip_prefix("10.0.0.1/24");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->length, 24);
  EXPECT_EQ(p->str(), "10.0.0.1/24");
  EXPECT_EQ(parse_ip_prefix("10.0.0.1")->length, 32);
  EXPECT_EQ(parse_ip_prefix("2001:db8::1")->length, 128);
  EXPECT_FALSE(parse_ip_prefix("10.0.0.1/33"));
  EXPECT_FALSE(parse_ip_prefix("10.0.0.1/"));
  EXPECT_FALSE(parse_ip_prefix("192.168.100./24"));
}

TEST(IpAddress, Offsets) {
  EXPECT_EQ(offset_address(*parse_ip_address("10.0.0.250"), 9)->to_string(), "10.0.1.3");
  EXPECT_FALSE(offset_address(*parse_ip_address("255.255.255.255"), 1));
  EXPECT_EQ(offset_address(*parse_ip_address("2001:db8::ff"), 1)->to_string(), "2001:db8::100");
}

}  // namespace
}  // namespace vigil::core
