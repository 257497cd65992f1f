#include "core/file_watcher.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

namespace vigil::core {
namespace {

using namespace std::chrono_literals;

TEST(TrackFile, ParsesLikeStrtolBaseZero) {
  EXPECT_EQ(parse_track_file_value("12\n"), 12);
  EXPECT_EQ(parse_track_file_value("  -7 trailing"), -7);
  EXPECT_EQ(parse_track_file_value("0x10"), 16);
  EXPECT_EQ(parse_track_file_value("010"), 8);
  EXPECT_EQ(parse_track_file_value("junk"), 0);
  EXPECT_EQ(parse_track_file_value(""), 0);
  EXPECT_EQ(parse_track_file_value("1000"), 1000);
  EXPECT_EQ(parse_track_file_value("-99999999999999999999999"), -2147483648L);
}

class FileWatcherTest : public ::testing::Test {
 protected:
  FileWatcherTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigil-track-XXXXXX").string();
    dir_ = ::mkdtemp(tmpl.data());
  }
  ~FileWatcherTest() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(path(name)) << text;  // closed here: IN_CLOSE_WRITE
  }
  // Runs the loop until `name` reported `value` (bounded; nothing asserts on timing).
  bool wait_for(const std::string& name, long value) {
    const auto limit = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < limit) {
      auto it = seen_.find(name);
      if (it != seen_.end() && it->second == value) return true;
      if (io_.stopped()) io_.restart();
      io_.run_one_for(50ms);
    }
    return false;
  }

  std::string dir_;
  boost::asio::io_context io_;
  std::map<std::string, long> seen_;
  FileWatcher watcher_{io_, [this](const std::string& n, long v) { seen_[n] = v; }};
};

TEST(TrackFileIo, ReadAndInitialise) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "vigil-tf-XXXXXX").string();
  const std::string dir = ::mkdtemp(tmpl.data());
  const std::string f = dir + "/f";
  EXPECT_EQ(read_track_file(f), 0);  // missing
  EXPECT_FALSE(initialise_track_file(f, 42, false));
  EXPECT_EQ(read_track_file(f), 42);
  EXPECT_FALSE(initialise_track_file(f, 7, false));  // exists: left alone
  EXPECT_EQ(read_track_file(f), 42);
  EXPECT_FALSE(initialise_track_file(f, -7, true));  // overwrite
  EXPECT_EQ(read_track_file(f), -7);
  EXPECT_TRUE(initialise_track_file(dir, 1, true));  // a directory is not touched
  std::filesystem::remove_all(dir);
}

TEST_F(FileWatcherTest, ReadsAtAddAndOnEveryWrite) {
  write("a", "5\n");
  ASSERT_FALSE(watcher_.add("A", path("a")));
  EXPECT_EQ(watcher_.value("A"), 5);
  write("a", "-20\n");
  ASSERT_TRUE(wait_for("A", -20));
  EXPECT_EQ(watcher_.value("A"), -20);
}

TEST_F(FileWatcherTest, MissingFileIsZeroUntilCreated) {
  ASSERT_FALSE(watcher_.add("B", path("b")));
  EXPECT_EQ(watcher_.value("B"), 0);
  write("b", "0x10");
  ASSERT_TRUE(wait_for("B", 16));
}

TEST_F(FileWatcherTest, DeleteAndMoveAwayMeanZeroMoveInIsRead) {
  write("c", "9");
  ASSERT_FALSE(watcher_.add("C", path("c")));
  ::unlink(path("c").c_str());
  ASSERT_TRUE(wait_for("C", 0));
  write("tmp", "33");
  ASSERT_EQ(::rename(path("tmp").c_str(), path("c").c_str()), 0);
  ASSERT_TRUE(wait_for("C", 33));
  ASSERT_EQ(::rename(path("c").c_str(), path("elsewhere").c_str()), 0);
  ASSERT_TRUE(wait_for("C", 0));
}

TEST_F(FileWatcherTest, SeveralFilesInOneDirectory) {
  ASSERT_FALSE(watcher_.add("X", path("x")));
  ASSERT_FALSE(watcher_.add("Y", path("y")));
  write("y", "2");
  write("x", "1");
  ASSERT_TRUE(wait_for("Y", 2));
  ASSERT_TRUE(wait_for("X", 1));
}

// A reload that no longer tracks X: X is not read or reported any more; Y, in the same
// directory (the same inotify watch), still is.
TEST_F(FileWatcherTest, RemovedFileIsNoLongerReported) {
  ASSERT_FALSE(watcher_.add("X", path("x")));
  ASSERT_FALSE(watcher_.add("Y", path("y")));
  watcher_.remove("X");
  EXPECT_EQ(watcher_.value("X"), 0);
  write("x", "1");
  write("y", "2");
  ASSERT_TRUE(wait_for("Y", 2));
  EXPECT_EQ(seen_.count("X"), 0u);
  // Added again (another path at a reload), it is read at once and followed.
  write("x2", "4");
  ASSERT_FALSE(watcher_.add("X", path("x2")));
  EXPECT_EQ(watcher_.value("X"), 4);
  write("x2", "5");
  ASSERT_TRUE(wait_for("X", 5));
}

TEST_F(FileWatcherTest, MissingDirectoryIsAnError) {
  EXPECT_TRUE(watcher_.add("Z", path("no-such-dir/z")));
}

}  // namespace
}  // namespace vigil::core
