// A Database whose backend arrives later: the server listens (so /api/health answers)
// while the real database is opened and migrated in the background. Until set() is called
// every read and write answers kUnavailable (503, which Prefect's client retries) with the
// current status (e.g. "waiting for the schema migration"), so /api/ready says 503 until
// the schema is at the version this binary needs. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/database.h"

namespace praetor::store {

class DeferredDatabase final : public Database {
 public:
  explicit DeferredDatabase(Dialect dialect, std::string description)
      : dialect_(dialect), description_(std::move(description)) {}

  // Installs the opened database; from now on calls go to it.
  void set(std::unique_ptr<Database> db);
  // The message unavailable calls carry until set().
  void set_status(std::string status);
  bool ready() const;

  Dialect dialect() const override { return dialect_; }
  int schema_version() const override;
  std::string describe() const override { return description_; }

 protected:
  core::Status read_impl(const std::function<core::Status(Connection&)>& fn) override;
  core::Status write_impl(const std::function<core::Status(Connection&)>& fn) override;
  core::Status bulk_write_impl(const std::function<core::Status(Connection&)>& fn) override;
  void write_async_impl(std::function<core::Status(Connection&)> fn, std::function<void(core::Status)> done) override;

 private:
  Database* inner() const;

  Dialect dialect_;
  std::string description_;
  mutable std::mutex mu_;
  std::unique_ptr<Database> db_;
  std::string status_ = "database is not open yet";
};

}  // namespace praetor::store
