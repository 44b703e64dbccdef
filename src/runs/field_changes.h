// The payload of Prefect's "updated" events (prefect.work-queue.updated,
// prefect.deployment.updated): {"updated_fields": [...], "updates": {field: {"from", "to"}}}
// over the fields whose value differs between two JSON views of an object.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include <boost/json.hpp>

namespace praetor::runs {

// Each field as the event names it and as the view holds it (e.g. {"infra_overrides",
// "job_variables"}), in the order the payload lists them; an absent key compares as null.
using EventField = std::pair<std::string_view, std::string_view>;

inline std::optional<boost::json::object> changed_fields(const boost::json::object& before,
                                                         const boost::json::object& after,
                                                         std::span<const EventField> fields) {
  boost::json::array names;
  boost::json::object updates;
  for (const auto& [field, key] : fields) {
    const boost::json::value* from = before.if_contains(key);
    const boost::json::value* to = after.if_contains(key);
    boost::json::value from_value = from ? *from : boost::json::value(nullptr);
    boost::json::value to_value = to ? *to : boost::json::value(nullptr);
    if (from_value == to_value) continue;
    names.emplace_back(field);
    updates[field] = boost::json::object{{"from", std::move(from_value)}, {"to", std::move(to_value)}};
  }
  if (names.empty()) return std::nullopt;
  return boost::json::object{{"updated_fields", std::move(names)}, {"updates", std::move(updates)}};
}

}  // namespace praetor::runs
