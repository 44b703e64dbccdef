// Flow rows beyond the route kit's (store/model_table.h): get-or-create by name, the reads
// other resources make of a flow, bulk delete. Flows are core::flow_model() objects.
// Functions take the Connection of a Database::read/write call; they throw DatabaseError on
// database failure (turned into Result errors by Database).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "store/connection.h"

namespace praetor::store::flows {

struct CreateResult {
  boost::json::object flow;
  bool created;  // false when a flow of that name already existed
};

// Get-or-create by name, as Prefect's POST /flows/ does. `proposed` carries every field,
// its id and dates included.
CreateResult get_or_create(Connection& c, const boost::json::object& proposed);
std::optional<boost::json::object> read(Connection& c, const std::string& id);
std::optional<boost::json::object> read_by_name(Connection& c, const std::string& name);
// The flow's labels; {} when there is no such flow.
boost::json::object labels(Connection& c, const std::string& id);
// Deletes these flows (their runs cascade) in one statement; returns the ids that existed,
// in the order given.
std::vector<std::string> remove_many(Connection& c, const std::vector<std::string>& ids);

// Helpers shared by repositories: JSON text <-> values.
std::string tags_to_text(const std::vector<std::string>& tags);
std::vector<std::string> tags_from_text(const std::string& text);
boost::json::object object_from_text(const std::string& text);

}  // namespace praetor::store::flows
