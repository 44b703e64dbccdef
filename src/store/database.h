// The SQLite database: WAL mode, a pool of reader connections, and one writer thread that
// commits queued write transactions in groups so one fsync serves many requests
// (DESIGN.md §3). Thread-safe. A write returns only after its group has committed durably.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "store/sqlite_connection.h"

namespace praetor::store {

class Database {
 public:
  // Opens or creates the database file (and its folder) and applies pending migrations.
  static core::Result<std::unique_ptr<Database>> open(const std::string& path);
  ~Database();  // drains queued writes, then stops the writer

  // Runs `fn` inside a read transaction on a pooled connection: a consistent snapshot.
  template <class T>
  core::Result<T> read(const std::function<core::Result<T>(Connection&)>& fn) {
    std::optional<core::Result<T>> out;
    core::Status st = read_impl([&](Connection& c) -> core::Status {
      out.emplace(fn(c));
      if (!out->ok()) return out->error();
      return core::Ok{};
    });
    if (!st.ok()) return st.error();
    return std::move(*out);
  }

  // Queues `fn` for the writer. It runs in a savepoint inside a group transaction: if it
  // returns an error or throws, only its own changes roll back. Returns after the group's
  // COMMIT, so a success is durable.
  template <class T>
  core::Result<T> write(const std::function<core::Result<T>(Connection&)>& fn) {
    std::optional<core::Result<T>> out;
    core::Status st = write_impl([&](Connection& c) -> core::Status {
      out.emplace(fn(c));
      if (!out->ok()) return out->error();
      return core::Ok{};
    });
    if (!st.ok()) return st.error();
    return std::move(*out);
  }

  const std::string& path() const { return path_; }
  int schema_version() const { return schema_version_; }

 private:
  struct WriteJob;
  explicit Database(std::string path);
  core::Status read_impl(const std::function<core::Status(Connection&)>& fn);
  core::Status write_impl(const std::function<core::Status(Connection&)>& fn);
  void writer_loop();
  std::unique_ptr<Connection> acquire_reader();
  void release_reader(std::unique_ptr<Connection> c);

  std::string path_;
  int schema_version_ = 0;

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> readers_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<WriteJob*> queue_;
  bool stopping_ = false;
  std::unique_ptr<Connection> writer_conn_;
  std::thread writer_;
};

// Maps a store exception to the error kind the API reports (busy → 503, constraint → 409).
core::Error error_from_exception(const std::exception& e);

}  // namespace praetor::store
