// Test-only LD_PRELOAD library that lets a test simulate power loss (tests/ops/test_power_loss.py).
// Never linked into praetor: the test starts the release binary with LD_PRELOAD pointing here.
//
// Every write to a file under PRAETOR_TEST_POWER_LOSS_DIR goes to the file as usual (so the
// process reads back what it wrote, as from the page cache), but first the bytes it is about
// to overwrite and the file's size are appended to an undo journal
// (PRAETOR_TEST_POWER_LOSS_JOURNAL, outside that folder). An fsync/fdatasync of such a file
// appends a sync mark: every write to that file journalled before the sync began is durable.
// After the process is killed, tests/support/power_loss.py undoes, newest first, each write
// not covered by a sync mark of its file: the files are left exactly as a disk that lost all
// unsynced data would leave them. The page cache survives SIGKILL, so the journal is complete
// up to its last whole record (a torn last record belongs to a write that never happened).
//
// PRAETOR_TEST_POWER_LOSS_UNHONOURED_THREAD=<name>: syncs called from the thread of that name
// (praetor's WAL syncer is "praetor-walsync") still reach the disk but get no sync mark, as if
// that thread had never synced: the negative control for the test.
// SIGUSR2: the process SIGKILLs itself right after its next write to a tracked "-wal" file, so
// the crash lands at a moment when the WAL holds unsynced frames.
//
// Calls that could change a tracked file's content without this library seeing it (writev,
// shared writable mmap, dup, sync_file_range, truncate by path) abort the process: the model
// would otherwise be silently wrong. "-shm" files are not tracked (SQLite rebuilds its WAL
// index from the WAL after a crash, and maps it with MAP_SHARED).
//
// Journal record (native byte order): u32 kMagic, u32 kind ('W' undo or 'S' sync mark),
// u32 path length, u64 a, u64 b, u64 data length, path bytes, data bytes, u32 kEndMagic.
//   W: a = offset, b = file size before the write, data = the bytes it replaced at a.
//   S: a = number of records in the journal when the sync began; b = 0, no data.
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

namespace {

constexpr uint32_t kMagic = 0x504c4a31;     // "PLJ1"
constexpr uint32_t kEndMagic = 0x454e4421;  // "END!"
constexpr int kMaxFd = 1 << 16;

template <typename F>
F real(const char* name) {
  void* p = dlsym(RTLD_NEXT, name);
  if (!p) {
    std::fprintf(stderr, "power_loss_shim: no %s\n", name);
    std::abort();
  }
  return reinterpret_cast<F>(p);
}

#define PRAETOR_REAL(name) static auto real_##name = real<decltype(&::name)>(#name)

struct State {
  std::string dir;  // with a trailing '/'
  std::string unhonoured_thread;
  int journal = -1;
  std::mutex mu;  // held across each journalled write and journal append: they are one step
  uint64_t records = 0;
  std::unordered_map<int, std::string> paths;  // tracked fd -> path
  std::atomic<bool> tracked[kMaxFd] = {};
  std::atomic<bool> crash_armed{false};
};

State* state() {
  static State* s = [] {
    const char* dir = std::getenv("PRAETOR_TEST_POWER_LOSS_DIR");
    const char* journal = std::getenv("PRAETOR_TEST_POWER_LOSS_JOURNAL");
    if (!dir || !journal) return static_cast<State*>(nullptr);
    auto* st = new State;  // lives as long as the process
    st->dir = std::string(dir) + "/";
    if (const char* t = std::getenv("PRAETOR_TEST_POWER_LOSS_UNHONOURED_THREAD")) st->unhonoured_thread = t;
    if (std::string(journal).rfind(st->dir, 0) == 0) {
      std::fprintf(stderr, "power_loss_shim: the journal must be outside %s\n", dir);
      std::abort();
    }
    PRAETOR_REAL(open);
    st->journal = real_open(journal, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (st->journal < 0) {
      std::perror("power_loss_shim: journal");
      std::abort();
    }
    return st;
  }();
  return s;
}

[[noreturn]] void unsupported(const char* call, int fd) {
  std::fprintf(stderr, "power_loss_shim: %s on tracked fd %d is not modelled\n", call, fd);
  std::abort();
}

bool is_tracked(int fd) {
  State* s = state();
  return s && fd >= 0 && fd < kMaxFd && s->tracked[fd].load(std::memory_order_acquire);
}

void write_fully(int fd, const char* p, size_t n) {
  PRAETOR_REAL(write);
  while (n > 0) {
    ssize_t w = real_write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      std::perror("power_loss_shim: journal write");
      std::abort();
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

// Appends one record; `s.mu` held.
void append(State& s, uint32_t kind, const std::string& path, uint64_t a, uint64_t b, const std::string& data) {
  std::string rec;
  auto put = [&rec](const auto& v) { rec.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(kMagic);
  put(kind);
  put(static_cast<uint32_t>(path.size()));
  put(a);
  put(b);
  put(static_cast<uint64_t>(data.size()));
  rec += path;
  rec += data;
  put(kEndMagic);
  write_fully(s.journal, rec.data(), rec.size());
  ++s.records;
}

uint64_t file_size(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

// Journals the undo of a change to [offset, offset + len) and of the size; `s.mu` held.
void journal_change(State& s, int fd, uint64_t offset, uint64_t len) {
  PRAETOR_REAL(pread);
  uint64_t size = file_size(fd);
  std::string old;
  if (offset < size && len > 0) {
    old.resize(static_cast<size_t>(std::min(len, size - offset)));
    size_t got = 0;
    while (got < old.size()) {
      ssize_t r = real_pread(fd, old.data() + got, old.size() - got, static_cast<off_t>(offset + got));
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    old.resize(got);
  }
  append(s, 'W', s.paths[fd], offset, size, old);
}

// After a journalled write: the crash SIGUSR2 asked for, at a moment the WAL is unsynced.
void maybe_crash(State& s, int fd) {
  if (!s.crash_armed.load()) return;
  const std::string& path = s.paths[fd];
  if (path.size() > 4 && path.compare(path.size() - 4, 4, "-wal") == 0) ::kill(::getpid(), SIGKILL);
}

void track_if_under_dir(int fd) {
  State* s = state();
  if (!s || fd < 0) return;
  char link[64], target[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n <= 0) return;
  std::string path(target, static_cast<size_t>(n));
  if (path.rfind(s->dir, 0) != 0) return;
  if (path.size() > 4 && path.compare(path.size() - 4, 4, "-shm") == 0) return;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  if (fd >= kMaxFd) unsupported("open (fd too high)", fd);
  std::lock_guard lock(s->mu);
  s->paths[fd] = path;
  s->tracked[fd].store(true, std::memory_order_release);
}

int sync_common(int fd, int (*real_sync)(int)) {
  if (!is_tracked(fd)) return real_sync(fd);
  State& s = *state();
  uint64_t cut;
  std::string path;
  {
    std::lock_guard lock(s.mu);
    cut = s.records;
    path = s.paths[fd];
  }
  int rc = real_sync(fd);
  if (rc != 0) return rc;
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  if (!s.unhonoured_thread.empty() && s.unhonoured_thread == name) return 0;
  std::lock_guard lock(s.mu);
  append(s, 'S', path, cut, 0, {});
  return 0;
}

void on_sigusr2(int) { state()->crash_armed.store(true); }

__attribute__((constructor)) void install() {
  if (!state()) return;
  struct sigaction sa {};
  sa.sa_handler = on_sigusr2;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGUSR2, &sa, nullptr);
}

mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | O_TMPFILE)) ? static_cast<mode_t>(va_arg(ap, int)) : 0;
}

}  // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  PRAETOR_REAL(open);
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  int fd = real_open(path, flags, mode);
  track_if_under_dir(fd);
  return fd;
}

int open64(const char* path, int flags, ...) {
  PRAETOR_REAL(open64);
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  int fd = real_open64(path, flags, mode);
  track_if_under_dir(fd);
  return fd;
}

int openat(int dirfd, const char* path, int flags, ...) {
  PRAETOR_REAL(openat);
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  int fd = real_openat(dirfd, path, flags, mode);
  track_if_under_dir(fd);
  return fd;
}

int openat64(int dirfd, const char* path, int flags, ...) {
  PRAETOR_REAL(openat64);
  va_list ap;
  va_start(ap, flags);
  mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  int fd = real_openat64(dirfd, path, flags, mode);
  track_if_under_dir(fd);
  return fd;
}

int creat(const char* path, mode_t mode) { return open(path, O_CREAT | O_WRONLY | O_TRUNC, mode); }
int creat64(const char* path, mode_t mode) { return open64(path, O_CREAT | O_WRONLY | O_TRUNC, mode); }

int close(int fd) {
  PRAETOR_REAL(close);
  if (is_tracked(fd)) {
    State& s = *state();
    std::lock_guard lock(s.mu);
    s.tracked[fd].store(false, std::memory_order_release);
    s.paths.erase(fd);
  }
  return real_close(fd);
}

ssize_t pwrite(int fd, const void* buf, size_t n, off_t offset) {
  PRAETOR_REAL(pwrite);
  if (!is_tracked(fd)) return real_pwrite(fd, buf, n, offset);
  State& s = *state();
  std::lock_guard lock(s.mu);
  journal_change(s, fd, static_cast<uint64_t>(offset), n);
  ssize_t r = real_pwrite(fd, buf, n, offset);
  maybe_crash(s, fd);
  return r;
}

ssize_t pwrite64(int fd, const void* buf, size_t n, off64_t offset) {
  PRAETOR_REAL(pwrite64);
  if (!is_tracked(fd)) return real_pwrite64(fd, buf, n, offset);
  State& s = *state();
  std::lock_guard lock(s.mu);
  journal_change(s, fd, static_cast<uint64_t>(offset), n);
  ssize_t r = real_pwrite64(fd, buf, n, offset);
  maybe_crash(s, fd);
  return r;
}

ssize_t write(int fd, const void* buf, size_t n) {
  PRAETOR_REAL(write);
  if (!is_tracked(fd)) return real_write(fd, buf, n);
  State& s = *state();
  std::lock_guard lock(s.mu);
  int flags = ::fcntl(fd, F_GETFL);
  off_t at = (flags & O_APPEND) ? static_cast<off_t>(file_size(fd)) : ::lseek(fd, 0, SEEK_CUR);
  journal_change(s, fd, static_cast<uint64_t>(at), n);
  ssize_t r = real_write(fd, buf, n);
  maybe_crash(s, fd);
  return r;
}

int ftruncate(int fd, off_t length) {
  PRAETOR_REAL(ftruncate);
  if (!is_tracked(fd)) return real_ftruncate(fd, length);
  State& s = *state();
  std::lock_guard lock(s.mu);
  // The undo keeps what a shrink cuts off; a growth only changes the size.
  uint64_t at = static_cast<uint64_t>(length);
  journal_change(s, fd, at, at < file_size(fd) ? file_size(fd) - at : 0);
  return real_ftruncate(fd, length);
}

int ftruncate64(int fd, off64_t length) { return ftruncate(fd, static_cast<off_t>(length)); }

int fallocate(int fd, int mode, off_t offset, off_t len) {
  PRAETOR_REAL(fallocate);
  if (!is_tracked(fd)) return real_fallocate(fd, mode, offset, len);
  if (mode != 0 && mode != FALLOC_FL_KEEP_SIZE) unsupported("fallocate (punch/zero/collapse)", fd);
  State& s = *state();
  std::lock_guard lock(s.mu);
  journal_change(s, fd, static_cast<uint64_t>(offset), 0);  // only the size can change
  return real_fallocate(fd, mode, offset, len);
}

int fallocate64(int fd, int mode, off64_t offset, off64_t len) {
  return fallocate(fd, mode, static_cast<off_t>(offset), static_cast<off_t>(len));
}

int posix_fallocate(int fd, off_t offset, off_t len) {
  PRAETOR_REAL(posix_fallocate);
  if (!is_tracked(fd)) return real_posix_fallocate(fd, offset, len);
  State& s = *state();
  std::lock_guard lock(s.mu);
  journal_change(s, fd, static_cast<uint64_t>(offset), 0);
  return real_posix_fallocate(fd, offset, len);
}

int posix_fallocate64(int fd, off64_t offset, off64_t len) {
  return posix_fallocate(fd, static_cast<off_t>(offset), static_cast<off_t>(len));
}

int fsync(int fd) {
  PRAETOR_REAL(fsync);
  return sync_common(fd, real_fsync);
}

int fdatasync(int fd) {
  PRAETOR_REAL(fdatasync);
  return sync_common(fd, real_fdatasync);
}

ssize_t writev(int fd, const struct iovec* iov, int n) {
  PRAETOR_REAL(writev);
  if (is_tracked(fd)) unsupported("writev", fd);
  return real_writev(fd, iov, n);
}

ssize_t pwritev(int fd, const struct iovec* iov, int n, off_t offset) {
  PRAETOR_REAL(pwritev);
  if (is_tracked(fd)) unsupported("pwritev", fd);
  return real_pwritev(fd, iov, n, offset);
}

ssize_t pwritev64(int fd, const struct iovec* iov, int n, off64_t offset) {
  PRAETOR_REAL(pwritev64);
  if (is_tracked(fd)) unsupported("pwritev64", fd);
  return real_pwritev64(fd, iov, n, offset);
}

int sync_file_range(int fd, off64_t offset, off64_t n, unsigned int flags) {
  PRAETOR_REAL(sync_file_range);
  if (is_tracked(fd)) unsupported("sync_file_range", fd);
  return real_sync_file_range(fd, offset, n, flags);
}

int dup(int fd) {
  PRAETOR_REAL(dup);
  if (is_tracked(fd)) unsupported("dup", fd);
  return real_dup(fd);
}

int dup2(int fd, int to) {
  PRAETOR_REAL(dup2);
  if (is_tracked(fd) || is_tracked(to)) unsupported("dup2", fd);
  return real_dup2(fd, to);
}

int dup3(int fd, int to, int flags) {
  PRAETOR_REAL(dup3);
  if (is_tracked(fd) || is_tracked(to)) unsupported("dup3", fd);
  return real_dup3(fd, to, flags);
}

void* mmap(void* addr, size_t len, int prot, int flags, int fd, off_t offset) {
  PRAETOR_REAL(mmap);
  if (is_tracked(fd) && (prot & PROT_WRITE) && (flags & MAP_SHARED)) unsupported("shared writable mmap", fd);
  return real_mmap(addr, len, prot, flags, fd, offset);
}

void* mmap64(void* addr, size_t len, int prot, int flags, int fd, off64_t offset) {
  PRAETOR_REAL(mmap64);
  if (is_tracked(fd) && (prot & PROT_WRITE) && (flags & MAP_SHARED)) unsupported("shared writable mmap", fd);
  return real_mmap64(addr, len, prot, flags, fd, offset);
}

int truncate(const char* path, off_t length) {
  PRAETOR_REAL(truncate);
  State* s = state();
  if (s && std::string(path).rfind(s->dir, 0) == 0) unsupported("truncate by path", -1);
  return real_truncate(path, length);
}

}  // extern "C"
