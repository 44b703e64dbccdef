#include "api/resource_routes.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "core/variable.h"
#include "store/model_table.h"

namespace praetor::api {
namespace {

namespace json = boost::json;

// The kit over the variable model on a fresh SQLite database, its hooks set per test.
class ResourceRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("praetor-resource-routes-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    auto db = store::Database::open((dir_ / "db.sqlite").string());
    ASSERT_TRUE(db) << db.error().message;
    db_ = std::move(*db);
    ctx_ = std::make_unique<ApiContext>(ApiContext{settings_, *db_, clock_, events_});
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  ResourceRoutes spec() {
    return {.model = &core::variable_model(),
            .base = "/api/variables",
            .ops = resource_op::kCreate | resource_op::kReadByName | resource_op::kUpdateByName |
                   resource_op::kDeleteByName,
            .not_found = "No variable \"{key}\"."};
  }

  Response call(const std::string& method, const std::string& path, const std::string& body = "") {
    Request req;
    req.method = method;
    req.path = path;
    req.body = body;
    return router_.dispatch(req);
  }

  std::optional<json::object> stored(const std::string& name) {
    auto found = db_->read<std::optional<json::object>>([&](store::Connection& c) -> core::Result<std::optional<json::object>> {
      return store::model_rows::find(c, core::variable_model(), "name", name);
    });
    EXPECT_TRUE(found);
    return *found;
  }

  std::filesystem::path dir_;
  config::Settings settings_;
  core::ManualClock clock_{core::from_micros(1'700'000'000'000'000)};
  events::EventBus events_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<ApiContext> ctx_;
  Router router_;
};

// Verifies prepare_update sees the addressed name, the keys sent (an explicit null
// included) and the read changes, and that its error is the answer with nothing written.
TEST_F(ResourceRoutesTest, PrepareUpdateRefusesBeforeTheWrite) {
  std::string addressed;
  json::object sent_seen, changes_seen;
  auto s = spec();
  s.prepare_update = [&](std::string_view name, const json::object& sent,
                         const json::object& changes) -> core::Result<core::Ok> {
    addressed = name;
    sent_seen = sent;
    changes_seen = changes;
    return core::Error::forbidden("not this one");
  };
  add_resource_routes(router_, *ctx_, std::move(s));
  ASSERT_EQ(call("POST", "/api/variables/", R"({"name": "v", "value": 1})").status, 201);

  Response r = call("PATCH", "/api/variables/name/v", R"({"value": 2, "tags": null})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"detail": "not this one"})"));
  EXPECT_EQ(addressed, "v");
  EXPECT_TRUE(sent_seen.contains("tags"));
  EXPECT_FALSE(changes_seen.contains("tags"));
  EXPECT_EQ(changes_seen.at("value"), 2);
  EXPECT_EQ(stored("v")->at("value"), 1);
}

// Verifies on_updated gets the body as sent inside the write, and on_committed runs after
// each write with its action, the object, an update's object before it and the body sent.
TEST_F(ResourceRoutesTest, UpdateAndCommitHooksSeeWhatWasSent) {
  json::object sent_in_write;
  std::vector<std::string> committed;
  auto s = spec();
  s.on_updated = [&](store::Connection&, const json::object&, const json::object& sent) { sent_in_write = sent; };
  s.on_committed = [&](const ResourceRoutes::Committed& write) {
    std::string before = write.before ? json::serialize(write.before->at("value")) : "-";
    committed.push_back(std::string(write.action) + ":" + json::serialize(write.object.at("value")) + ":" + before +
                        ":" + std::to_string(write.sent.size()));
  };
  add_resource_routes(router_, *ctx_, std::move(s));
  ASSERT_EQ(call("POST", "/api/variables/", R"({"name": "v", "value": 1})").status, 201);
  ASSERT_EQ(call("PATCH", "/api/variables/name/v", R"({"value": 3, "tags": null})").status, 204);
  EXPECT_EQ(sent_in_write, json::parse(R"({"value": 3, "tags": null})"));
  ASSERT_EQ(call("DELETE", "/api/variables/name/v").status, 204);
  EXPECT_EQ(committed, (std::vector<std::string>{"created:1:-:2", "updated:3:1:2", "deleted:3:-:0"}));
}

// Verifies prepare_delete's error is the answer and the object stays.
TEST_F(ResourceRoutesTest, PrepareDeleteRefuses) {
  auto s = spec();
  s.prepare_delete = [](std::string_view name) -> core::Result<core::Ok> {
    if (name == "kept") return core::Error::forbidden("kept stays");
    return core::Ok{};
  };
  add_resource_routes(router_, *ctx_, std::move(s));
  ASSERT_EQ(call("POST", "/api/variables/", R"({"name": "kept", "value": 1})").status, 201);
  EXPECT_EQ(call("DELETE", "/api/variables/name/kept").status, 403);
  EXPECT_TRUE(stored("kept"));
}

// Verifies a 404's detail names the addressed key where the spec's text holds "{key}".
TEST_F(ResourceRoutesTest, NotFoundNamesTheKey) {
  add_resource_routes(router_, *ctx_, spec());
  for (const char* method : {"GET", "PATCH", "DELETE"}) {
    Response r = call(method, "/api/variables/name/missing", std::string(method) == "PATCH" ? "{}" : "");
    EXPECT_EQ(r.status, 404) << method;
    EXPECT_EQ(json::parse(r.body), json::parse(R"({"detail": "No variable \"missing\"."})")) << method;
  }
}

// Verifies write_answers_read_view makes the create answer as the read does.
TEST_F(ResourceRoutesTest, CreateAnswersThroughTheReadViewWhenAsked) {
  auto s = spec();
  s.read_view = [](store::Connection&, json::array stored) {
    for (auto& v : stored) v = json::object{{"name", v.at("name")}, {"viewed", true}};
    return stored;
  };
  s.write_answers_read_view = true;
  add_resource_routes(router_, *ctx_, std::move(s));
  Response created = call("POST", "/api/variables/", R"({"name": "v", "value": 1})");
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(json::parse(created.body), json::parse(R"({"name": "v", "viewed": true})"));
  EXPECT_EQ(json::parse(call("GET", "/api/variables/name/v").body), json::parse(created.body));
}

}  // namespace
}  // namespace praetor::api
