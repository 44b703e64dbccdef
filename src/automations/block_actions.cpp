#include "automations/block_actions.h"

#include <algorithm>
#include <cctype>
#include <string>

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "automations/placeholders.h"
#include "core/utf8.h"

namespace praetor::automations {

namespace json = boost::json;

namespace {

struct LoadedBlock {
  json::object data;
  std::string slug;
};

// The block document with its secrets, as the action's block_document_id names it. On
// failure, `outcome.failure` says why (Prefect's reasons).
std::optional<LoadedBlock> load_block(const json::object& action, const ActionContext& ctx, const std::string& noun,
                                      Outcome& outcome) {
  const std::string id = string_at(action, "block_document_id");
  auto reply = ctx.call("GET", "/api/block_documents/" + id + "?include_secrets=true");
  if (reply.status >= 300) {
    outcome.failure = reason_from(reply);
    return std::nullopt;
  }
  json::error_code ec;
  auto doc = json::parse(reply.body, ec);
  const json::object* type = nullptr;
  const json::object* data = nullptr;
  if (!ec && doc.is_object()) {
    if (auto* t = doc.get_object().if_contains("block_type"); t && t->is_object()) type = &t->get_object();
    if (auto* d = doc.get_object().if_contains("data"); d && d->is_object()) data = &d->get_object();
  }
  if (!type || !data) {
    outcome.failure = "The " + noun + " block was invalid: its block document has no block type or data";
    return std::nullopt;
  }
  LoadedBlock block{*data, string_at(*type, "slug")};
  outcome.related.push_back(json::object{{"prefect.resource.id", "prefect.block-document." + id},
                                         {"prefect.resource.role", "block"},
                                         {"prefect.resource.name", doc.get_object().at("name")}});
  outcome.related.push_back(
      json::object{{"prefect.resource.id", "prefect.block-type." + block.slug}, {"prefect.resource.role", "block-type"}});
  return block;
}

bool bool_at(const json::object& o, std::string_view key, bool fallback) {
  auto* v = o.if_contains(key);
  return v && v->is_bool() ? v->get_bool() : fallback;
}

std::string method_of(const json::object& data) {
  auto method = string_at(data, "method");
  return method.empty() ? "POST" : method;
}

// Prefect's should_redact_header (of a lower-case name): credentials, tracing and proxy headers stay out of events.
bool redacted_header(const std::string& name) {
  if (name == "authorization" || name == "traceparent" || name == "via") return true;
  for (std::string_view prefix : {"x-forwarded", "x-b3", "x-cloud-trace", "x-envoy", "x-prefect"})
    if (name.starts_with(prefix)) return true;
  return false;
}

// A JSON object of strings as request headers (other values as their JSON text).
void add_headers(const json::value* headers, core::HeaderList& out) {
  if (!headers || !headers->is_object()) return;
  for (const auto& kv : headers->get_object()) {
    out.emplace_back(std::string(kv.key()),
                     kv.value().is_string() ? std::string(kv.value().get_string()) : json::serialize(kv.value()));
  }
}

// application/x-www-form-urlencoded as Python's urlencode writes it (space as '+').
std::string form_encode(std::string_view text) {
  std::string out;
  for (char c : boost::urls::encode(text, boost::urls::unreserved_chars)) out += c;
  for (std::size_t at = 0; (at = out.find("%20", at)) != std::string::npos;) out.replace(at, 3, "+");
  return out;
}

std::string text_of(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

// key=value&… of a JSON object (httpx's params and form data encoding).
std::string form_of(const json::object& fields) {
  std::string out;
  for (const auto& kv : fields) {
    if (!out.empty()) out += '&';
    out += form_encode(kv.key()) + "=" + form_encode(text_of(kv.value()));
  }
  return out;
}

}  // namespace

Outcome call_webhook(const json::object& action, const ActionContext& ctx) {
  Outcome outcome;
  auto block = load_block(action, ctx, "webhook", outcome);
  if (!block) return outcome;
  if (block->slug != "webhook") {
    outcome.failure = "The referenced block was not a webhook block";
    return outcome;
  }
  auto payload = ctx.render(string_at(action, "payload"));
  if (!payload) {
    outcome.failure = "The webhook payload could not be rendered: " + payload.error().message;
    return outcome;
  }
  core::OutboundRequest request;
  request.method = method_of(block->data);
  request.url = string_at(block->data, "url");
  add_headers(block->data.if_contains("headers"), request.headers);
  request.body = std::move(*payload);
  request.timeout = std::chrono::seconds(5);  // httpx's default, which Prefect's Webhook block uses
  request.verify_tls = bool_at(block->data, "verify", true);
  request.allow_private_addresses = bool_at(block->data, "allow_private_urls", true);
  auto response = ctx.send(request);
  if (!response) {
    outcome.failure = "Webhook call failed: " + response.error().message;
    return outcome;
  }
  // As httpx's Headers.items(): names in lower case, repeated ones joined with ", ".
  json::object headers;
  for (const auto& [name, value] : response->headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (redacted_header(lower)) continue;
    auto text = core::with_valid_utf8(value);
    if (auto* seen = headers.if_contains(lower)) text = std::string(seen->get_string()) + ", " + text;
    headers[lower] = std::move(text);
  }
  outcome.details["status_code"] = response->status;
  outcome.details["response_body"] = core::truncated_to(1000, core::with_valid_utf8(response->body));
  outcome.details["response_headers"] = std::move(headers);
  return outcome;
}

Outcome send_notification(const json::object& action, const ActionContext& ctx) {
  Outcome outcome;
  auto block = load_block(action, ctx, "notification", outcome);
  if (!block) return outcome;
  if (block->slug != "custom-webhook") {
    outcome.failure = "Praetor does not send notifications through " + block->slug +
                      " blocks (Prefect sends them with the Apprise library); use a Custom Webhook block "
                      "or a call-webhook action";
    return outcome;
  }
  std::string subject = string_at(action, "subject");
  if (!action.contains("subject")) subject = "Prefect automated notification";
  auto rendered_subject = ctx.render(subject);
  auto rendered_body = ctx.render(string_at(action, "body"));
  if (!rendered_subject || !rendered_body) {
    outcome.failure = "The notification could not be rendered: " +
                      (rendered_subject ? rendered_body : rendered_subject).error().message;
    return outcome;
  }

  // The block's strings with its secrets and the message put in (Prefect's apply_values).
  json::object values;
  if (auto* secrets = block->data.if_contains("secrets"); secrets && secrets->is_object()) values = secrets->get_object();
  values["subject"] = *rendered_subject;
  values["body"] = *rendered_body;
  values["name"] = block->data.contains("name") ? block->data.at("name") : json::value("");
  json::object request_template;
  for (std::string_view field : {"url", "params", "form_data", "json_data", "headers", "cookies"}) {
    if (auto* v = block->data.if_contains(field); v && !v->is_null()) request_template[field] = *v;
  }
  auto applied = apply_placeholders(request_template, values);
  if (!applied) {
    outcome.failure = "Notification failed: " + applied.error().message;
    return outcome;
  }
  const json::object& r = applied->get_object();

  core::OutboundRequest request;
  request.method = method_of(block->data);
  request.url = string_at(r, "url");
  if (auto* params = r.if_contains("params"); params && params->is_object() && !params->get_object().empty())
    request.url += (request.url.find('?') == std::string::npos ? "?" : "&") + form_of(params->get_object());
  request.headers.emplace_back("user-agent", "Prefect Notifications");
  if (auto* j = r.if_contains("json_data"); j && !j->is_null()) {
    request.headers.emplace_back("content-type", "application/json");
    request.body = json::serialize(*j);
  } else if (auto* f = r.if_contains("form_data"); f && f->is_object()) {
    request.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
    request.body = form_of(f->get_object());
  } else if (f && f->is_string()) {
    request.body = std::string(f->get_string());
  }
  core::HeaderList block_headers;
  add_headers(r.if_contains("headers"), block_headers);
  for (auto& [name, value] : block_headers) {
    auto same = [&](const auto& h) {
      return std::equal(h.first.begin(), h.first.end(), name.begin(), name.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); });
    };
    std::erase_if(request.headers, same);
    request.headers.emplace_back(std::move(name), std::move(value));
  }
  if (auto* cookies = r.if_contains("cookies"); cookies && cookies->is_object() && !cookies->get_object().empty()) {
    std::string cookie;
    for (const auto& kv : cookies->get_object()) {
      if (!cookie.empty()) cookie += "; ";
      cookie += std::string(kv.key()) + "=" + text_of(kv.value());
    }
    request.headers.emplace_back("cookie", std::move(cookie));
  }
  if (auto* t = block->data.if_contains("timeout"); t && t->is_number() && t->to_number<double>() > 0)
    request.timeout = std::chrono::milliseconds(static_cast<int64_t>(std::min(t->to_number<double>(), 600.0) * 1000));
  request.allow_private_addresses = bool_at(block->data, "allow_private_urls", true);

  auto response = ctx.send(request);
  if (!response) {
    outcome.failure = "Notification failed";
    outcome.details["notification_log"] = response.error().message;
    return outcome;
  }
  if (response->status >= 300) {
    outcome.failure = "Notification failed";
    outcome.details["notification_log"] =
        "the notification URL answered HTTP " + std::to_string(response->status) + ": " +
        core::truncated_to(1000, core::with_valid_utf8(response->body));
  }
  return outcome;
}

}  // namespace praetor::automations
