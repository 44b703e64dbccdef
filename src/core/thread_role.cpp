#include "core/thread_role.h"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

namespace praetor::core {

void name_this_thread(const char* name) {
  const std::string cut = std::string(name).substr(0, 15);
  pthread_setname_np(pthread_self(), cut.c_str());
}

void make_this_thread_background(const char* name) {
  name_this_thread(name);
  // On Linux, PRIO_PROCESS with a thread id sets that one thread's niceness.
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;
  const int current = getpriority(PRIO_PROCESS, tid);
  if (errno == 0 && setpriority(PRIO_PROCESS, tid, current + kBackgroundNiceIncrement) == 0) return;
  spdlog::warn("thread {} runs at the normal priority: raising its niceness failed: {}", name, std::strerror(errno));
}

}  // namespace praetor::core
