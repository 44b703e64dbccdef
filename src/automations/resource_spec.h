// Prefect's ResourceSpecification (prefect/server/events/schemas/events.py): label name →
// one pattern or a list of patterns. A resource matches when every named label matches one
// of its patterns; an empty specification matches every resource.
#pragma once

#include <string>
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

 private:
  std::vector<std::pair<std::string, std::vector<std::string>>> labels_;
};

}  // namespace praetor::automations
