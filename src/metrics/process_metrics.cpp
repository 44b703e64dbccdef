#include "metrics/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace praetor::metrics {

namespace {

// Seconds since the epoch at which the system booted (/proc/stat's btime), or 0.
double boot_time() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

}  // namespace

ScrapeHook collect_process_metrics(Registry& registry) {
  auto& cpu = registry.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.").get();
  auto& resident = registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.").get();
  auto& virtual_memory = registry.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.").get();
  auto& open_fds = registry.gauge("process_open_fds", "Number of open file descriptors.").get();
  auto& max_fds = registry.gauge("process_max_fds", "Maximum number of open file descriptors.").get();
  auto& start_time = registry.gauge("process_start_time_seconds",
                                    "Start time of the process since unix epoch in seconds.").get();
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  const double booted = boot_time();
  return registry.on_scrape([&, ticks, page, booted] {
    std::ifstream in("/proc/self/stat");
    std::string line;
    if (std::getline(in, line)) {
      // Fields after the command name, which is in parentheses and may hold spaces:
      // state(3) … utime(14) stime(15) … starttime(22) vsize(23) rss(24).
      std::istringstream rest(line.substr(line.rfind(')') + 2));
      std::string field;
      double utime = 0, stime = 0, starttime = 0, vsize = 0, rss = 0;
      for (int i = 3; rest >> field && i <= 24; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
        if (i == 22) starttime = std::stod(field);
        if (i == 23) vsize = std::stod(field);
        if (i == 24) rss = std::stod(field);
      }
      // A counter is only added to: set it to the total by adding what is new.
      cpu.inc(std::max(0.0, (utime + stime) / ticks - cpu.value()));
      virtual_memory.set(vsize);
      resident.set(rss * page);
      start_time.set(booted + starttime / ticks);
    }
    std::error_code ec;
    double fds = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
      ++fds;
    }
    open_fds.set(fds);
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) max_fds.set(static_cast<double>(limit.rlim_cur));
  });
}

}  // namespace praetor::metrics
