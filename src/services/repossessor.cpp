#include "services/repossessor.h"

#include <spdlog/spdlog.h>

#include "store/concurrency_repository.h"

namespace praetor::services {

Repossessor::Repossessor(const config::ServiceSettings& settings, store::Database& db, const core::Clock& clock)
    : settings_(settings), db_(db), clock_(clock) {}

void Repossessor::run_once() {
  last_reclaimed_ = 0;
  while (true) {
    auto now = clock_.now();
    auto ids = db_.read<std::vector<std::string>>([&](store::Connection& c) -> core::Result<std::vector<std::string>> {
      return store::concurrency::expired_lease_ids(c, now, kBatchSize);
    });
    if (!ids) {
      log_pass_error(name(), ids.error().message);
      return;
    }
    if (!ids->empty()) spdlog::info("repossessor: reclaiming {} expired concurrency leases", ids->size());
    int64_t reclaimed = 0;
    for (const auto& id : *ids) {
      auto done = db_.write<bool>([&](store::Connection& c) -> core::Result<bool> {
        return store::concurrency::reclaim_expired_lease(c, id, clock_.now());
      });
      if (!done) {
        log_pass_error(name(), "lease " + id + ": " + done.error().message);
        continue;
      }
      if (*done) ++reclaimed;
    }
    last_reclaimed_ += reclaimed;
    if (static_cast<int>(ids->size()) < kBatchSize || reclaimed == 0) break;
  }
}

}  // namespace praetor::services
