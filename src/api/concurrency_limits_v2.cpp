// /api/v2/concurrency_limits routes (Prefect's api/concurrency_limits_v2.py): the route
// kit's create, read, update, delete and filter over core::concurrency_limit_v2_model(),
// then slot acquisition with and without leases and lease renewal.
#include <charconv>
#include <cmath>
#include <random>

#include "api/list_request.h"
#include "api/resource_routes.h"
#include "api/routes.h"
#include "core/concurrency_limit.h"
#include "core/json_util.h"
#include "store/concurrency_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;
namespace cl = store::concurrency;

namespace {

json::array minimal_limits_json(const std::vector<cl::Limit>& limits) {
  json::array out;
  for (const auto& l : limits) out.emplace_back(json::object{{"id", l.id}, {"name", l.name}, {"limit", l.limit}});
  return out;
}

json::object ctx_of(std::string_view key, json::value v) { return json::object{{key, std::move(v)}}; }

json::object bound_error(std::string_view key, std::string_view type, const std::string& msg, json::value input,
                         json::object ctx) {
  return json::object{{"type", type},
                      {"loc", json::array{"body", key}},
                      {"msg", msg},
                      {"input", std::move(input)},
                      {"ctx", std::move(ctx)}};
}

// Merges FieldReader errors and bound errors into one 422, or nullopt when none.
std::optional<core::Error> collect(const core::FieldReader& r, json::array extra) {
  json::array all;
  if (!r.ok()) {
    core::Error e = r.error();
    for (auto& x : e.detail.as_array()) all.push_back(x);
  }
  for (auto& x : extra) all.push_back(x);
  if (all.empty()) return std::nullopt;
  core::Error e = core::Error::invalid("Invalid request received.");
  e.detail = std::move(all);
  return e;
}

// GlobalConcurrencyLimitResponse, what the read and list routes answer: the stored limit
// with its active slots after decay at the read (_global_concurrency_limit_response),
// without denied_slots or avg_slot_occupancy_seconds.
json::array decayed_responses(ApiContext& ctx, Connection& c, json::array stored) {
  std::vector<std::string> ids;
  for (const auto& o : stored) ids.emplace_back(o.at("id").get_string());
  auto active_slots = cl::decayed_active_slots(c, ids, ctx.clock.now());
  json::array out;
  for (const auto& v : stored) {
    const json::object& o = v.get_object();
    auto decayed = active_slots.find(std::string(o.at("id").get_string()));
    json::value slots = decayed != active_slots.end() ? json::value(decayed->second) : o.at("active_slots");
    out.emplace_back(json::object{{"id", o.at("id")},
                                  {"created", o.at("created")},
                                  {"updated", o.at("updated")},
                                  {"active", o.at("active")},
                                  {"name", o.at("name")},
                                  {"limit", o.at("limit")},
                                  {"active_slots", std::move(slots)},
                                  {"slot_decay_per_second", o.at("slot_decay_per_second")}});
  }
  return out;
}

// read_all_concurrency_limits_v2 takes only limit and offset: no filter, no sort, by name.
ListQuery all_by_name() {
  return {[](const json::object&) -> core::Result<store::SqlCondition> { return store::SqlCondition{}; },
          [](const json::value*) -> core::Result<std::string> {
            return std::string("ORDER BY concurrency_limit_v2.name");
          }};
}

// utilities/math.py clamped_poisson_interval: an exponential variate around `average`,
// clamped to [lower, 1.3 × average] so the mean stays near `average`. Spreads retries.
double clamped_poisson_interval(double average) {
  if (average <= 0) return 0.0;
  constexpr double kUpperMultiple = 1.3;
  double lower_multiple = std::log2(std::pow(2.0, kUpperMultiple) / (std::pow(2.0, kUpperMultiple) - 1));
  auto cdf = [&](double x) { return 1 - std::exp(-x / average); };
  double lo = cdf(average * lower_multiple), hi = cdf(average * kUpperMultiple);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  double u = std::uniform_real_distribution<double>(lo, hi)(rng);
  return -std::log(std::max(1 - u, 1e-10)) * average;
}

std::string python_float(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

// The body shared by /increment and /increment-with-lease.
core::Result<cl::AcquireRequest> read_acquire_body(const Request& req, bool with_lease) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader r(*body, json::array{"body"});
  json::array extra;
  cl::AcquireRequest a;
  auto slots = r.integer("slots", true);
  if (slots && *slots <= 0) {
    extra.push_back(bound_error("slots", "greater_than", "Input should be greater than 0", *slots, ctx_of("gt", 0)));
  }
  auto names = r.string_list("names", true);
  if (names && names->empty()) {
    extra.push_back(bound_error("names", "too_short", "List should have at least 1 item after validation, not 0",
                                json::array{},
                                json::object{{"field_type", "List"}, {"min_length", 1}, {"actual_length", 0}}));
  }
  std::string mode = "concurrency";
  if (const json::value* m = r.raw("mode"); m && !m->is_null()) {
    if (m->is_string() && (m->get_string() == "concurrency" || m->get_string() == "rate_limit")) {
      mode = std::string(m->get_string());
    } else {
      extra.push_back(bound_error("mode", "literal_error", "Input should be 'concurrency' or 'rate_limit'", *m,
                                  ctx_of("expected", "'concurrency' or 'rate_limit'")));
    }
  }
  if (with_lease) {
    auto duration = r.number("lease_duration");
    if (duration && *duration < 60) {
      extra.push_back(bound_error("lease_duration", "greater_than_equal", "Input should be greater than or equal to 60",
                                  *duration, ctx_of("ge", 60.0)));
    } else if (duration && *duration > 86400) {
      extra.push_back(bound_error("lease_duration", "less_than_equal",
                                  "Input should be less than or equal to 86400", *duration, ctx_of("le", 86400.0)));
    }
    a.lease_seconds = duration.value_or(300.0);
    core::FieldReader holder = r.nested("holder");
    if (holder.is_object()) {
      auto type = holder.string("type", true);
      auto id = holder.uuid("id", true);
      if (type && *type != "flow_run" && *type != "task_run" && *type != "deployment") {
        holder.add_error("type", "literal_error", "Input should be 'flow_run', 'task_run' or 'deployment'", json::value(*type));
      }
      if (type && id) a.holder = json::object{{"type", *type}, {"id", *id}};
    }
  }
  if (auto e = collect(r, std::move(extra))) return *e;
  a.names = std::move(*names);
  a.slots = *slots;
  a.rate_limit = mode == "rate_limit";
  return a;
}

core::Result<Response> acquire(ApiContext& ctx, const Request& req, bool with_lease) {
  auto request = read_acquire_body(req, with_lease);
  if (!request) return request.error();
  auto now = ctx.clock.now();
  auto outcome = ctx.db.write<cl::AcquireOutcome>(
      [&](Connection& c) -> core::Result<cl::AcquireOutcome> { return cl::acquire(c, *request, now); });
  if (!outcome) return outcome.error();
  if (auto* refused = std::get_if<cl::Refused>(&*outcome)) return core::Error::invalid(refused->detail);
  if (auto* locked = std::get_if<cl::Locked>(&*outcome)) {
    Response r = json_response(423, json::object{{"detail", "Locked"}});
    r.headers.emplace_back("Retry-After", python_float(clamped_poisson_interval(locked->average_retry_seconds)));
    return r;
  }
  const auto& acquired = std::get<cl::Acquired>(*outcome);
  if (!with_lease) return json_response(200, minimal_limits_json(acquired.limits));
  return json_response(200, json::object{{"lease_id", *acquired.lease_id}, {"limits", minimal_limits_json(acquired.limits)}});
}

core::Result<Response> decrement(ApiContext& ctx, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader r(*body, json::array{"body"});
  json::array extra;
  auto slots = r.integer("slots", true);
  if (slots && *slots <= 0) {
    extra.push_back(bound_error("slots", "greater_than", "Input should be greater than 0", *slots, ctx_of("gt", 0)));
  }
  auto names = r.string_list("names", true);
  if (names && names->empty()) {
    extra.push_back(bound_error("names", "too_short", "List should have at least 1 item after validation, not 0",
                                json::array{},
                                json::object{{"field_type", "List"}, {"min_length", 1}, {"actual_length", 0}}));
  }
  auto occupancy = r.number("occupancy_seconds");
  if (occupancy && *occupancy <= 0) {
    extra.push_back(bound_error("occupancy_seconds", "greater_than", "Input should be greater than 0", *occupancy,
                                ctx_of("gt", 0.0)));
  }
  if (auto e = collect(r, std::move(extra))) return *e;
  auto now = ctx.clock.now();
  auto limits = ctx.db.write<std::vector<cl::Limit>>([&](Connection& c) -> core::Result<std::vector<cl::Limit>> {
    return cl::release(c, *names, *slots, occupancy, now);
  });
  if (!limits) return limits.error();
  return json_response(200, minimal_limits_json(*limits));
}

core::Result<Response> decrement_with_lease(ApiContext& ctx, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  core::FieldReader r(*body, json::array{"body"});
  auto lease_id = r.uuid("lease_id", true);
  if (!r.ok()) return r.error();
  auto now = ctx.clock.now();
  auto released =
      ctx.db.write<bool>([&](Connection& c) -> core::Result<bool> { return cl::release_lease(c, *lease_id, now); });
  if (!released) return released.error();
  return no_content();  // an unknown lease is not an error
}

core::Result<Response> renew_lease(ApiContext& ctx, const Request& req, const std::string& lease_id) {
  auto body = parse_object_body(req);
  if (!body) return body.error();
  json::value body_value(*body);
  core::FieldReader r(body_value, json::array{"body"});
  json::array extra;
  auto duration = r.number("lease_duration");
  if (duration && *duration < 60) {
    extra.push_back(bound_error("lease_duration", "greater_than_equal", "Input should be greater than or equal to 60",
                                *duration, ctx_of("ge", 60.0)));
  } else if (duration && *duration > 86400) {
    extra.push_back(bound_error("lease_duration", "less_than_equal", "Input should be less than or equal to 86400",
                                *duration, ctx_of("le", 86400.0)));
  }
  if (auto e = collect(r, std::move(extra))) return *e;
  auto now = ctx.clock.now();
  double seconds = duration.value_or(300.0);
  auto renewed = ctx.db.write<bool>(
      [&](Connection& c) -> core::Result<bool> { return cl::renew_lease(c, lease_id, seconds, now); });
  if (!renewed) return renewed.error();
  if (!*renewed) return json_response(410, json::object{{"detail", "Lease not found - it may have expired or been revoked"}});
  return no_content();
}

}  // namespace

void register_concurrency_limit_v2_routes(Router& router, ApiContext& ctx) {
  namespace op = resource_op;
  const std::string base = "/api/v2/concurrency_limits";
  // Prefect's routes take one {id_or_name} segment, tried as a UUID first: the kit's by-id
  // routes come first, so its by-name routes at the same path see only other text.
  add_resource_routes(
      router, ctx,
      {.model = &core::concurrency_limit_v2_model(),
       .base = base,
       .ops = op::kCreate | op::kRead | op::kReadByName | op::kUpdate | op::kUpdateByName | op::kDelete |
              op::kDeleteByName | op::kFilter,
       .not_found = "Concurrency Limit not found",
       .name_path = base + "/{name}",
       .list_query = all_by_name(),
       .read_view = [c = &ctx](Connection& conn, json::array stored) {
         return decayed_responses(*c, conn, std::move(stored));
       }});
  router.add("POST", base + "/increment",
             [&ctx](const Request& req, const PathParams&) { return acquire(ctx, req, false); });
  router.add("POST", base + "/increment-with-lease",
             [&ctx](const Request& req, const PathParams&) { return acquire(ctx, req, true); });
  router.add("POST", base + "/decrement", [&ctx](const Request& req, const PathParams&) { return decrement(ctx, req); });
  router.add("POST", base + "/decrement-with-lease",
             [&ctx](const Request& req, const PathParams&) { return decrement_with_lease(ctx, req); });
  router.add("POST", base + "/leases/{lease_id:uuid}/renew",
             [&ctx](const Request& req, const PathParams& p) { return renew_lease(ctx, req, p.at("lease_id")); });
}

}  // namespace praetor::api
