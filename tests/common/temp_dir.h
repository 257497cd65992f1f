#pragma once

// A private temporary directory for tests that need real files (script permissions and the
// like), removed with everything in it when the test ends.

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace vigil::test_support {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vigil-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // A shell script `name` that exits 0, with `mode`.
  std::string file(const std::string& name, mode_t mode) const {
    std::string p = path_ + "/" + name;
    std::ofstream(p) << "#!/bin/sh\nexit 0\n";
    ::chmod(p.c_str(), mode);
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace vigil::test_support
