// FILE_CHECK: the status a track_file value gives a checker (keepalived track_file.c), and what
// it does to the real server in the health model: FAULT takes the checker (and the real server)
// down, a weighted value moves the real server's weight.
#include "checkers/file_check.h"

#include <gtest/gtest.h>

#include <limits>

#include "checkers/server_health.h"

namespace vigil::checkers {
namespace {

core::IpAddress ip(const char* s) { return *core::parse_ip_address(s); }

TEST(FileCheckShare, WeightZeroIsUpOrFault) {
  EXPECT_EQ(file_check_share(0, 0, false), 0);
  EXPECT_EQ(file_check_share(3, 0, false), std::nullopt);
  EXPECT_EQ(file_check_share(0, 0, true), std::nullopt);  // reverse: zero is the failure
  EXPECT_EQ(file_check_share(3, 0, true), 0);
}

TEST(FileCheckShare, WeightedValuesAddToTheWeight) {
  EXPECT_EQ(file_check_share(5, 2, false), 10);
  EXPECT_EQ(file_check_share(5, 2, true), -10);
  EXPECT_EQ(file_check_share(-4, 3, false), -12);
  // Saturated at the int range; its bottom is keepalived's IPVS_WEIGHT_FAULT.
  EXPECT_EQ(file_check_share(std::numeric_limits<std::int32_t>::max(), 2, false),
            std::numeric_limits<std::int32_t>::max());
  EXPECT_EQ(file_check_share(std::numeric_limits<std::int32_t>::min(), 2, false), std::nullopt);
}

config::VirtualServer service() {
  config::VirtualServer vs;
  vs.address = ip("10.0.0.1");
  vs.port = 80;
  vs.quorum = 1;
  config::RealServer rs;
  rs.address = ip("10.0.0.2");
  rs.port = 80;
  rs.weight = 10;
  config::Checker c;
  c.type = config::CheckerType::kFile;
  c.details = config::FileCheck{"f", 0, false};
  rs.checkers.push_back(c);
  vs.real_servers.push_back(rs);
  return vs;
}

TEST(FileCheckHealth, FaultAtStartKeepsTheServerOut) {
  const auto vs = service();
  VirtualServerHealth h(vs);
  const core::TimePoint t{std::chrono::hours(1)};
  h.file_status(0, 0, std::nullopt, t);
  h.start(t);
  EXPECT_FALSE(h.alive(0));
  EXPECT_TRUE(h.destinations().empty());
  auto up = h.file_status(0, 0, 0, t);
  EXPECT_TRUE(h.alive(0));
  ASSERT_FALSE(up.events.empty());
  EXPECT_EQ(up.events.front().kind, HealthEventKind::kCheckerUp);
}

TEST(FileCheckHealth, WeightedShareMovesTheWeightAndFaultTakesItDown) {
  const auto vs = service();
  VirtualServerHealth h(vs);
  const core::TimePoint t{std::chrono::hours(1)};
  h.file_status(0, 0, 5, t);
  h.start(t);
  EXPECT_EQ(h.weight(0), 15u);
  h.file_status(0, 0, -20, t);
  EXPECT_EQ(h.weight(0), 0u);  // clamped at 0
  EXPECT_TRUE(h.alive(0));
  auto down = h.file_status(0, 0, std::nullopt, t);
  EXPECT_FALSE(h.alive(0));
  EXPECT_EQ(h.weight(0), 10u);  // the FAULT takes its share back
  EXPECT_EQ(down.events.front().kind, HealthEventKind::kCheckerDown);
}

}  // namespace
}  // namespace vigil::checkers
