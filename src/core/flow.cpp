#include "core/flow.h"

namespace praetor::core {

boost::json::object to_json(const Flow& f) {
  boost::json::array tags;
  for (const auto& t : f.tags) tags.emplace_back(t);
  return {{"id", f.id},
          {"created", format_timestamp(f.created)},
          {"updated", format_timestamp(f.updated)},
          {"name", f.name},
          {"tags", std::move(tags)},
          {"labels", f.labels}};
}

}  // namespace praetor::core
