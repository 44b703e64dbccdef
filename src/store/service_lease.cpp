#include "store/service_lease.h"

#include <spdlog/spdlog.h>

#include "store/postgres_connection.h"
#include "store/postgres_database.h"

namespace praetor::store {

int32_t service_lease_key(std::string_view service_name) {
  uint32_t h = 2166136261u;
  for (unsigned char ch : service_name) {
    h ^= ch;
    h *= 16777619u;
  }
  return static_cast<int32_t>(h);
}

namespace {

class AlwaysHeldLease final : public ServiceLease {
 public:
  bool acquire() override { return true; }
  void release() override {}
};

class LocalLeaseProvider final : public LeaseProvider {
 public:
  std::unique_ptr<ServiceLease> lease(std::string_view) override { return std::make_unique<AlwaysHeldLease>(); }
};

// Holds pg_try_advisory_lock(class, key) on a dedicated session. The lock lives exactly as
// long as the session, so "still held" is "the session still answers".
class AdvisoryLease final : public ServiceLease {
 public:
  AdvisoryLease(std::string conninfo, std::string name)
      : conninfo_(std::move(conninfo)), name_(std::move(name)), key_(service_lease_key(name_)) {}

  bool acquire() override {
    try {
      if (held_) {
        session_->prepare("SELECT 1").run();
        return true;
      }
      if (!session_) session_ = std::make_unique<PostgresConnection>(conninfo_, 0);
      auto& st = session_->prepare("SELECT pg_try_advisory_lock(?1::int4, ?2::int4)");
      st.bind(1, static_cast<int64_t>(kServiceLeaseLockClass)).bind(2, static_cast<int64_t>(key_));
      held_ = st.step() && st.column_int(0) != 0;
      st.reset();
      return held_;
    } catch (const std::exception& e) {
      if (held_) spdlog::warn("service {}: lease session lost: {}", name_, e.what());
      held_ = false;  // the session is gone: nothing to unlock
      release();
      return false;
    }
  }

  // Unlocks before ending the session: the server frees a closed session's locks only once
  // its backend notices the disconnect, so another replica could be refused for a moment.
  void release() override {
    if (held_ && session_) {
      try {
        auto& st = session_->prepare("SELECT pg_advisory_unlock(?1::int4, ?2::int4)");
        st.bind(1, static_cast<int64_t>(kServiceLeaseLockClass)).bind(2, static_cast<int64_t>(key_));
        st.step();
        st.reset();
      } catch (const std::exception& e) {
        spdlog::warn("service {}: unlocking its lease failed ({}); ending the session frees it", name_, e.what());
      }
    }
    held_ = false;
    session_.reset();
  }

 private:
  std::string conninfo_;
  std::string name_;
  int32_t key_;
  std::unique_ptr<PostgresConnection> session_;
  bool held_ = false;
};

class AdvisoryLeaseProvider final : public LeaseProvider {
 public:
  explicit AdvisoryLeaseProvider(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  std::unique_ptr<ServiceLease> lease(std::string_view name) override {
    return std::make_unique<AdvisoryLease>(conninfo_, std::string(name));
  }

 private:
  std::string conninfo_;
};

}  // namespace

std::unique_ptr<LeaseProvider> make_lease_provider(const config::DatabaseUrl& url,
                                                   const config::DatabaseTuning& tuning) {
  if (url.dialect != config::DatabaseUrl::Dialect::kPostgres) return std::make_unique<LocalLeaseProvider>();
  return std::make_unique<AdvisoryLeaseProvider>(postgres_conninfo(url, tuning.connect_timeout_seconds));
}

}  // namespace praetor::store
