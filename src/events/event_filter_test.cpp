#include "events/event_filter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "events/event_persister.h"
#include "events/event_query.h"
#include "events/event_test_util.h"
#include "store/test_database.h"

namespace praetor::events {
namespace {

namespace json = boost::json;
using testing::make_event;
using testing::related;
using testing::resource;

const core::Timestamp kNow = core::from_micros(1'750'000'000'000'000);  // 2025-06-15T15:06:40Z
core::Timestamp at(int64_t seconds_before_now) { return kNow - std::chrono::seconds(seconds_before_now); }

// A fixed corpus of events, named by the test-case tables below.
struct Corpus {
  std::vector<std::pair<std::string, Event>> events;
  Corpus() {
    auto add = [&](std::string key, Event e) { events.emplace_back(std::move(key), std::move(e)); };
    add("task_running",
        make_event("prefect.task-run.Running",
                   resource("prefect.task-run.aaa", {{"prefect.resource.name", "extract-1"},
                                                     {"prefect.state-type", "RUNNING"}}),
                   {related("prefect.flow-run.f1", "flow-run", {{"prefect.resource.name", "crimson-wolf"}}),
                    related("prefect.flow.x", "flow"), related("prefect.tag.etl", "tag")},
                   at(60)));
    add("task_completed",
        make_event("prefect.task-run.Completed",
                   resource("prefect.task-run.aaa", {{"prefect.resource.name", "extract-1"},
                                                     {"prefect.state-type", "COMPLETED"}}),
                   {related("prefect.flow-run.f1", "flow-run"), related("prefect.tag.etl", "tag")}, at(30)));
    add("flow_running", make_event("prefect.flow-run.Running",
                                   resource("prefect.flow-run.f1", {{"prefect.resource.name", "crimson-wolf"}}),
                                   {related("prefect.flow.x", "flow"), related("prefect.tag.nightly", "tag")}, at(90)));
    add("heartbeat", make_event("prefect.flow-run.heartbeat", resource("prefect.flow-run.f2"), {}, at(10)));
    add("custom", make_event("my.custom_event", resource("my.widget[1]", {{"color", "Blue"}}),
                             {related("my.owner", "owner", {{"team", "data"}})}, at(5)));
    add("old", make_event("prefect.task-run.Running", resource("prefect.task-run.old"), {}, at(200 * 86400)));
    add("future", make_event("prefect.task-run.Running", resource("prefect.task-run.future"), {}, kNow + std::chrono::hours(1)));
    events[4].second.payload = {{"message", "Disk FULL on host-7"}};
  }
  const Event& get(const std::string& key) const {
    for (const auto& [k, e] : events) {
      if (k == key) return e;
    }
    throw std::runtime_error(key);
  }
};

struct Case {
  const char* name;
  const char* filter;
  std::vector<std::string> expected;  // in DESC order (the default)
};

const std::vector<Case> kCases = {
    {"default: last 180 days up to now", "{}",
     {"custom", "heartbeat", "task_completed", "task_running", "flow_running"}},
    {"occurred window, inclusive", R"({"occurred":{"since":"2025-06-15T15:05:10Z","until":"2025-06-15T15:06:10Z"}})",
     {"task_completed", "task_running", "flow_running"}},
    {"occurred includes the future when asked", R"({"occurred":{"until":"2030-01-01T00:00:00Z"}})",
     {"future", "custom", "heartbeat", "task_completed", "task_running", "flow_running"}},
    {"event prefix", R"({"event":{"prefix":["prefect.flow-run."]}})", {"heartbeat", "flow_running"}},
    {"event prefix is literal (no LIKE wildcards)", R"({"event":{"prefix":["my_custom"]}})", {}},
    {"event exclude_prefix", R"({"event":{"exclude_prefix":["prefect.task-run.", "my."]}})",
     {"heartbeat", "flow_running"}},
    {"event name and exclude_name", R"({"event":{"name":["prefect.task-run.Running","my.custom_event"],"exclude_name":["my.custom_event"]}})",
     {"task_running"}},
    {"empty lists filter nothing", R"({"event":{"prefix":[],"name":[]},"resource":{"id":[]},"id":{"id":[]}})",
     {"custom", "heartbeat", "task_completed", "task_running", "flow_running"}},
    {"resource id", R"({"resource":{"id":["prefect.flow-run.f1","prefect.flow-run.f2"]}})",
     {"heartbeat", "flow_running"}},
    {"resource id_prefix", R"({"resource":{"id_prefix":["prefect.task-run."]}})", {"task_completed", "task_running"}},
    {"resource labels exact", R"({"resource":{"labels":{"prefect.state-type":"RUNNING"}}})", {"task_running"}},
    {"resource labels wildcard id", R"({"resource":{"labels":{"prefect.resource.id":"prefect.flow-run.*"}}})",
     {"heartbeat", "flow_running"}},
    {"resource labels negated", R"({"resource":{"labels":{"prefect.resource.id":"!prefect.*"}}})", {"custom"}},
    {"resource labels '?' and literal '['", R"({"resource":{"labels":{"prefect.resource.id":"my.widget[?]"}}})",
     {"custom"}},
    {"resource labels case-sensitive", R"({"resource":{"labels":{"color":"blue"}}})", {}},
    {"resource labels missing label never matches, even negated", R"({"resource":{"labels":{"nope":"!x"}}})", {}},
    {"resource labels empty list matches nothing", R"({"resource":{"labels":{"color":[]}}})", {}},
    {"resource labels related-only label", R"({"resource":{"labels":{"prefect.resource.name":"crimson-wolf"}}})",
     {"flow_running"}},
    {"related id", R"({"related":{"id":["prefect.flow-run.f1"]}})", {"task_completed", "task_running"}},
    {"related role", R"({"related":{"role":["owner"]}})", {"custom"}},
    {"related skips the primary resource", R"({"related":{"id":["prefect.flow-run.f2"]}})", {}},
    {"related resources_in_roles", R"({"related":{"resources_in_roles":[["prefect.tag.etl","tag"],["prefect.flow.x","nope"]]}})",
     {"task_completed", "task_running"}},
    {"related labels with role", R"({"related":{"labels":{"prefect.resource.role":"flow","prefect.resource.id":"prefect.flow.*"}}})",
     {"task_running", "flow_running"}},
    {"related labels on one resource", R"({"related":{"labels":{"prefect.resource.role":"flow-run","prefect.resource.name":"crimson-*"}}})",
     {"task_running"}},
    {"related list is ANDed", R"({"related":[{"id":["prefect.tag.etl"]},{"id":["prefect.flow.x"]}]})",
     {"task_running"}},
    {"related without criteria filters nothing", R"({"related":{}})",
     {"custom", "heartbeat", "task_completed", "task_running", "flow_running"}},
    {"any_resource id covers primary and related", R"({"any_resource":{"id":["prefect.flow-run.f1"]}})",
     {"task_completed", "task_running", "flow_running"}},
    {"any_resource id_prefix", R"({"any_resource":{"id_prefix":["my."]}})", {"custom"}},
    {"any_resource labels", R"({"any_resource":{"labels":{"team":"d*"}}})", {"custom"}},
    {"any_resource list is ANDed", R"({"any_resource":[{"id":["prefect.flow.x"]},{"id_prefix":["prefect.tag.n"]}]})",
     {"flow_running"}},
    {"text include", R"({"text":{"query":"disk"}})", {"custom"}},
    {"text exclude", R"({"text":{"query":"-task-run"}})", {"custom", "heartbeat", "flow_running"}},
    {"text phrase and required", R"({"text":{"query":"\"full on\" +host-7"}})", {"custom"}},
    {"text or", R"({"text":{"query":"heartbeat nightly"}})", {"heartbeat", "flow_running"}},
};

std::vector<std::string> keys_of(const Corpus& corpus, const std::vector<json::object>& docs) {
  std::vector<std::string> out;
  for (const auto& d : docs) {
    for (const auto& [k, e] : corpus.events) {
      if (json::value_to<std::string>(d.at("id")) == e.id) out.push_back(k);
    }
  }
  return out;
}

// Verifies the SQL compilation and the in-memory matcher give the same, expected answers
// for every case.
TEST(EventFilter, SqlAndMemoryAgree) {
  Corpus corpus;
  store::testing::TempDatabase t;
  std::vector<Event> all;
  for (const auto& [k, e] : corpus.events) all.push_back(e);
  ASSERT_TRUE(t.db().write<int64_t>([&](store::Connection& c) -> core::Result<int64_t> { return write_events(c, all); }));

  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    json::value v = json::parse(c.filter);
    auto f = parse_event_filter(&v, kNow, json::array{"body", "filter"});
    ASSERT_TRUE(f) << f.error().message;
    auto docs = t.db().read<std::vector<json::object>>(
        [&](store::Connection& conn) -> core::Result<std::vector<json::object>> { return read_events(conn, *f, 100, 0); });
    ASSERT_TRUE(docs) << docs.error().message;
    EXPECT_EQ(keys_of(corpus, *docs), c.expected);
    auto n = t.db().read<int64_t>([&](store::Connection& conn) -> core::Result<int64_t> { return count_events(conn, *f); });
    EXPECT_EQ(*n, static_cast<int64_t>(c.expected.size()));

    std::set<std::string> in_memory, expected(c.expected.begin(), c.expected.end());
    for (const auto& [k, e] : corpus.events) {
      if (matches(*f, e)) in_memory.insert(k);
    }
    EXPECT_EQ(in_memory, expected);

    // The filter survives its JSON form (page tokens carry it).
    json::value round = to_json(*f);
    auto again = parse_event_filter(&round, kNow + std::chrono::hours(5), json::array{"body"});
    ASSERT_TRUE(again);
    std::set<std::string> reparsed;
    for (const auto& [k, e] : corpus.events) {
      if (matches(*again, e)) reparsed.insert(k);
    }
    EXPECT_EQ(reparsed, expected);
  }
}

// Verifies ASC order, limit and offset.
TEST(EventFilter, OrderAndPaging) {
  Corpus corpus;
  store::testing::TempDatabase t;
  std::vector<Event> all;
  for (const auto& [k, e] : corpus.events) all.push_back(e);
  ASSERT_TRUE(t.db().write<int64_t>([&](store::Connection& c) -> core::Result<int64_t> { return write_events(c, all); }));
  json::value v = json::parse(R"({"order":"ASC"})");
  auto f = parse_event_filter(&v, kNow, {});
  ASSERT_TRUE(f);
  auto docs = *t.db().read<std::vector<json::object>>(
      [&](store::Connection& c) -> core::Result<std::vector<json::object>> { return read_events(c, *f, 2, 1); });
  EXPECT_EQ(keys_of(corpus, docs), (std::vector<std::string>{"task_running", "task_completed"}));
}

// Verifies keyset pages (the /events/out backfill) walk every matching event once, in
// order, in both directions, as the OFFSET pages do.
TEST(EventFilter, KeysetPagesWalkEveryEventOnce) {
  Corpus corpus;
  store::testing::TempDatabase t;
  std::vector<Event> all;
  for (const auto& [k, e] : corpus.events) all.push_back(e);
  ASSERT_TRUE(t.db().write<int64_t>([&](store::Connection& c) -> core::Result<int64_t> { return write_events(c, all); }));
  for (const char* order : {R"({"order":"ASC"})", R"({"order":"DESC"})"}) {
    SCOPED_TRACE(order);
    json::value v = json::parse(order);
    auto f = parse_event_filter(&v, kNow, {});
    ASSERT_TRUE(f);
    auto everything = *t.db().read<std::vector<json::object>>(
        [&](store::Connection& c) -> core::Result<std::vector<json::object>> { return read_events(c, *f, 1000, 0); });
    std::vector<json::object> paged;
    std::optional<EventCursor> after;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = *t.db().read<EventPage>(
          [&](store::Connection& c) -> core::Result<EventPage> { return read_events_page(c, *f, 2, after); });
      paged.insert(paged.end(), page.events.begin(), page.events.end());
      if (page.events.size() < 2) break;
      after = page.last;
    }
    EXPECT_EQ(keys_of(corpus, paged), keys_of(corpus, everything));
    EXPECT_GT(everything.size(), 2u);
  }
}

// Verifies malformed filters are 422s, not crashes.
TEST(EventFilter, RejectsMalformedFilters) {
  for (const char* text : {R"({"order":"SIDEWAYS"})", R"({"occurred":{"since":"yesterday"}})",
                           R"({"event":{"prefix":"not-a-list"}})", R"({"related":5})",
                           R"({"resource":{"labels":{"a":5}}})", R"({"id":{"id":["not-a-uuid"]}})", "[]"}) {
    SCOPED_TRACE(text);
    json::value v = json::parse(text);
    auto f = parse_event_filter(&v, kNow, json::array{"body", "filter"});
    ASSERT_FALSE(f);
    EXPECT_EQ(f.error().kind, core::ErrorKind::kInvalid);
  }
}

// Verifies Prefect's label pattern rules.
TEST(EventFilter, LabelPatterns) {
  EXPECT_TRUE(label_matches("a*", std::string("abc")));
  EXPECT_TRUE(label_matches("*c", std::string("abc")));
  EXPECT_TRUE(label_matches("a?c", std::string("abc")));
  EXPECT_TRUE(label_matches("a?c", std::string("a\xC3\xA9" "c")));  // '?' is one character
  EXPECT_FALSE(label_matches("a?c", std::string("ac")));
  EXPECT_TRUE(label_matches("!a*", std::string("bcd")));
  EXPECT_FALSE(label_matches("!a*", std::nullopt));
  EXPECT_TRUE(label_matches("a*b*c", std::string("axxbyyc")));
  EXPECT_FALSE(label_matches("a*b*c", std::string("axxbyy")));
}

// Verifies text queries parse as Prefect's: OR terms, -/! exclusions, + required, quoted
// phrases with escapes, lone signs skipped.
TEST(EventFilter, TextQuerySyntax) {
  auto q = parse_text_query(R"(Error -debug !Trace +must "a \"b\" c" - x)");
  EXPECT_EQ(q.include, (StringList{"error", "a \"b\" c", "x"}));
  EXPECT_EQ(q.exclude, (StringList{"debug", "trace"}));
  EXPECT_EQ(q.required, (StringList{"must"}));
}

}  // namespace
}  // namespace praetor::events
