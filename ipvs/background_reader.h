#pragma once

// The daemon's TableReader: reads the kernel's IPVS table on a worker thread, through a generic
// netlink socket of its own (a dump is one request per service, thousands of round trips for a
// large table), and hands the table back on the event loop.

#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "ipvs/netlink_kernel.h"
#include "ipvs/syncer.h"

namespace vigil::ipvs {

class BackgroundReader final : public TableReader {
 public:
  explicit BackgroundReader(boost::asio::io_context& io);
  ~BackgroundReader() override;  // waits for a read in flight
  BackgroundReader(const BackgroundReader&) = delete;
  BackgroundReader& operator=(const BackgroundReader&) = delete;

  void read(Done done) override;

 private:
  boost::asio::io_context& io_;
  // Opened on the loop's thread (so in the daemon's network namespace), then used by one worker
  // at a time.
  std::unique_ptr<NetlinkKernel> kernel_ = std::make_unique<NetlinkKernel>();
  std::thread worker_;
};

}  // namespace vigil::ipvs
