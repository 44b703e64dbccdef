#include "store/deferred_database.h"

namespace praetor::store {

namespace {
// Database::read/write wrap fn in their own Result; forwarding a Status-returning fn keeps
// the inner database's transaction semantics unchanged.
std::function<core::Result<core::Ok>(Connection&)> as_result(const std::function<core::Status(Connection&)>& fn) {
  return [&fn](Connection& c) -> core::Result<core::Ok> {
    core::Status st = fn(c);
    if (!st.ok()) return st.error();
    return core::Ok{};
  };
}
// The same, owning fn (an async write outlives its caller's frame).
std::function<core::Result<core::Ok>(Connection&)> as_result_owned(std::function<core::Status(Connection&)> fn) {
  return [fn = std::move(fn)](Connection& c) -> core::Result<core::Ok> {
    core::Status st = fn(c);
    if (!st.ok()) return st.error();
    return core::Ok{};
  };
}
}  // namespace

void DeferredDatabase::set(std::unique_ptr<Database> db) {
  std::lock_guard lock(mu_);
  db_ = std::move(db);
}

void DeferredDatabase::set_status(std::string status) {
  std::lock_guard lock(mu_);
  status_ = std::move(status);
}

bool DeferredDatabase::ready() const { return inner() != nullptr; }

Database* DeferredDatabase::inner() const {
  std::lock_guard lock(mu_);
  return db_.get();
}

int DeferredDatabase::schema_version() const {
  Database* db = inner();
  return db ? db->schema_version() : 0;
}

core::Status DeferredDatabase::read_impl(const std::function<core::Status(Connection&)>& fn) {
  Database* db = inner();
  if (!db) {
    std::lock_guard lock(mu_);
    return core::Error::unavailable(status_);
  }
  auto r = db->read<core::Ok>(as_result(fn));
  if (!r) return r.error();
  return core::Ok{};
}

core::Status DeferredDatabase::write_impl(const std::function<core::Status(Connection&)>& fn) {
  Database* db = inner();
  if (!db) {
    std::lock_guard lock(mu_);
    return core::Error::unavailable(status_);
  }
  auto r = db->write<core::Ok>(as_result(fn));
  if (!r) return r.error();
  return core::Ok{};
}

core::Status DeferredDatabase::bulk_write_impl(const std::function<core::Status(Connection&)>& fn) {
  Database* db = inner();
  if (!db) {
    std::lock_guard lock(mu_);
    return core::Error::unavailable(status_);
  }
  auto r = db->write_bulk<core::Ok>(as_result(fn));
  if (!r) return r.error();
  return core::Ok{};
}

void DeferredDatabase::write_async_impl(std::function<core::Status(Connection&)> fn,
                                        std::function<void(core::Status)> done) {
  Database* db = inner();
  if (!db) {
    std::string status;
    {
      std::lock_guard lock(mu_);
      status = status_;
    }
    return done(core::Error::unavailable(std::move(status)));
  }
  db->write_async<core::Ok>(as_result_owned(std::move(fn)), [done = std::move(done)](core::Result<core::Ok> r) {
    if (!r) return done(r.error());
    done(core::Ok{});
  });
}

}  // namespace praetor::store
