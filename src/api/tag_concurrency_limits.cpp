// /api/concurrency_limits routes (Prefect's api/concurrency_limits.py): tag concurrency
// limits, which Prefect 3.9.1 serves as an adapter over global limits. The tag `x` is the
// global limit "tag:x"; its active slots are the task runs holding leases over it; v1
// acquisitions hold ~100-year leases since v1 clients cannot renew them. Task runs of the SDK
// take their tag slots through /v2/concurrency_limits/increment-with-lease on the same limits.
//
// One deliberate difference: resetting a tag (or deleting it) revokes the leases over it
// *and frees the slots they held*. Prefect 3.9.1 revokes them without freeing the slots, so
// after `prefect concurrency-limit reset` its limit stays full and tagged tasks wait forever.
#include <algorithm>
#include <variant>

#include "api/list_request.h"
#include "api/routes.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "store/tag_concurrency_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;
namespace cl = store::concurrency;

namespace {

constexpr const char* kNotFound = "Concurrency limit not found";

// Prefect's ConcurrencyLimit (v1) response.
json::object tag_limit_json(const cl::Limit& l, const std::string& tag, const std::vector<std::string>& holders) {
  json::array slots;
  for (const auto& id : holders) slots.emplace_back(id);
  return json::object{{"id", l.id},
                      {"created", core::format_timestamp(l.created)},
                      {"updated", core::format_timestamp(l.updated)},
                      {"tag", tag},
                      {"concurrency_limit", l.limit},
                      {"active_slots", std::move(slots)}};
}

struct TagLimitView {
  cl::Limit limit;
  std::string tag;
  std::vector<std::string> holders;
};

TagLimitView view_of(Connection& c, cl::Limit limit, core::Timestamp now) {
  std::string tag = cl::tag_of_limit_name(limit.name).value_or(limit.name);
  auto holders = cl::task_run_holders(c, limit.id, now);
  return TagLimitView{std::move(limit), std::move(tag), std::move(holders)};
}

Response view_response(int status, const TagLimitView& v) {
  return json_response(status, tag_limit_json(v.limit, v.tag, v.holders));
}

// The "tag:" limit with this id or tag, or nullopt.
std::optional<cl::Limit> find_tag_limit(Connection& c, const std::string& key, bool is_id, core::Timestamp now) {
  auto limit = cl::read(c, is_id ? key : cl::tag_limit_name(key), is_id, now);
  if (!limit || !cl::tag_of_limit_name(limit->name)) return std::nullopt;
  return limit;
}

// Prefect's `Name` rule on the limit's name, reported on the tag.
void check_tag(const std::optional<std::string>& tag, core::FieldReader& r) {
  if (tag && tag->find_first_of("/%&><") != std::string::npos) {
    r.add_error("tag", "value_error", "Value error, Name must not contain '/', '%', '&', '>' or '<'.", json::value(*tag));
  }
}

core::Result<Response> create_tag_limit(ApiContext& ctx, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader r(*body, json::array{"body"});
  auto tag = r.string("tag", true);
  auto limit = r.integer("concurrency_limit", true);
  check_tag(tag, r);
  if (!r.ok()) return r.error();
  auto now = ctx.clock.now();
  auto created = ctx.db.write<std::pair<bool, TagLimitView>>(
      [&](Connection& c) -> core::Result<std::pair<bool, TagLimitView>> {
        const std::string name = cl::tag_limit_name(*tag);
        bool existed = cl::read(c, name, false, now).has_value();
        if (existed) {
          cl::LimitUpdate u;
          u.limit = *limit;
          cl::update(c, name, false, u, now);
        } else {
          cl::Limit l;
          l.id = core::new_uuid4();
          l.created = l.updated = now;
          l.name = name;
          l.limit = *limit;
          cl::create(c, l);
        }
        return std::pair{existed, view_of(c, *cl::read(c, name, false, now), now)};
      });
  if (!created) return created.error();
  return view_response(created->first ? 200 : 201, created->second);
}

core::Result<Response> read_tag_limit(ApiContext& ctx, const std::string& key, bool is_id) {
  auto now = ctx.clock.now();
  auto view = ctx.db.read<std::optional<TagLimitView>>([&](Connection& c) -> core::Result<std::optional<TagLimitView>> {
    auto limit = find_tag_limit(c, key, is_id, now);
    if (!limit) return std::optional<TagLimitView>{};
    return std::optional<TagLimitView>(view_of(c, std::move(*limit), now));
  });
  if (!view) return view.error();
  if (!*view) return core::Error::not_found(kNotFound);
  return view_response(200, **view);
}

// Prefect reads `offset + limit` global limits by name, keeps the "tag:" ones and answers
// [offset, offset + limit) of those.
core::Result<Response> filter_tag_limits(ApiContext& ctx, const Request& req) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  auto page = read_pagination(*body, ctx.settings.default_limit);
  if (!page) return page.error();
  auto now = ctx.clock.now();
  auto views = ctx.db.read<std::vector<TagLimitView>>([&](Connection& c) -> core::Result<std::vector<TagLimitView>> {
    std::vector<TagLimitView> out;
    int64_t skipped = 0;
    for (auto& l : cl::list(c, page->limit + page->offset, 0, now)) {
      if (!cl::tag_of_limit_name(l.name)) continue;
      if (skipped++ < page->offset) continue;
      if (static_cast<int64_t>(out.size()) >= page->limit) break;
      out.push_back(view_of(c, std::move(l), now));
    }
    return out;
  });
  if (!views) return views.error();
  json::array out;
  for (const auto& v : *views) out.emplace_back(tag_limit_json(v.limit, v.tag, v.holders));
  return json_response(200, out);
}

// Body {"slot_override": [task run ids] | null}: the leases over the limit are revoked, then
// each listed task run gets a slot (when one is free) under a v1 lease.
core::Result<Response> reset_tag_limit(ApiContext& ctx, const Request& req, const std::string& tag) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  json::value body_value(*body);
  core::FieldReader r(body_value, json::array{"body"});
  auto overrides = r.uuid_list("slot_override");
  if (!r.ok()) return r.error();
  auto now = ctx.clock.now();
  auto found = ctx.db.write<bool>([&](Connection& c) -> core::Result<bool> {
    auto limit = find_tag_limit(c, tag, false, now);
    if (!limit) return false;
    cl::revoke_leases_over(c, limit->id, now);
    for (const auto& task_run_id : overrides.value_or(std::vector<std::string>{})) {
      cl::take_slots(c, {limit->id}, 1, now);
      cl::create_lease(c, {limit->id}, 1, cl::kTagLeaseSeconds, json::object{{"type", "task_run"}, {"id", task_run_id}},
                       now);
    }
    return true;
  });
  if (!found) return found.error();
  if (!*found) return core::Error::not_found(kNotFound);
  return json_response(200, nullptr);
}

core::Result<Response> delete_tag_limit(ApiContext& ctx, const std::string& key, bool is_id) {
  auto now = ctx.clock.now();
  auto found = ctx.db.write<bool>([&](Connection& c) -> core::Result<bool> {
    // By id, Prefect deletes whichever global limit has it, "tag:" or not.
    auto limit = is_id ? cl::read(c, key, true, now) : find_tag_limit(c, key, false, now);
    if (!limit) return false;
    cl::revoke_leases_over(c, limit->id, now);
    return cl::remove(c, limit->id, true);
  });
  if (!found) return found.error();
  if (!*found) return core::Error::not_found(kNotFound);
  return json_response(200, nullptr);
}

struct SlotRequest {
  std::vector<std::string> tags;
  std::string task_run_id;
};

core::Result<SlotRequest> read_slot_request(const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader r(*body, json::array{"body"});
  auto names = r.string_list("names", true);
  auto task_run_id = r.uuid("task_run_id", true);
  if (!r.ok()) return r.error();
  return SlotRequest{std::move(*names), std::move(*task_run_id)};
}

json::array minimal_json(const std::vector<std::pair<cl::Limit, std::string>>& limits) {
  json::array out;
  for (const auto& [l, name] : limits) out.emplace_back(json::object{{"id", l.id}, {"name", name}, {"limit", l.limit}});
  return out;
}

Response locked(std::string detail, std::optional<double> retry_after) {
  Response r = json_response(423, json::object{{"detail", std::move(detail)}});
  if (retry_after) r.headers.emplace_back("Retry-After", core::to_json_text(json::value(*retry_after)));
  return r;
}

struct Refusal {
  std::string detail;
  bool retry = false;  // a full limit (Retry-After) rather than a zero limit
};
using IncrementOutcome = std::variant<std::vector<std::pair<cl::Limit, std::string>>, Refusal>;

// A slot on every active "tag:" limit of the tags, all or none, under one v1 lease held by
// the task run. A tag whose limit is 0 refuses outright (it would deadlock).
core::Result<Response> increment_tags(ApiContext& ctx, const Request& req) {
  auto request = read_slot_request(req);
  if (!request) return request.error();
  auto now = ctx.clock.now();
  auto outcome = ctx.db.write<IncrementOutcome>([&](Connection& c) -> core::Result<IncrementOutcome> {
    std::vector<std::string> names;
    for (const auto& tag : request->tags) names.push_back(cl::tag_limit_name(tag));
    auto found = cl::read_by_names(c, names, now);
    auto by_tag = [&](const std::string& tag) -> const cl::Limit* {
      for (const auto& l : found) {
        if (l.name == cl::tag_limit_name(tag)) return &l;
      }
      return nullptr;
    };
    for (const auto& tag : request->tags) {
      if (const auto* l = by_tag(tag); l && l->limit == 0) {
        return IncrementOutcome{Refusal{"The concurrency limit on tag \"" + tag + "\" is 0 and will deadlock if the task tries to run again."}};
      }
    }
    std::vector<std::string> ids;
    std::vector<std::pair<cl::Limit, std::string>> taken;
    for (const auto& tag : request->tags) {
      const auto* l = by_tag(tag);
      if (!l || !l->active) continue;
      if (std::find(ids.begin(), ids.end(), l->id) != ids.end()) continue;
      ids.push_back(l->id);
      taken.emplace_back(*l, tag);
    }
    if (ids.empty()) return IncrementOutcome{std::move(taken)};
    // The rows are locked (read_by_names), so a limit with room now still has it below.
    for (const auto& [l, tag] : taken) {
      if (l.decayed_active_slots + 1 > l.limit) {
        // Prefect names the first tag it tried, whichever limit was full.
        return IncrementOutcome{Refusal{"Concurrency limit for the " + taken.front().second + " tag has been reached", true}};
      }
    }
    cl::take_slots(c, ids, 1, now);
    cl::create_lease(c, ids, 1, cl::kTagLeaseSeconds, json::object{{"type", "task_run"}, {"id", request->task_run_id}},
                     now);
    return IncrementOutcome{std::move(taken)};
  });
  if (!outcome) return outcome.error();
  if (auto* refusal = std::get_if<Refusal>(&*outcome)) {
    return locked(refusal->detail, refusal->retry ? std::optional(ctx.settings.tag_concurrency_slot_wait_seconds)
                                                  : std::nullopt);
  }
  return json_response(200, minimal_json(std::get<0>(*outcome)));
}

// Frees the slots of the task run's leases over the tags' limits. Answers every "tag:" limit
// of the tags that exists, under its global name (as Prefect does, unlike /increment).
core::Result<Response> decrement_tags(ApiContext& ctx, const Request& req) {
  auto request = read_slot_request(req);
  if (!request) return request.error();
  auto now = ctx.clock.now();
  auto limits = ctx.db.write<std::vector<cl::Limit>>([&](Connection& c) -> core::Result<std::vector<cl::Limit>> {
    std::vector<std::string> names;
    for (const auto& tag : request->tags) names.push_back(cl::tag_limit_name(tag));
    auto found = cl::read_by_names(c, names, now);
    std::vector<std::string> ids;
    for (const auto& l : found) ids.push_back(l.id);
    cl::release_task_run_leases(c, ids, request->task_run_id, now);
    return found;
  });
  if (!limits) return limits.error();
  std::vector<std::pair<cl::Limit, std::string>> named;
  for (const auto& l : *limits) named.emplace_back(l, l.name);
  return json_response(200, minimal_json(named));
}

}  // namespace

void register_tag_concurrency_limit_routes(Router& router, ApiContext& ctx) {
  const std::string base = "/api/concurrency_limits";
  router.add("POST", base + "/", [&ctx](const Request& req, const PathParams&) { return create_tag_limit(ctx, req); });
  router.add("POST", base + "/filter",
             [&ctx](const Request& req, const PathParams&) { return filter_tag_limits(ctx, req); });
  router.add("POST", base + "/increment",
             [&ctx](const Request& req, const PathParams&) { return increment_tags(ctx, req); });
  router.add("POST", base + "/decrement",
             [&ctx](const Request& req, const PathParams&) { return decrement_tags(ctx, req); });
  router.add("GET", base + "/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return read_tag_limit(ctx, p.at("id"), true); });
  router.add("DELETE", base + "/{id:uuid}",
             [&ctx](const Request&, const PathParams& p) { return delete_tag_limit(ctx, p.at("id"), true); });
  router.add("GET", base + "/tag/{tag}",
             [&ctx](const Request&, const PathParams& p) { return read_tag_limit(ctx, p.at("tag"), false); });
  router.add("DELETE", base + "/tag/{tag}",
             [&ctx](const Request&, const PathParams& p) { return delete_tag_limit(ctx, p.at("tag"), false); });
  router.add("POST", base + "/tag/{tag}/reset",
             [&ctx](const Request& req, const PathParams& p) { return reset_tag_limit(ctx, req, p.at("tag")); });
}

}  // namespace praetor::api
