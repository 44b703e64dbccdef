// Flow rows. Functions take the Connection of a Database::read/write call; they throw
// DatabaseError on database failure (turned into Result errors by Database).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/flow.h"
#include "store/filters.h"
#include "store/connection.h"

namespace praetor::store::flows {

struct CreateResult {
  core::Flow flow;
  bool created;  // false when a flow of that name already existed
};

// Get-or-create by name, as Prefect's POST /flows/ does.
CreateResult get_or_create(Connection& c, const core::Flow& proposed);
std::optional<core::Flow> read(Connection& c, const std::string& id);
std::optional<core::Flow> read_by_name(Connection& c, const std::string& name);
// Returns false when no such flow. Unset optionals leave columns unchanged.
bool update(Connection& c, const std::string& id, const std::optional<std::vector<std::string>>& tags,
            const std::optional<boost::json::object>& labels, core::Timestamp now);
bool remove(Connection& c, const std::string& id);

// Flows matching a compiled filter (FilterRoot::kFlow), in `order_by` ("ORDER BY …").
std::vector<core::Flow> list(Connection& c, const SqlCondition& where, const std::string& order_by,
                             int64_t limit, int64_t offset);
int64_t count(Connection& c, const SqlCondition& where);
// Deletes these flows (their runs cascade); returns the ids that existed.
std::vector<std::string> remove_many(Connection& c, const std::vector<std::string>& ids);

// Helpers shared by repositories: JSON text <-> values.
std::string tags_to_text(const std::vector<std::string>& tags);
std::vector<std::string> tags_from_text(const std::string& text);
boost::json::object object_from_text(const std::string& text);

// Reads a flow from a row whose columns are id, created, updated, name, tags, labels
// starting at `first`.
core::Flow flow_from_row(Statement& st, int first = 0);
inline constexpr const char* kFlowColumns = "flow.id, flow.created, flow.updated, flow.name, flow.tags, flow.labels";

}  // namespace praetor::store::flows
