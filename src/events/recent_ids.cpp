#include "events/recent_ids.h"

namespace praetor::events {

bool RecentIds::insert(const std::string& id) {
  std::lock_guard lock(mu_);
  if (!ids_.insert(id).second) return false;
  order_.push_back(id);
  while (order_.size() > capacity_) {
    ids_.erase(order_.front());
    order_.pop_front();
  }
  return true;
}

void RecentIds::forget(const std::string& id) {
  std::lock_guard lock(mu_);
  ids_.erase(id);  // its entry in order_ ages out as usual
}

}  // namespace praetor::events
