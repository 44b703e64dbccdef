#include "api/security.h"

#include <gtest/gtest.h>

#include <map>

#include "api/router.h"

namespace praetor::api {
namespace {

namespace json = boost::json;

Request make_request(std::string method, std::string path,
                     std::vector<std::pair<std::string, std::string>> headers = {}, std::string body = {}) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.headers = std::move(headers);
  r.body = std::move(body);
  return r;
}

std::optional<std::string> header_of(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return std::nullopt;
}

// Verifies equal texts compare equal and any difference (content or length) does not.
TEST(Security, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("admin:pass", "admin:pass"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("admin:pass", "admin:pasS"));
  EXPECT_FALSE(constant_time_equal("admin:pass", "admin:pass "));
  EXPECT_FALSE(constant_time_equal("admin:pass", ""));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

// Verifies base64 decoding matches Python's base64.b64decode (the outputs were taken from
// CPython 3.11): junk skipped, a complete pad ends the data, bad padding refused.
TEST(Security, Base64LikePython) {
  const std::map<std::string, std::optional<std::string>> cases = {
      {"YWRtaW46cGFzcw==", "admin:pass"},
      {"YWRtaW46cGFzcw", std::nullopt},
      {"YWRtaW46cGFzcw=", std::nullopt},
      {"YWRt aW46 cGFzcw==", "admin:pass"},
      {"YQ==YQ==", "a"},
      {"YQ=a=", std::string("a\x06")},
      {"Y===", std::nullopt},
      {"YQ", std::nullopt},
      {"YWJj", "abc"},
      {"YW!Jj", "abc"},
      {"Y=Q==", "a"},
      {"=YQ==", "a"},
      {"", ""},
      {"YW\xc3\xa9Jj", std::nullopt},  // not ASCII
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(decode_base64_lenient(in), want) << in;
}

// Verifies the Authorization header is read as Prefect reads it: two words, "Basic" exactly,
// base64 of valid UTF-8.
TEST(Security, BasicCredentials) {
  EXPECT_EQ(basic_credentials("Basic YWRtaW46cGFzcw=="), "admin:pass");
  EXPECT_EQ(basic_credentials("  Basic \t YWRtaW46cGFzcw==  "), "admin:pass");
  EXPECT_EQ(basic_credentials("basic YWRtaW46cGFzcw=="), std::nullopt);
  EXPECT_EQ(basic_credentials("Bearer YWRtaW46cGFzcw=="), std::nullopt);
  EXPECT_EQ(basic_credentials("Basic"), std::nullopt);
  EXPECT_EQ(basic_credentials("Basic YWRt aW46cGFzcw=="), std::nullopt);  // three words
  EXPECT_EQ(basic_credentials("Basic /w=="), std::nullopt);                // byte 0xff: not UTF-8
  EXPECT_EQ(basic_credentials("Basic w6k="), "\xc3\xa9");
}

// Verifies the exemptions: GET (only) of exactly /api/health and /api/ready, percent-decoded,
// and paths outside /api; everything else needs the credentials.
TEST(Security, BasicAuthExemptionsAndCredentials) {
  const std::string auth = "admin:pass";
  auto with = [](std::string method, std::string path, std::string authorization = {}) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!authorization.empty()) headers.emplace_back("authorization", authorization);
    return make_request(std::move(method), std::move(path), headers);
  };
  EXPECT_TRUE(basic_auth_allows(with("GET", "/api/health"), auth));
  EXPECT_TRUE(basic_auth_allows(with("GET", "/api/ready"), auth));
  EXPECT_TRUE(basic_auth_allows(with("GET", "/api/%68ealth"), auth));
  EXPECT_FALSE(basic_auth_allows(with("HEAD", "/api/health"), auth));
  EXPECT_FALSE(basic_auth_allows(with("POST", "/api/health"), auth));
  EXPECT_FALSE(basic_auth_allows(with("GET", "/api/health/"), auth));
  EXPECT_FALSE(basic_auth_allows(with("GET", "/api/version"), auth));
  EXPECT_FALSE(basic_auth_allows(with("GET", "/api/variables/name/system-health"), auth));
  EXPECT_FALSE(basic_auth_allows(with("GET", "/api"), auth));
  EXPECT_TRUE(basic_auth_allows(with("GET", "/elsewhere"), auth));
  EXPECT_TRUE(basic_auth_allows(with("POST", "/api/flows/", "Basic YWRtaW46cGFzcw=="), auth));
  EXPECT_FALSE(basic_auth_allows(with("POST", "/api/flows/", "Basic YWRtaW46cGFzCg=="), auth));  // "admin:pas\n"
  EXPECT_FALSE(basic_auth_allows(with("POST", "/api/flows/", "Basic YWRtaW46"), auth));          // "admin:"
  // An empty auth string is still "set": only an empty credential matches, which a
  // two-word header cannot carry, so everything but the probes is refused (as Prefect).
  EXPECT_FALSE(basic_auth_allows(with("GET", "/api/flows/x", "Basic "), ""));
}

// Verifies the WebSocket auth message: the type must be "auth"; the token (the auth string
// itself) is checked only when a non-empty auth string is set.
TEST(Security, WebSocketAuthMessage) {
  auto msg = [](const char* text) { return json::parse(text).as_object(); };
  std::optional<std::string> auth = "admin:pass";
  EXPECT_EQ(websocket_auth_refusal(msg(R"({"type":"auth","token":"admin:pass"})"), auth), std::nullopt);
  EXPECT_EQ(websocket_auth_refusal(msg(R"({"type":"auth","token":"wrong"})"), auth), "Invalid token");
  EXPECT_EQ(websocket_auth_refusal(msg(R"({"type":"auth","token":5})"), auth), "Invalid token");
  EXPECT_EQ(websocket_auth_refusal(msg(R"({"type":"auth"})"), auth), "Auth required but no token provided");
  EXPECT_EQ(websocket_auth_refusal(msg(R"({"type":"auth","token":""})"), auth), "Auth required but no token provided");
  EXPECT_EQ(websocket_auth_refusal(msg(R"({"type":"auth","token":null})"), auth), "Auth required but no token provided");
  EXPECT_EQ(websocket_auth_refusal(msg(R"({"type":"hello","token":"admin:pass"})"), auth), "Expected 'auth' message");
  EXPECT_EQ(websocket_auth_refusal(msg(R"({"type":"auth","token":null})"), std::nullopt), std::nullopt);
  EXPECT_EQ(websocket_auth_refusal(msg(R"({"type":"auth","token":"x"})"), std::string()), std::nullopt);
  EXPECT_EQ(websocket_auth_refusal(msg(R"({"token":"x"})"), std::nullopt), "Expected 'auth' message");
}

// Verifies which Content-Types make a body JSON, and the 422 for one that does not.
TEST(Security, NonJsonBodies) {
  EXPECT_TRUE(is_json_content_type("application/json"));
  EXPECT_TRUE(is_json_content_type("Application/JSON; charset=utf-8"));
  EXPECT_TRUE(is_json_content_type("application/vnd.x+json"));
  EXPECT_FALSE(is_json_content_type("text/plain"));
  EXPECT_FALSE(is_json_content_type("application/x-www-form-urlencoded"));
  EXPECT_FALSE(is_json_content_type("multipart/form-data; boundary=x"));
  EXPECT_FALSE(is_json_content_type("json"));

  auto text = make_request("POST", "/api/flows/bulk_delete", {{"content-type", "text/plain"}}, "{}");
  auto refused = non_json_body_refusal(text);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 422);
  auto body = json::parse(refused->body).as_object();
  EXPECT_EQ(body.at("request_body"), "{}");
  EXPECT_EQ(body.at("exception_detail").as_array().at(0).as_object().at("type"), "model_attributes_type");
  EXPECT_FALSE(non_json_body_refusal(make_request("POST", "/api/flows/", {}, "{}")));  // no type: JSON
  EXPECT_FALSE(non_json_body_refusal(make_request("POST", "/api/flows/", {{"content-type", "text/plain"}}, "")));
  EXPECT_FALSE(non_json_body_refusal(make_request("GET", "/api/flows/", {{"content-type", "text/plain"}}, "x")));
}

// Verifies Prefect's default CORS (everything allowed): a preflight gets 200 "OK" with "*"
// and the requested headers mirrored; a simple response gets "*" and Vary: Origin.
TEST(Security, CorsDefaults) {
  CorsPolicy cors("*", "*", "*");
  auto pre = cors.preflight(make_request("OPTIONS", "/api/flows/filter",
                                         {{"origin", "http://evil.example"},
                                          {"access-control-request-method", "POST"},
                                          {"access-control-request-headers", "content-type, x-foo"}}));
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 200);
  EXPECT_EQ(pre->body, "OK");
  EXPECT_EQ(header_of(*pre, "access-control-allow-origin"), "*");
  EXPECT_EQ(header_of(*pre, "access-control-allow-methods"), "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY");
  EXPECT_EQ(header_of(*pre, "access-control-allow-headers"), "content-type, x-foo");
  EXPECT_EQ(header_of(*pre, "access-control-max-age"), "600");
  // Not a preflight: no Origin, or no requested method.
  EXPECT_FALSE(cors.preflight(make_request("OPTIONS", "/api/x", {{"access-control-request-method", "POST"}})));
  EXPECT_FALSE(cors.preflight(make_request("OPTIONS", "/api/x", {{"origin", "http://a"}})));

  Response r;
  cors.decorate(make_request("GET", "/api/x", {{"origin", "http://a"}}), r);
  EXPECT_EQ(header_of(r, "access-control-allow-origin"), "*");
  EXPECT_EQ(header_of(r, "vary"), "Origin");
  Response no_origin;
  cors.decorate(make_request("GET", "/api/x"), no_origin);
  EXPECT_FALSE(header_of(no_origin, "access-control-allow-origin"));
  EXPECT_EQ(header_of(no_origin, "vary"), "Origin");
}

// Verifies a restricted CORS configuration: listed origins are echoed, others get no
// Allow-Origin; a preflight lists every failure; the settings are split on "," untrimmed.
TEST(Security, CorsRestricted) {
  CorsPolicy cors("http://ok.example,http://two.example", "GET,POST", "x-custom");
  auto good = cors.preflight(make_request("OPTIONS", "/api/x",
                                          {{"origin", "http://ok.example"},
                                           {"access-control-request-method", "POST"},
                                           {"access-control-request-headers", "X-Custom, content-type"}}));
  ASSERT_TRUE(good);
  EXPECT_EQ(good->status, 200);
  EXPECT_EQ(header_of(*good, "access-control-allow-origin"), "http://ok.example");
  EXPECT_EQ(header_of(*good, "access-control-allow-methods"), "GET, POST");
  EXPECT_EQ(header_of(*good, "access-control-allow-headers"),
            "Accept, Accept-Language, Content-Language, Content-Type, x-custom");
  auto bad = cors.preflight(make_request("OPTIONS", "/api/x",
                                         {{"origin", "http://evil.example"},
                                          {"access-control-request-method", "DELETE"},
                                          {"access-control-request-headers", "x-other"}}));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->body, "Disallowed CORS origin, method, headers");
  EXPECT_FALSE(header_of(*bad, "access-control-allow-origin"));

  Response allowed, refused;
  cors.decorate(make_request("GET", "/api/x", {{"origin", "http://two.example"}}), allowed);
  EXPECT_EQ(header_of(allowed, "access-control-allow-origin"), "http://two.example");
  cors.decorate(make_request("GET", "/api/x", {{"origin", "http://evil.example"}}), refused);
  EXPECT_FALSE(header_of(refused, "access-control-allow-origin"));
  EXPECT_EQ(header_of(refused, "vary"), "Origin");

  CorsPolicy spaced("http://a.example, http://b.example", "*", "*");
  Response untrimmed;
  spaced.decorate(make_request("GET", "/api/x", {{"origin", "http://b.example"}}), untrimmed);
  EXPECT_FALSE(header_of(untrimmed, "access-control-allow-origin"));
}

// Verifies the middleware's order through a Router: CSRF first (its refusals without CORS
// headers), then preflights (no credentials needed), then basic auth (401 with CORS headers),
// and routed answers get CORS headers; upgrades without the prefect subprotocol get 403.
TEST(Security, MiddlewareOrderThroughRouter) {
  Router router;
  router.add("POST", "/api/flows/", [](const Request&, const PathParams&) -> core::Result<Response> {
    return json_response(201, json::object{{"ok", true}});
  });
  router.add("GET", "/api/health", [](const Request&, const PathParams&) -> core::Result<Response> {
    return json_response(200, true);
  });
  int csrf_checks = 0;
  CsrfCheck csrf = [&](const std::string& client, const std::string& token) -> core::Result<bool> {
    ++csrf_checks;
    return client == "c1" && token == "t1";
  };
  router.set_middleware(std::make_shared<SecurityMiddleware>("admin:pass", CorsPolicy("*", "*", "*"), csrf));
  const std::pair<std::string, std::string> good_auth{"authorization", "Basic YWRtaW46cGFzcw=="};
  const std::pair<std::string, std::string> origin{"origin", "http://ui.example"};

  auto no_token = router.dispatch(make_request("POST", "/api/flows/", {good_auth, origin}, "{}"));
  EXPECT_EQ(no_token.status, 403);
  EXPECT_EQ(json::parse(no_token.body), json::parse(R"({"detail":"Missing CSRF token."})"));
  EXPECT_FALSE(header_of(no_token, "vary"));
  auto no_client = router.dispatch(make_request("POST", "/api/flows/", {good_auth, {"prefect-csrf-token", "t1"}}, "{}"));
  EXPECT_EQ(json::parse(no_client.body), json::parse(R"({"detail":"Missing client identifier."})"));
  auto wrong = router.dispatch(make_request(
      "POST", "/api/flows/", {good_auth, {"prefect-csrf-token", "t2"}, {"prefect-csrf-client", "c1"}}, "{}"));
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(header_of(wrong, "access-control-allow-origin"), "*");
  EXPECT_EQ(csrf_checks, 1);

  auto csrf_ok_no_auth = router.dispatch(
      make_request("POST", "/api/flows/", {origin, {"prefect-csrf-token", "t1"}, {"prefect-csrf-client", "c1"}}, "{}"));
  EXPECT_EQ(csrf_ok_no_auth.status, 401);
  EXPECT_EQ(json::parse(csrf_ok_no_auth.body), json::parse(R"({"exception_message":"Unauthorized"})"));
  EXPECT_EQ(header_of(csrf_ok_no_auth, "access-control-allow-origin"), "*");

  auto created = router.dispatch(make_request(
      "POST", "/api/flows/", {good_auth, origin, {"prefect-csrf-token", "t1"}, {"prefect-csrf-client", "c1"}}, "{}"));
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(header_of(created, "access-control-allow-origin"), "*");
  EXPECT_EQ(header_of(created, "vary"), "Origin");

  auto preflight = router.dispatch(
      make_request("OPTIONS", "/api/flows/", {origin, {"access-control-request-method", "POST"}}));
  EXPECT_EQ(preflight.status, 200);
  auto options_no_acrm = router.dispatch(make_request("OPTIONS", "/api/flows/", {origin}));
  EXPECT_EQ(options_no_acrm.status, 401);
  auto health = router.dispatch(make_request("GET", "/api/health"));
  EXPECT_EQ(health.status, 200);

  EXPECT_TRUE(router.screen_upgrade(make_request("GET", "/api/events/in")));
  EXPECT_EQ(router.screen_upgrade(make_request("GET", "/api/events/in"))->status, 403);
  EXPECT_FALSE(router.screen_upgrade(make_request("GET", "/api/events/in", {{"sec-websocket-protocol", "prefect"}})));
}

// Verifies without an auth string nothing asks for credentials and upgrades are accepted.
TEST(Security, NoAuthStringNoChecks) {
  Router router;
  router.add("GET", "/api/flows/{id}", [](const Request&, const PathParams&) -> core::Result<Response> {
    return json_response(200, true);
  });
  router.set_middleware(std::make_shared<SecurityMiddleware>(std::nullopt, CorsPolicy("*", "*", "*"), CsrfCheck{}));
  EXPECT_EQ(router.dispatch(make_request("GET", "/api/flows/x")).status, 200);
  EXPECT_EQ(router.dispatch(make_request("POST", "/api/flows/x", {}, "{}")).status, 405);
  EXPECT_FALSE(router.screen_upgrade(make_request("GET", "/api/events/in")));
}

}  // namespace
}  // namespace praetor::api
