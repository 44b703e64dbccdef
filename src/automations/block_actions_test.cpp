#include "automations/block_actions.h"

#include <map>

#include <gtest/gtest.h>

namespace praetor::automations {
namespace {

namespace json = boost::json;

// An API holding block documents by id, and a transport that records what it is asked to send.
struct Harness {
  std::map<std::string, json::object> documents;
  std::vector<core::OutboundRequest> sent;
  core::Result<core::OutboundResponse> answer = core::OutboundResponse{200, {}, "ok"};
  core::ManualClock clock{core::Timestamp{}};
  json::object triggered_action{{"automation_id", "a1"}, {"automation_name", "auto"}};

  ApiDispatch api = [this](const std::string& method, const std::string& path, const std::string&) {
    const std::string prefix = "/api/block_documents/";
    const std::string suffix = "?include_secrets=true";
    if (method != "GET" || !path.starts_with(prefix) || !path.ends_with(suffix)) return ApiReply{500, "unexpected"};
    auto it = documents.find(path.substr(prefix.size(), path.size() - prefix.size() - suffix.size()));
    if (it == documents.end()) return ApiReply{404, R"({"detail":"Block document not found"})"};
    return ApiReply{200, json::serialize(it->second)};
  };
  core::OutboundHttp http = [this](const core::OutboundRequest& r) -> core::Result<core::OutboundResponse> {
    sent.push_back(r);
    return answer;
  };

  void add(const std::string& id, const std::string& slug, json::object data) {
    documents[id] = json::object{{"id", id}, {"name", "blk-" + id}, {"data", std::move(data)},
                                 {"block_type", json::object{{"slug", slug}}}};
  }
  ActionPorts ports{api, http, std::nullopt};
  ActionContext context() const { return ActionContext(triggered_action, ports, clock); }
};

std::string header(const core::OutboundRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return "<absent>";
}

TEST(CallWebhook, SendsTheRenderedPayloadAndReportsTheAnswer) {
  Harness h;
  h.add("b1", "webhook", {{"method", "PUT"}, {"url", "http://127.0.0.1:9/hook"},
                          {"headers", json::object{{"X-Token", "t"}}}, {"allow_private_urls", false}, {"verify", false}});
  h.answer = core::OutboundResponse{503, {{"Content-Type", "text/plain"}, {"Authorization", "x"}, {"X-Prefect-Id", "y"}, {"Vary", "a"}, {"vary", "b"}},
                                    std::string(1500, 'z')};
  h.triggered_action["triggering_event"] = json::parse(R"({"event": "x", "resource": {"prefect.resource.id": "r.1"},
      "related": [{"prefect.resource.id": "prefect.flow.9", "prefect.resource.role": "flow", "prefect.resource.name": "f"}]})");
  auto outcome = call_webhook(
      json::object{{"block_document_id", "b1"},
                   {"payload", "from {{ automation.name }} on {{ event.resource.id }} by {{ event.resource_in_role.flow.name }}"}},
      h.context());
  EXPECT_FALSE(outcome.failure) << *outcome.failure;  // any answer is success, as in Prefect
  ASSERT_EQ(h.sent.size(), 1u);
  EXPECT_EQ(h.sent[0].method, "PUT");
  EXPECT_EQ(h.sent[0].url, "http://127.0.0.1:9/hook");
  EXPECT_EQ(h.sent[0].body, "from auto on r.1 by f");  // Prefect's Resource properties
  EXPECT_EQ(header(h.sent[0], "X-Token"), "t");
  EXPECT_FALSE(h.sent[0].verify_tls);
  EXPECT_FALSE(h.sent[0].allow_private_addresses);
  EXPECT_EQ(outcome.details.at("status_code"), 503);
  EXPECT_EQ(outcome.details.at("response_headers"), json::parse(R"({"content-type": "text/plain", "vary": "a, b"})"));
  EXPECT_EQ(outcome.details.at("response_body").get_string(),
            std::string(500, 'z') + "...500 additional characters..." + std::string(500, 'z'));
  ASSERT_EQ(outcome.related.size(), 2u);
  EXPECT_EQ(outcome.related[0].at("prefect.resource.id"), "prefect.block-document.b1");
  EXPECT_EQ(outcome.related[0].at("prefect.resource.role"), "block");
  EXPECT_EQ(outcome.related[1].at("prefect.resource.id"), "prefect.block-type.webhook");
}

TEST(CallWebhook, FailsWithTheReasonForAMissingWrongOrUnreachableBlock) {
  Harness h;
  auto missing = call_webhook(json::object{{"block_document_id", "nope"}}, h.context());
  ASSERT_TRUE(missing.failure);
  EXPECT_NE(missing.failure->find("404"), std::string::npos);

  h.add("s", "secret", {{"value", "x"}});
  auto wrong = call_webhook(json::object{{"block_document_id", "s"}}, h.context());
  EXPECT_EQ(wrong.failure.value_or(""), "The referenced block was not a webhook block");

  h.add("w", "webhook", {{"url", "http://127.0.0.1:9/"}});
  h.answer = core::Error::unavailable("connection refused");
  auto down = call_webhook(json::object{{"block_document_id", "w"}}, h.context());
  EXPECT_EQ(down.failure.value_or(""), "Webhook call failed: connection refused");
  EXPECT_TRUE(h.sent.at(0).verify_tls);
  EXPECT_EQ(h.sent.at(0).method, "POST");
}

TEST(SendNotification, CustomWebhookGetsSecretsSubjectAndBodyPutIn) {
  Harness h;
  h.add("c", "custom-webhook",
        {{"name", "team"}, {"url", "http://127.0.0.1:9/n/{{ token }}"}, {"method", "POST"},
         {"params", json::object{{"q", "{{ subject }}"}}},
         {"json_data", json::object{{"text", "{{subject}}: {{body}}"}, {"who", "{{ name }}"}, {"gone", "{{ nope }}"}}},
         {"headers", json::object{{"User-Agent", "custom"}}}, {"cookies", json::object{{"k", "v"}}},
         {"timeout", 2.5}, {"secrets", json::object{{"token", "abc"}}}});
  auto outcome = send_notification(json::object{{"block_document_id", "c"}, {"subject", "S p"}, {"body", "B"}},
                                   h.context());
  EXPECT_FALSE(outcome.failure) << *outcome.failure;
  ASSERT_EQ(h.sent.size(), 1u);
  const auto& r = h.sent[0];
  EXPECT_EQ(r.url, "http://127.0.0.1:9/n/abc?q=S+p");
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"text": "S p: B", "who": "team"})"));
  EXPECT_EQ(header(r, "content-type"), "application/json");
  EXPECT_EQ(header(r, "User-Agent"), "custom");
  EXPECT_EQ(header(r, "user-agent"), "<absent>");
  EXPECT_EQ(header(r, "cookie"), "k=v");
  EXPECT_EQ(r.timeout, std::chrono::milliseconds(2500));
}

TEST(SendNotification, FailsOnAnErrorStatusAndNamesBlocksItCannotSend) {
  Harness h;
  h.add("c", "custom-webhook", {{"name", "n"}, {"url", "http://127.0.0.1:9/"}, {"form_data", json::object{{"m", "{{body}}"}}}});
  h.answer = core::OutboundResponse{500, {}, "boom"};
  auto failed = send_notification(json::object{{"block_document_id", "c"}, {"body", "a b&c"}}, h.context());
  EXPECT_EQ(failed.failure.value_or(""), "Notification failed");
  EXPECT_NE(failed.details.at("notification_log").get_string().find("HTTP 500"), json::string::npos);
  EXPECT_EQ(h.sent.at(0).body, "m=a+b%26c");

  h.add("s", "slack-webhook", {{"url", "https://hooks.slack.com/x"}});
  auto slack = send_notification(json::object{{"block_document_id", "s"}, {"body", "x"}}, h.context());
  ASSERT_TRUE(slack.failure);
  EXPECT_NE(slack.failure->find("slack-webhook"), std::string::npos);
  EXPECT_EQ(h.sent.size(), 1u);  // nothing sent for the block it cannot send
}

}  // namespace
}  // namespace praetor::automations
