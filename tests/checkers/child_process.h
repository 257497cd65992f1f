#pragma once

// A test server process (python3 -m http.server, openssl s_server) that dies with the test:
// SIGKILLed and reaped by the destructor, also when an assertion fails first.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace vigil::checkers::testing {

class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, const std::string& directory) {
    pid_ = ::fork();
    if (pid_ == 0) {
      if (::chdir(directory.c_str()) != 0) ::_exit(126);
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~ChildProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits (up to 15 s) until something accepts TCP connections on 127.0.0.1:port.
  bool wait_listening(std::uint16_t port) const {
    for (int i = 0; i < 300; ++i) {
      if (pid_ <= 0 || ::waitpid(pid_, nullptr, WNOHANG) != 0) return false;
      boost::asio::io_context io;
      boost::asio::ip::tcp::socket s(io);
      boost::system::error_code ec;
      s.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
      if (!ec) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace vigil::checkers::testing
