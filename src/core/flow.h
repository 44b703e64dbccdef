// A flow: a named unit of work; its runs reference it by id.
#pragma once

#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/timestamp.h"

namespace praetor::core {

struct Flow {
  std::string id;
  Timestamp created;
  Timestamp updated;
  std::string name;
  std::vector<std::string> tags;
  boost::json::object labels;
};

// Prefect's `Flow` response shape.
boost::json::object to_json(const Flow& f);

}  // namespace praetor::core
