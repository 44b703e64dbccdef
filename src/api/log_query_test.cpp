#include "api/log_query.h"

#include <gtest/gtest.h>

#include <cctype>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/log.h"
#include "store/model_table.h"
#include "store/test_database.h"

namespace praetor::api {
namespace {

namespace json = boost::json;
using store::Connection;

const std::map<std::string, std::string>& ids() {
  static const std::map<std::string, std::string> kIds = {
      {"R1", "00000000-0000-4000-8000-0000000000a1"}, {"R2", "00000000-0000-4000-8000-0000000000a2"},
      {"T1", "00000000-0000-4000-8000-0000000000b1"}, {"L1", "00000000-0000-4000-8000-0000000000c1"},
      {"L2", "00000000-0000-4000-8000-0000000000c2"}, {"L3", "00000000-0000-4000-8000-0000000000c3"}};
  return kIds;
}

std::string at_second(int s) { return core::format_timestamp(core::from_micros(int64_t{s} * 1'000'000)); }

json::object make_log(const char* id, const char* name, int64_t level, const char* flow_run, const char* task_run,
                      const char* message, int second) {
  return json::object{{"id", ids().at(id)},
                      {"created", at_second(0)},
                      {"updated", at_second(0)},
                      {"name", name},
                      {"level", level},
                      {"message", message},
                      {"timestamp", at_second(second)},
                      {"flow_run_id", flow_run ? json::value(ids().at(flow_run)) : json::value()},
                      {"task_run_id", task_run ? json::value(ids().at(task_run)) : json::value()},
                      {"worker_id", nullptr}};
}

// Three logs: L1 (level 20, run R1, task run T1, 100 s), L2 (40, R1, 200 s), L3 (10, R2, 300 s).
void insert_fixture(store::Database& db) {
  auto st = db.write<core::Ok>([](Connection& c) -> core::Result<core::Ok> {
    store::model_rows::insert_many(
        c, core::log_model(),
        {make_log("L1", "prefect.task_runs", 20, "R1", "T1", "Hello world", 100),
         make_log("L2", "prefect.flow_runs", 40, "R1", nullptr, "Error: boom", 200),
         make_log("L3", "prefect.flow_runs", 10, "R2", nullptr, "debug details", 300)});
    return core::Ok{};
  });
  if (!st) throw std::runtime_error(st.error().message);
}

// `text` with $NAME replaced by the fixture's ids and @S by the timestamp at second S.
std::string expand(std::string text) {
  for (const auto& [name, id] : ids()) {
    for (std::size_t at; (at = text.find("$" + name)) != std::string::npos;) text.replace(at, name.size() + 1, id);
  }
  for (std::size_t at; (at = text.find('@')) != std::string::npos;) {
    std::size_t end = at + 1;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
    text.replace(at, end - at, at_second(std::stoi(text.substr(at + 1, end - at - 1))));
  }
  return text;
}

Request request(const std::string& body) {
  Request r;
  r.method = "POST";
  r.body = expand(body);
  return r;
}

// Short names of the logs /logs/filter answers for `body`, in its order.
std::vector<std::string> matching(store::Database& db, const std::string& body) {
  auto list = parse_list_request(request(body), log_query(), 200);
  if (!list) return {"error: " + list.error().message};
  auto rows = db.read<json::array>([&](Connection& c) -> core::Result<json::array> {
    return store::model_rows::list(c, core::log_model(), list->where, list->order_by, list->page.limit,
                                   list->page.offset);
  });
  if (!rows) return {"error: " + rows.error().message};
  std::vector<std::string> out;
  for (const auto& row : *rows) {
    for (const auto& [name, id] : ids()) {
      if (row.at("id").as_string() == id) out.push_back(name);
    }
  }
  return out;
}

struct Case {
  const char* name;
  const char* body;
  std::vector<std::string> expected;  // in the answer's order
};

class LogQueryCases : public ::testing::TestWithParam<Case> {};

// Verifies each LogFilter leaf, the text search, the operator, the sorts and the paging
// select the logs Prefect's server selects.
TEST_P(LogQueryCases, Selects) {
  store::testing::TempDatabase t;
  insert_fixture(t.db());
  EXPECT_EQ(matching(t.db(), GetParam().body), GetParam().expected);
}

const Case kCases[] = {
    {"everything", R"({})", {"L1", "L2", "L3"}},
    {"level_ge", R"({"logs":{"level":{"ge_":20}}})", {"L1", "L2"}},
    {"level_le", R"({"logs":{"level":{"le_":20}}})", {"L1", "L3"}},
    {"level_ge_and_le", R"({"logs":{"level":{"ge_":"15","le_":30}}})", {"L1"}},
    {"level_null_bounds", R"({"logs":{"level":{"ge_":null,"le_":null}}})", {"L1", "L2", "L3"}},
    {"timestamp_before", R"({"logs":{"timestamp":{"before_":"@200"}}})", {"L1", "L2"}},
    {"timestamp_after", R"({"logs":{"timestamp":{"after_":"@200"}}})", {"L2", "L3"}},
    {"flow_run_id", R"({"logs":{"flow_run_id":{"any_":["$R2"]}}})", {"L3"}},
    {"task_run_id_any", R"({"logs":{"task_run_id":{"any_":["$T1"]}}})", {"L1"}},
    {"task_run_id_is_null", R"({"logs":{"task_run_id":{"is_null_":true}}})", {"L2", "L3"}},
    {"text_include", R"({"logs":{"text":{"query":"HELLO boom"}}})", {"L1", "L2"}},
    {"text_exclude", R"({"logs":{"text":{"query":"-task_runs !debug"}}})", {"L2"}},
    {"text_required_phrase", R"({"logs":{"text":{"query":"+\"error: boom\""}}})", {"L2"}},
    {"text_null", R"({"logs":{"text":null}})", {"L1", "L2", "L3"}},
    {"operator_or", R"({"logs":{"operator":"or_","level":{"ge_":40},"flow_run_id":{"any_":["$R2"]}}})", {"L2", "L3"}},
    {"operator_or_with_text", R"({"logs":{"operator":"or_","level":{"le_":10},"text":{"query":"hello"}}})",
     {"L1", "L3"}},
    {"sort_desc", R"({"sort":"TIMESTAMP_DESC"})", {"L3", "L2", "L1"}},
    {"limit_offset", R"({"limit":1,"offset":1})", {"L2"}},
};

INSTANTIATE_TEST_SUITE_P(LogFilter, LogQueryCases, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// Verifies LogFilter's 422s carry pydantic's entries: an int_parsing ge_/le_, a missing
// text query, an over-long one, and LogSort's enum.
TEST(LogQuery, ErrorsArePydanticShaped) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"logs":{"level":{"ge_":"x","le_":1.5}}})",
       R"([{"type":"int_parsing","loc":["body","logs","level","ge_"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"x"},
           {"type":"int_from_float","loc":["body","logs","level","le_"],"msg":"Input should be a valid integer, got a number with a fractional part","input":1.5}])"},
      {R"({"logs":{"text":{}}})",
       R"([{"type":"missing","loc":["body","logs","text","query"],"msg":"Field required","input":{}}])"},
      {R"({"sort":"LEVEL_ASC"})",
       R"([{"type":"enum","loc":["body","sort"],"msg":"Input should be 'TIMESTAMP_ASC' or 'TIMESTAMP_DESC'","input":"LEVEL_ASC","ctx":{"expected":"'TIMESTAMP_ASC' or 'TIMESTAMP_DESC'"}}])"},
  };
  for (const auto& [body, detail] : cases) {
    auto list = parse_list_request(request(body), log_query(), 200);
    ASSERT_FALSE(list) << body;
    EXPECT_EQ(list.error().detail, json::parse(detail)) << body;
  }
  auto long_query = parse_list_request(request(R"({"logs":{"text":{"query":")" + std::string(201, 'a') + "\"}}}"),
                                       log_query(), 200);
  ASSERT_FALSE(long_query);
  EXPECT_EQ(long_query.error().detail.at(0).at("type"), "string_too_long");
}

}  // namespace
}  // namespace praetor::api
