#include "store/observed_states.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

namespace praetor::store::observed_states {

namespace {

void collect(Connection& c, const std::string& table, std::map<std::pair<std::string, std::string>, ObservedState>& out) {
  auto& first = c.prepare("SELECT type, name FROM " + table + " ORDER BY type, name LIMIT 1");
  auto& next = c.prepare("SELECT type, name FROM " + table +
                         " WHERE (type, name) > (?1, ?2) ORDER BY type, name LIMIT 1");
  auto& bounds = c.prepare("SELECT MIN(timestamp), MAX(timestamp) FROM " + table + " WHERE type = ?1 AND name = ?2");
  std::optional<std::pair<std::string, std::string>> pair;
  if (first.step()) pair.emplace(first.column_text(0), first.column_text(1));
  first.reset();
  while (pair) {
    bounds.bind(1, pair->first).bind(2, pair->second);
    if (bounds.step() && !bounds.is_null(0)) {
      auto lo = core::from_micros(bounds.column_int(0));
      auto hi = core::from_micros(bounds.column_int(1));
      auto [it, inserted] = out.try_emplace(*pair, ObservedState{pair->first, pair->second, lo, hi});
      if (!inserted) {
        it->second.first_seen = std::min(it->second.first_seen, lo);
        it->second.last_seen = std::max(it->second.last_seen, hi);
      }
    }
    bounds.reset();
    next.bind(1, pair->first).bind(2, pair->second);
    if (next.step()) {
      pair.emplace(next.column_text(0), next.column_text(1));
    } else {
      pair.reset();
    }
    next.reset();
  }
}

}  // namespace

std::vector<ObservedState> list(Connection& c) {
  std::map<std::pair<std::string, std::string>, ObservedState> merged;
  collect(c, "flow_run_state", merged);
  collect(c, "task_run_state", merged);
  std::vector<ObservedState> out;
  out.reserve(merged.size());
  for (auto& [_, s] : merged) out.push_back(std::move(s));
  return out;
}

}  // namespace praetor::store::observed_states
