#include "ipvs/background_reader.h"

#include <boost/asio/post.hpp>

namespace vigil::ipvs {

BackgroundReader::BackgroundReader(boost::asio::io_context& io) : io_(io) {}

BackgroundReader::~BackgroundReader() {
  if (worker_.joinable()) worker_.join();
}

void BackgroundReader::read(Done done) {
  if (worker_.joinable()) worker_.join();  // the previous read has already called back
  if (std::error_code ec = kernel_->open()) {
    boost::asio::post(io_, [done = std::move(done), ec] { done(ec, {}); });
    return;
  }
  worker_ = std::thread([this, done = std::move(done)]() mutable {
    auto table = std::make_shared<Table>();
    std::error_code ec = kernel_->dump(*table);
    boost::asio::post(io_, [done = std::move(done), ec, table] { done(ec, std::move(*table)); });
  });
}

}  // namespace vigil::ipvs
