#pragma once

// The buffer an HTTP exchange reads into (keepalived reads 4 KiB at a time), lent from a pool
// that keeps the ones given back: in steady state a probe allocates none, and the pool holds as
// many as reads ever ran at once, not one per checker. The checkers run on one thread.

#include <cstddef>
#include <memory>
#include <vector>

namespace vigil::checkers {

class ReadBuffer {
 public:
  static constexpr std::size_t kSize = 4096;  // keepalived's MAX_BUFFER_LENGTH

  ReadBuffer() {
    if (pool().empty()) {
      data_ = std::make_unique_for_overwrite<char[]>(kSize);
    } else {
      data_ = std::move(pool().back());
      pool().pop_back();
    }
  }
  ~ReadBuffer() { pool().push_back(std::move(data_)); }
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;
  char* data() { return data_.get(); }

 private:
  static std::vector<std::unique_ptr<char[]>>& pool() {
    static thread_local std::vector<std::unique_ptr<char[]>> buffers;
    return buffers;
  }
  std::unique_ptr<char[]> data_;
};

}  // namespace vigil::checkers
