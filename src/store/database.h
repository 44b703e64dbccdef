// The database a server runs on: an interface with one implementation per backend
// (sqlite_database.h: WAL, readers and one group-committing writer; postgres_database.h: a
// connection pool, one transaction per write). Thread-safe.
//
// Contract shared by both:
//   read(fn)  runs fn in a read transaction (a consistent snapshot).
//   write(fn) runs fn in its own unit of work; it returns only after the work is durably
//             committed. An error result (or exception) rolls back only that fn's changes.
//   write_async(fn, done) is write() without the wait: fn runs as a write would and `done`
//             gets its result once the work is durably committed (or has failed). `done`
//             runs on a thread of the database's choosing (SQLite: the writer thread, after
//             the group's COMMIT; others: the caller's, before write_async returns), so it
//             must be quick and must not wait for another write.
//   write_bulk(fn) is write() for background bulk work (storing events, recording task runs
//             from them): it may wait behind interactive writes, and an interactive write
//             waits behind at most one bulk write (SQLite: interactive writes commit in
//             groups of their own, alternating with single bulk writes while both wait), so
//             an event flood does not queue orchestration behind it. Keep each bulk write
//             small (a few hundred rows).
//   Database failures become Result errors: transient ones (busy, serialization, deadlock,
//   lost connection) kUnavailable (503, retried by clients), constraint ones kConflict.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "config/settings.h"
#include "core/result.h"
#include "store/connection.h"

namespace praetor::store {

class Database {
 public:
  virtual ~Database() = default;

  // Opens or creates the SQLite database file (and its folder) and applies pending
  // migrations. Shorthand for open_database with a SQLite URL.
  static core::Result<std::unique_ptr<Database>> open(const std::string& sqlite_path);

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

  template <class T>
  core::Result<T> write_bulk(const std::function<core::Result<T>(Connection&)>& fn) {
    std::optional<core::Result<T>> out;
    core::Status st = bulk_write_impl([&](Connection& c) -> core::Status {
      out.emplace(fn(c));
      if (!out->ok()) return out->error();
      return core::Ok{};
    });
    if (!st.ok()) return st.error();
    return std::move(*out);
  }

  template <class T>
  void write_async(std::function<core::Result<T>(Connection&)> fn, std::function<void(core::Result<T>)> done) {
    auto out = std::make_shared<std::optional<core::Result<T>>>();
    write_async_impl(
        [fn = std::move(fn), out](Connection& c) -> core::Status {
          out->emplace(fn(c));
          if (!(*out)->ok()) return (*out)->error();
          return core::Ok{};
        },
        [out, done = std::move(done)](core::Status st) {
          if (!st.ok()) return done(st.error());
          done(std::move(**out));
        });
  }

  virtual Dialect dialect() const = 0;
  // The schema version the database was at once opened (after migrating).
  virtual int schema_version() const = 0;
  // Where the data lives, for logs: a file path, or a URL without its password.
  virtual std::string describe() const = 0;

 protected:
  Database() = default;
  virtual core::Status read_impl(const std::function<core::Status(Connection&)>& fn) = 0;
  virtual core::Status write_impl(const std::function<core::Status(Connection&)>& fn) = 0;
  // Default: a write like any other (a backend without one writer has no queue to jump).
  virtual core::Status bulk_write_impl(const std::function<core::Status(Connection&)>& fn) { return write_impl(fn); }
  // Default: runs write_impl on the calling thread, then done.
  virtual void write_async_impl(std::function<core::Status(Connection&)> fn, std::function<void(core::Status)> done) {
    done(write_impl(fn));
  }
};

// Opens the database a URL names and brings its schema up to date (with
// tuning.migrate_on_start false, a schema that is behind is refused instead, naming the
// command that migrates it). A schema newer than this binary knows is always refused.
core::Result<std::unique_ptr<Database>> open_database(const config::DatabaseUrl& url,
                                                      const config::DatabaseTuning& tuning = {});

// Maps a store exception to the error kind the API reports (transient → 503, constraint → 409).
core::Error error_from_exception(const std::exception& e);

}  // namespace praetor::store
