#include "support/redis_process.hpp"

#include <arpa/inet.h>
#include <csignal>
#include <fcntl.h>
#include <random>
#include <cstdlib>
#include <filesystem>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace commerce::test {
namespace {

// A port below Linux's ephemeral range (32768 and up), where no outgoing connection of this
// machine can take it meanwhile, that nothing listens on now.
std::uint16_t free_port() {
  static std::mt19937 random(std::random_device{}());
  for (int attempt = 0; attempt < 100; ++attempt) {
    const auto port = static_cast<std::uint16_t>(20000 + random() % 12000);
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (free) return port;
  }
  throw std::runtime_error("no free port for redis-server");
}

}  // namespace

redis_process::redis_process() : port_(free_port()) {
  char pattern[] = "/tmp/commerce-redis-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  try {
    start();
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw;
  }
}

redis_process::~redis_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void redis_process::start() {
  const auto port = std::to_string(port_);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::execlp("redis-server", "redis-server", "--bind", "127.0.0.1", "--port", port.c_str(), "--dir", dir_.c_str(),
             "--save", "", "--appendonly", "yes", "--appendfsync", "always", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 100; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {  // it exited: no redis-server, or the port was taken
      pid_ = -1;
      throw std::runtime_error("redis-server exited at start on port " + port);
    }
    try {
      if (!command({"PING"}).is_error()) return;
    } catch (const adapters::redis::redis_unavailable&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop();
  throw std::runtime_error("redis-server did not answer on port " + port);
}

void redis_process::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

adapters::redis::redis_reply redis_process::command(const std::vector<std::string>& args) {
  adapters::redis::redis_connection connection({"127.0.0.1", port_, std::chrono::milliseconds(1000),
                                                std::chrono::milliseconds(5000)});
  return connection.command(args);
}

std::vector<std::string> redis_process::positions(const std::string& stream) {
  std::vector<std::string> out;
  for (const auto& entry : command({"XRANGE", stream, "-", "+"}).elements) {
    const auto& fields = entry.elements.at(1).elements;
    for (std::size_t i = 0; i + 1 < fields.size(); i += 2)
      if (fields[i].text == "position") out.push_back(fields[i + 1].text);
  }
  return out;
}

}  // namespace commerce::test
