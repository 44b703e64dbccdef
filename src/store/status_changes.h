// The work pools, work queues and deployments whose status (READY, NOT_READY, PAUSED) a
// write changed, by id: each change becomes one of Prefect's status events once the write
// commits (runs/readiness_events.h builds them in the same transaction).
#pragma once

#include <string>
#include <vector>

namespace praetor::store {

struct StatusChanges {
  std::vector<std::string> work_pools;
  std::vector<std::string> work_queues;
  std::vector<std::string> deployments;

  bool empty() const { return work_pools.empty() && work_queues.empty() && deployments.empty(); }
  void add(const StatusChanges& more) {
    work_pools.insert(work_pools.end(), more.work_pools.begin(), more.work_pools.end());
    work_queues.insert(work_queues.end(), more.work_queues.begin(), more.work_queues.end());
    deployments.insert(deployments.end(), more.deployments.begin(), more.deployments.end());
  }
};

}  // namespace praetor::store
