// The repossessor (Prefect's services/repossessor.py): gives back the slots of concurrency
// leases that expired without renewal or release (a worker or flow process died holding a
// deployment concurrency slot or a global concurrency limit's slots). Each pass lists the
// expired leases and reclaims each in its own write, re-checking under the write that the
// lease still exists and is still expired (it may have been renewed or released since):
// its slots leave its limits (its age is the occupancy sample) and the lease is deleted.
#pragma once

#include <cstdint>

#include "config/settings.h"
#include "core/timestamp.h"
#include "services/service.h"
#include "store/database.h"

namespace praetor::services {

class Repossessor final : public Service {
 public:
  Repossessor(const config::ServiceSettings& settings, store::Database& db, const core::Clock& clock);
  std::string_view name() const override { return "repossessor"; }
  std::chrono::microseconds interval() const override { return seconds(settings_.repossessor_loop_seconds); }
  void run_once() override;
  // Leases reclaimed by the last pass.
  int64_t last_reclaimed() const { return last_reclaimed_; }

  // Leases listed per read; a pass reads again while a full batch made progress.
  static constexpr int kBatchSize = 100;

 private:
  const config::ServiceSettings& settings_;
  store::Database& db_;
  const core::Clock& clock_;
  int64_t last_reclaimed_ = 0;
};

}  // namespace praetor::services
