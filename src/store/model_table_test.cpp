#include "store/model_table.h"

#include <gtest/gtest.h>

#include "core/concurrency_limit.h"
#include "core/log.h"
#include "core/model_fields.h"
#include "core/uuid.h"
#include "core/variable.h"
#include "store/concurrency_repository.h"
#include "store/sql_conditions.h"
#include "store/test_database.h"

namespace praetor::store {
namespace {

namespace json = boost::json;

// A model exercising every field type, with some fields riding in the `data` document.
const core::Model& probe_model() {
  using core::FieldType;
  using core::Storage;
  static const core::Model kModel{
      .name = "Probe",
      .table = "probe",
      .filter_key = "probes",
      .fields = {core::fields::id(), core::fields::created(), core::fields::updated(),
                 {.name = "name", .type = FieldType::kString},
                 {.name = "value", .type = FieldType::kAny},
                 core::fields::tags(),
                 {.name = "count", .type = FieldType::kInteger, .storage = Storage::kDocument},
                 {.name = "ratio", .type = FieldType::kNumber, .storage = Storage::kDocument},
                 {.name = "on", .type = FieldType::kBoolean, .storage = Storage::kDocument},
                 {.name = "at", .type = FieldType::kTimestamp, .storage = Storage::kDocument},
                 {.name = "meta", .type = FieldType::kDict, .storage = Storage::kDocument}},
      .sorts = {{"NAME_ASC", "probe.name ASC"}},
      .default_sort = "NAME_ASC",
  };
  return kModel;
}

json::object variable(const std::string& name, json::value value) {
  auto now = core::format_timestamp(core::SystemClock().now());
  return json::object{{"id", core::new_uuid4()}, {"created", now}, {"updated", now},
                      {"name", name},          {"value", std::move(value)}, {"tags", json::array{"a"}}};
}

// Verifies an object written from a model reads back identical, column and JSON fields alike.
TEST(ModelTable, RoundTripsEveryType) {
  testing::TempDatabase t;
  auto v = variable("v1", json::parse(R"({"nested": [1, 2.5, null, "x"]})"));
  ASSERT_TRUE(t.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    model_rows::insert(c, core::variable_model(), v);
    return core::Ok{};
  }));
  auto back = t.db().read<std::optional<json::object>>([&](Connection& c) -> core::Result<std::optional<json::object>> {
    return model_rows::find(c, core::variable_model(), "name", "v1");
  });
  ASSERT_TRUE(back && *back);
  EXPECT_EQ(**back, v);
}

// Verifies document fields (integer, number, boolean, timestamp, dict) ride in `data` and
// read back as written, beside the column fields.
TEST(ModelTable, RoundTripsDocumentFields) {
  testing::TempDatabase t;
  const auto& m = probe_model();
  auto p = variable("p", json::array{1, "two"});
  p["count"] = 7;
  p["ratio"] = 0.25;
  p["on"] = true;
  p["at"] = "2026-01-02T03:04:05.123456Z";
  p["meta"] = json::object{{"k", json::array{}}};
  auto back = t.db().write<std::optional<json::object>>([&](Connection& c) -> core::Result<std::optional<json::object>> {
    c.exec("CREATE TABLE probe (id TEXT PRIMARY KEY, created BIGINT NOT NULL, updated BIGINT NOT NULL, "
           "name TEXT, value TEXT, tags TEXT NOT NULL, data TEXT)");
    model_rows::insert(c, m, p);
    return model_rows::find(c, m, "id", p.at("id").as_string());
  });
  ASSERT_TRUE(back && *back);
  EXPECT_EQ(**back, p);
}

// Verifies replace rewrites every field and remove returns the deleted object once.
TEST(ModelTable, ReplaceAndRemove) {
  testing::TempDatabase t;
  const auto& m = core::variable_model();
  auto v = variable("v2", json::value(1));
  auto result = t.db().write<bool>([&](Connection& c) -> core::Result<bool> {
    model_rows::insert(c, m, v);
    auto changed = v;
    changed["value"] = nullptr;
    changed["tags"] = json::array{};
    if (!model_rows::replace(c, m, changed)) return false;
    auto again = model_rows::find(c, m, "id", v.at("id").as_string());
    if (!again || *again != changed) return false;
    auto removed = model_rows::remove(c, m, "name", "v2");
    return removed && *removed == changed && !model_rows::remove(c, m, "name", "v2");
  });
  ASSERT_TRUE(result);
  EXPECT_TRUE(*result);
}

// Verifies list and count apply a condition built from the field expressions.
TEST(ModelTable, ListAndCount) {
  testing::TempDatabase t;
  const auto& m = core::variable_model();
  ASSERT_TRUE(t.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    for (const char* name : {"b", "a", "c"}) model_rows::insert(c, m, variable(name, json::value(name)));
    return core::Ok{};
  }));
  auto where = sql::in_list(model_rows::field_expression(m, *m.field("name")), {"a", "c"});
  auto found = t.db().read<json::array>([&](Connection& c) -> core::Result<json::array> {
    return model_rows::list(c, m, where, "ORDER BY variable.name DESC", 10, 0);
  });
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].at("name"), "c");
  EXPECT_EQ((*found)[1].at("value"), "a");
  auto n = t.db().read<int64_t>([&](Connection& c) -> core::Result<int64_t> { return model_rows::count(c, m, where); });
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2);
}

// Verifies the v2 concurrency limit model fits the migrations' concurrency_limit_v2 table:
// a limit created through the model reads back through the slot repository, and the bulk
// decay read answers what the repository's read does.
TEST(ModelTable, ConcurrencyLimitModelFitsItsTable) {
  testing::TempDatabase t;
  const auto& m = core::concurrency_limit_v2_model();
  auto created = core::read_create(m, json::parse(R"({"name": "gcl", "limit": 5, "active_slots": 4,
                                                      "slot_decay_per_second": 0.5})"));
  ASSERT_TRUE(created);
  auto stamp = core::format_timestamp(core::from_micros(1'000'000));
  (*created)["id"] = core::new_uuid4();
  (*created)["created"] = stamp;
  (*created)["updated"] = stamp;
  const std::string id(created->at("id").as_string());
  const auto later = core::from_micros(5'500'000);  // 4.5 s after `updated`: 2 slots decayed
  struct Read {
    std::optional<concurrency::Limit> limit;
    std::unordered_map<std::string, int64_t> decayed;
  };
  auto read = t.db().write<Read>([&](Connection& c) -> core::Result<Read> {
    model_rows::insert(c, m, *created);
    return Read{concurrency::read(c, id, true, later), concurrency::decayed_active_slots(c, {id, "missing"}, later)};
  });
  ASSERT_TRUE(read && read->limit);
  EXPECT_EQ(read->limit->name, "gcl");
  EXPECT_EQ(read->limit->limit, 5);
  EXPECT_TRUE(read->limit->active);
  EXPECT_EQ(read->limit->denied_slots, 0);
  EXPECT_EQ(read->limit->slot_decay_per_second, 0.5);
  EXPECT_EQ(read->limit->avg_slot_occupancy_seconds, 2.0);
  EXPECT_EQ(read->limit->decayed_active_slots, 2);
  EXPECT_EQ(read->decayed, (std::unordered_map<std::string, int64_t>{{id, 2}}));
}

json::object make_log(int64_t level, int second, std::optional<std::string> flow_run_id) {
  return json::object{{"id", core::new_uuid7()},
                      {"created", core::format_timestamp(core::from_micros(0))},
                      {"updated", core::format_timestamp(core::from_micros(0))},
                      {"name", "prefect.test"},
                      {"level", level},
                      {"message", "message " + std::to_string(second)},
                      {"timestamp", core::format_timestamp(core::from_micros(int64_t{second} * 1000000))},
                      {"flow_run_id", flow_run_id ? json::value(*flow_run_id) : json::value()},
                      {"task_run_id", nullptr},
                      {"worker_id", nullptr}};
}

// Verifies the log model fits the migrations' log table: a batch goes in through the
// multi-row insert in one write and reads back whole, filtered on a column, in the
// model's default sort, with limit and offset.
TEST(ModelTable, LogsInsertManyThenList) {
  testing::TempDatabase t;
  const auto& m = core::log_model();
  std::string run = core::new_uuid4();
  std::vector<json::object> batch = {make_log(20, 3, run), make_log(40, 1, run), make_log(10, 2, std::nullopt)};
  batch[0]["worker_id"] = core::new_uuid4();
  ASSERT_TRUE(t.db().write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
    model_rows::insert_many(c, m, batch);
    return core::Ok{};
  }));
  const std::string order = "ORDER BY log.timestamp ASC";
  auto of_run = t.db().read<json::array>([&](Connection& c) -> core::Result<json::array> {
    return model_rows::list(c, m, sql::in_list(model_rows::field_expression(m, *m.field("flow_run_id")), {run}),
                            order, 10, 0);
  });
  ASSERT_TRUE(of_run);
  ASSERT_EQ(of_run->size(), 2u);
  EXPECT_EQ((*of_run)[0], batch[1]);
  EXPECT_EQ((*of_run)[1], batch[0]);

  auto page = t.db().read<json::array>([&](Connection& c) -> core::Result<json::array> {
    return model_rows::list(c, m, SqlCondition{}, order, 1, 1);
  });
  ASSERT_TRUE(page);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0], batch[2]);
}

}  // namespace
}  // namespace praetor::store
