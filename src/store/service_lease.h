// Which replica runs a background service. Several replicas may share one PostgreSQL
// database, and each service (scheduler, late runs, foreman, …) must run on one of them at a
// time. On PostgreSQL a lease is a session-level advisory lock (pg_try_advisory_lock) taken
// on a connection of its own and held while the service runs: when the process dies its
// session ends, the lock is freed, and another replica's next attempt takes it. SQLite has
// one server process per database file, so its leases are always held.
//
// Dialect-free for callers: services/ asks a LeaseProvider for a lease by service name.
// A ServiceLease is used by one thread (the service's); a LeaseProvider is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "config/settings.h"

namespace praetor::store {

class ServiceLease {
 public:
  virtual ~ServiceLease() = default;
  // True if this process holds the lease now: takes it when it is free, and checks that a
  // lease already held is still alive (a lost session has lost the lock). Never throws;
  // an unreachable database answers false.
  virtual bool acquire() = 0;
  // Gives the lease up (ends the session); acquire() may take it again later.
  virtual void release() = 0;
};

class LeaseProvider {
 public:
  virtual ~LeaseProvider() = default;
  // A lease named after the service; the same name on every replica is the same lease.
  virtual std::unique_ptr<ServiceLease> lease(std::string_view service_name) = 0;
};

// The provider for the configured database: advisory-lock leases on PostgreSQL, leases
// that are always held on SQLite.
std::unique_ptr<LeaseProvider> make_lease_provider(const config::DatabaseUrl& url,
                                                   const config::DatabaseTuning& tuning);

// The second key of a service's advisory lock (the first is kServiceLeaseLockClass): a
// stable 32-bit hash (FNV-1a) of its name, the same in every build and on every replica.
int32_t service_lease_key(std::string_view service_name);
inline constexpr int32_t kServiceLeaseLockClass = 0x50524154;  // "PRAT"

}  // namespace praetor::store
