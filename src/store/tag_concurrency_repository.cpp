#include "store/tag_concurrency_repository.h"

#include <algorithm>

#include <boost/json.hpp>

namespace praetor::store::concurrency {

namespace json = boost::json;

namespace {

constexpr std::string_view kTagPrefix = "tag:";

struct LeaseRow {
  std::string id;
  std::vector<std::string> resource_ids;
  int64_t slots = 0;
  json::value holder;  // null or {"type","id"}
};

// The live leases over `limit_id`, oldest first. The lease table holds only unexpired and
// not yet reclaimed leases, so the scan stays small.
std::vector<LeaseRow> live_leases_over(Connection& c, const std::string& limit_id, core::Timestamp now) {
  auto& st = c.prepare(
      "SELECT id, resource_ids, slots, metadata FROM concurrency_lease WHERE expiration > ?1 AND EXISTS "
      "(SELECT 1 FROM json_each(concurrency_lease.resource_ids) WHERE value = ?2) ORDER BY created, id");
  st.bind(1, core::to_micros(now)).bind(2, limit_id);
  std::vector<LeaseRow> out;
  while (st.step()) {
    LeaseRow row;
    row.id = st.column_text(0);
    boost::system::error_code ec;
    json::value resources = json::parse(st.column_text(1), ec);
    if (!ec && resources.is_array()) {
      for (const auto& v : resources.get_array()) {
        if (v.is_string()) row.resource_ids.emplace_back(v.get_string());
      }
    }
    row.slots = st.column_int(2);
    json::value metadata = json::parse(st.column_text(3), ec);
    if (!ec && metadata.is_object()) {
      if (const auto* h = metadata.get_object().if_contains("holder"); h && h->is_object()) row.holder = *h;
    }
    out.push_back(std::move(row));
  }
  st.reset();
  return out;
}

std::string holder_field(const json::value& holder, std::string_view key) {
  if (!holder.is_object()) return {};
  const auto* v = holder.get_object().if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

void release(Connection& c, const LeaseRow& lease, core::Timestamp now) {
  free_slots(c, lease.resource_ids, lease.slots, now);
  revoke_lease(c, lease.id);
}

}  // namespace

std::string tag_limit_name(const std::string& tag) { return std::string(kTagPrefix) + tag; }

std::optional<std::string> tag_of_limit_name(const std::string& name) {
  if (name.rfind(kTagPrefix, 0) != 0) return std::nullopt;
  return name.substr(kTagPrefix.size());
}

std::vector<std::string> task_run_holders(Connection& c, const std::string& limit_id, core::Timestamp now) {
  std::vector<std::string> ids;
  for (const auto& lease : live_leases_over(c, limit_id, now)) {
    if (holder_field(lease.holder, "type") == "task_run") ids.push_back(holder_field(lease.holder, "id"));
  }
  return ids;
}

int revoke_leases_over(Connection& c, const std::string& limit_id, core::Timestamp now) {
  auto leases = live_leases_over(c, limit_id, now);
  for (const auto& lease : leases) release(c, lease, now);
  return static_cast<int>(leases.size());
}

void release_task_run_leases(Connection& c, const std::vector<std::string>& limit_ids, const std::string& task_run_id,
                             core::Timestamp now) {
  std::vector<std::string> released;
  for (const auto& limit_id : limit_ids) {
    for (const auto& lease : live_leases_over(c, limit_id, now)) {
      if (holder_field(lease.holder, "id") != task_run_id) continue;
      if (std::find(released.begin(), released.end(), lease.id) != released.end()) continue;
      release(c, lease, now);
      released.push_back(lease.id);
    }
  }
}

}  // namespace praetor::store::concurrency
