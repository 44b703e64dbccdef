#include "store/wal_syncer.h"

#include "store/store_metrics.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>

#include <spdlog/spdlog.h>

namespace praetor::store {

WalSyncer::WalSyncer(std::function<core::Status()> sync) : sync_(std::move(sync)) {
  thread_ = std::thread([this] { run(); });
}

WalSyncer::~WalSyncer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void WalSyncer::complete_after_sync(std::vector<Completion> group) {
  {
    std::lock_guard lock(mu_);
    if (waiting_.empty()) {
      waiting_ = std::move(group);
    } else {
      for (auto& c : group) waiting_.push_back(std::move(c));
    }
  }
  cv_.notify_one();
}

namespace {
// Logged at debug level every kSyncs syncs: writes acknowledged per sync, the mean and
// slowest sync.
struct SyncStats {
  static constexpr int kSyncs = 200;
  int syncs = 0;
  size_t writes = 0;
  std::chrono::steady_clock::duration total{}, slowest{};

  void add(size_t n, std::chrono::steady_clock::duration took) {
    ++syncs;
    writes += n;
    total += took;
    slowest = std::max(slowest, took);
    if (syncs < kSyncs) return;
    auto ms = [](std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
    spdlog::debug("WAL syncer: {} syncs, {:.1f} writes/sync, sync {:.3f} ms mean, slowest {:.1f} ms", syncs,
                  static_cast<double>(writes) / syncs, ms(total) / syncs, ms(slowest));
    *this = {};
  }
};
}  // namespace

void WalSyncer::run() {
  // Named for `top -H` and debuggers; tests/power_loss/power_loss_shim.cpp also finds the
  // syncer's fdatasync calls by this name (its negative control ignores them).
  pthread_setname_np(pthread_self(), kThreadName);
  std::vector<Completion> batch;
  SyncStats stats;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) return;  // stopping, nothing left
      batch.swap(waiting_);
    }
    // Everything in `batch` was written to the WAL before it was handed over, so this
    // sync covers it.
    core::Status synced = core::Ok{};
    auto started = std::chrono::steady_clock::now();
    try {
      synced = sync_();
    } catch (const std::exception& e) {
      synced = core::Error::internal(std::string("WAL sync failed: ") + e.what());
    }
    auto took = std::chrono::steady_clock::now() - started;
    store_metrics().wal_sync_seconds.observe(std::chrono::duration<double>(took).count());
    if (spdlog::should_log(spdlog::level::debug)) stats.add(batch.size(), took);
    if (!synced.ok()) spdlog::error("{} ({} writes not acknowledged)", synced.error().message, batch.size());
    for (auto& c : batch) {
      try {
        c.done(synced.ok() || !c.status.ok() ? std::move(c.status) : synced);
      } catch (const std::exception& e) {
        spdlog::error("write completion failed: {}", e.what());
      }
    }
    batch.clear();
  }
}

std::function<core::Status()> fdatasync_file(std::string path) {
  struct OpenFile {
    int fd = -1;
    ~OpenFile() {
      if (fd >= 0) ::close(fd);
    }
  };
  auto file = std::make_shared<OpenFile>();
  return [path = std::move(path), file]() -> core::Status {
    auto failed = [&](const char* what) {
      return core::Error::internal("cannot make the write durable: " + std::string(what) + " " + path + ": " +
                                   std::strerror(errno));
    };
    struct stat at_path {}, open {};
    if (::stat(path.c_str(), &at_path) != 0) return failed("stat");
    if (file->fd >= 0 && (::fstat(file->fd, &open) != 0 || open.st_ino != at_path.st_ino || open.st_dev != at_path.st_dev)) {
      ::close(file->fd);
      file->fd = -1;
    }
    if (file->fd < 0) {
      file->fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
      if (file->fd < 0) return failed("open");
    }
    if (::fdatasync(file->fd) != 0) return failed("fdatasync");
    return core::Ok{};
  };
}

}  // namespace praetor::store
