// Prefect's ResourceSpecification (prefect/server/events/schemas/events.py): label name →
// one pattern or a list of patterns. A resource matches when every named label matches one
// of its patterns; an empty specification matches every resource.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "core/result.h"

namespace praetor::automations {

class ResourceSpec {
 public:
  ResourceSpec() = default;
  // From `{"label": "pattern" | ["pattern", ...]}`; anything else is a 422-shaped error.
  static core::Result<ResourceSpec> parse(const boost::json::value& v);

  bool matches_every_resource() const { return labels_.empty(); }
  // One resource (a label map) matches.
  bool matches(const boost::json::object& resource) const;
  // Any of the candidates matches (or the specification is empty).
  bool includes(const std::vector<const boost::json::object*>& candidates) const;
  // The one value `label` must have for a resource to match (a single pattern with no
  // wildcard and no negation); nullopt when the specification allows several or any.
  std::optional<std::string> exact_value(std::string_view label) const;

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> labels_;
};

}  // namespace praetor::automations
