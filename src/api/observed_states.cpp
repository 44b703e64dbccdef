// GET /api/observed-states (Prefect's api/observed_states.py): the state types and exact names
// seen in the retained run histories, for the UI's state pickers. `query` keeps the pairs
// whose type or name starts with it (any case), `order_by` is LAST_SEEN_DESC (default) or
// NAME_ASC, `limit` 1–200 (default 200).
#include <algorithm>
#include <cctype>
#include <charconv>

#include "api/routes.h"
#include "core/json_util.h"
#include "store/observed_states.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;
namespace observed = store::observed_states;

namespace {

constexpr int64_t kMaxLimit = 200;
constexpr std::size_t kMaxQueryLength = 100;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return out;
}

std::string strip(const std::string& s) {
  auto begin = s.find_first_not_of(" \t\n\r\f\v");
  if (begin == std::string::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t\n\r\f\v") - begin + 1);
}

json::object query_error(std::string_view key, std::string_view type, std::string_view msg, json::value input,
                         json::object ctx = {}) {
  json::object e{{"type", type}, {"loc", json::array{"query", key}}, {"msg", msg}, {"input", std::move(input)}};
  if (!ctx.empty()) e["ctx"] = std::move(ctx);
  return e;
}

core::Result<Response> read_observed_states(ApiContext& ctx, const Request& req) {
  json::array errors;
  std::string prefix;
  if (auto q = req.query_param("query")) {
    if (q->size() > kMaxQueryLength) {
      errors.push_back(query_error("query", "string_too_long", "String should have at most 100 characters", json::value(*q),
                                   json::object{{"max_length", kMaxQueryLength}}));
    }
    prefix = lower(strip(*q));
  }
  bool by_name = false;
  if (auto o = req.query_param("order_by")) {
    if (*o == "NAME_ASC") {
      by_name = true;
    } else if (*o != "LAST_SEEN_DESC") {
      errors.push_back(query_error("order_by", "enum", "Input should be 'NAME_ASC' or 'LAST_SEEN_DESC'", json::value(*o),
                                   json::object{{"expected", "'NAME_ASC' or 'LAST_SEEN_DESC'"}}));
    }
  }
  int64_t limit = kMaxLimit;
  if (auto l = req.query_param("limit")) {
    auto [end, ec] = std::from_chars(l->data(), l->data() + l->size(), limit);
    if (ec != std::errc() || end != l->data() + l->size()) {
      errors.push_back(query_error("limit", "int_parsing", "Input should be a valid integer, unable to parse string as an integer",
                                   json::value(*l)));
    } else if (limit < 1) {
      errors.push_back(query_error("limit", "greater_than_equal", "Input should be greater than or equal to 1",
                                   json::value(*l), json::object{{"ge", 1}}));
    } else if (limit > kMaxLimit) {
      errors.push_back(query_error("limit", "less_than_equal", "Input should be less than or equal to 200",
                                   json::value(*l), json::object{{"le", kMaxLimit}}));
    }
  }
  if (!errors.empty()) return core::invalid_request(std::move(errors));
  auto states = ctx.db.read<std::vector<observed::ObservedState>>(
      [&](Connection& c) -> core::Result<std::vector<observed::ObservedState>> { return observed::list(c); });
  if (!states) return states.error();
  std::vector<observed::ObservedState> kept;
  for (auto& s : *states) {
    if (prefix.empty() || lower(s.state_type).rfind(prefix, 0) == 0 || lower(s.state_name).rfind(prefix, 0) == 0) {
      kept.push_back(std::move(s));
    }
  }
  // list() is by type then name already; the default puts the most recently seen first.
  if (!by_name) {
    std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.last_seen > b.last_seen; });
  }
  if (static_cast<int64_t>(kept.size()) > limit) kept.resize(static_cast<std::size_t>(limit));
  json::array out;
  for (const auto& s : kept) {
    out.emplace_back(json::object{{"state_type", s.state_type},
                                  {"state_name", s.state_name},
                                  {"first_seen", core::format_timestamp(s.first_seen)},
                                  {"last_seen", core::format_timestamp(s.last_seen)}});
  }
  return json_response(200, out);
}

}  // namespace

void register_observed_state_routes(Router& router, ApiContext& ctx) {
  router.add("GET", "/api/observed-states",
             [&ctx](const Request& req, const PathParams&) { return read_observed_states(ctx, req); });
}

}  // namespace praetor::api
