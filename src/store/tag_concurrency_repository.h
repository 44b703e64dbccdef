// Tag concurrency limits (Prefect's v1 `/concurrency_limits` API) as Prefect 3.9.1 maps
// them onto global limits: the tag `x` is the limit named "tag:x", its "active slots" are
// the task runs holding live leases over that limit. Functions take the Connection of a
// Database::read/write call and throw DatabaseError on database failure.
#pragma once

#include <string>
#include <vector>

#include "core/timestamp.h"
#include "store/concurrency_repository.h"
#include "store/connection.h"

namespace praetor::store::concurrency {

// The global limit's name for a tag ("tag:" + tag), and the tag of such a name.
std::string tag_limit_name(const std::string& tag);
std::optional<std::string> tag_of_limit_name(const std::string& name);

// Prefect's V1_LEASE_TTL: v1 clients cannot renew leases, so theirs last ~100 years.
constexpr double kTagLeaseSeconds = 100.0 * 365 * 86400;

// Ids of the task runs holding live leases (expiration > now) over `limit_id`, oldest lease
// first (list_holders_for_limit, holders of type "task_run").
std::vector<std::string> task_run_holders(Connection& c, const std::string& limit_id, core::Timestamp now);

// Revokes every live lease over `limit_id` and frees the slots each held (reset and delete
// of a tag limit); returns how many.
int revoke_leases_over(Connection& c, const std::string& limit_id, core::Timestamp now);

// The v1 decrement: every live lease over one of `limit_ids` held by the task run
// `task_run_id` frees its slots on all its limits and is deleted.
void release_task_run_leases(Connection& c, const std::vector<std::string>& limit_ids, const std::string& task_run_id,
                             core::Timestamp now);

}  // namespace praetor::store::concurrency
