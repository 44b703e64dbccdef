// GET /api/flow_runs/{id}/logs/download (Prefect's api/flow_runs.py download_logs): every
// log of a run as CSV, oldest first, written as Python's csv module writes it (CRLF rows,
// fields quoted only when they hold a comma, quote or line break) with timestamps as
// Python prints an aware datetime ("2026-01-01 00:00:00.123456+00:00").
#include <cctype>

#include "api/routes.h"
#include "core/log.h"
#include "store/flow_run_repository.h"
#include "store/model_table.h"
#include "store/sql_conditions.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

// A nullable id of a log object as its CSV field ("" for null).
std::string_view id_text(const json::value& id) { return id.is_string() ? std::string_view(id.get_string()) : ""; }

// Logs are read in pages of this size, as Prefect's FLOW_RUN_LOGS_DOWNLOAD_PAGE_LIMIT.
constexpr int64_t kPage = 1000;

void append_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char ch : field) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

std::string python_datetime(core::Timestamp t) {
  std::string text = core::format_timestamp_offset(t);
  if (auto at = text.find('T'); at != std::string::npos) text[at] = ' ';
  return text;
}

// RFC 3986 unreserved characters stay; everything else is %XX (Python's quote(safe="")).
std::string quote_all(std::string_view text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

core::Result<Response> download(ApiContext& ctx, const std::string& run_id) {
  struct Csv {
    std::string run_name;
    std::string text;
  };
  auto csv = ctx.db.read<std::optional<Csv>>([&](store::Connection& c) -> core::Result<std::optional<Csv>> {
    auto run = store::flow_runs::read(c, run_id);
    if (!run) return std::optional<Csv>();
    Csv out{run->name, "timestamp,level,flow_run_id,task_run_id,message\r\n"};
    auto where = store::sql::in_list("log.flow_run_id", {run_id});
    for (int64_t offset = 0;; offset += kPage) {
      auto logs =
          store::model_rows::list(c, core::log_model(), where, "ORDER BY log.timestamp ASC, log.id ASC", kPage, offset);
      for (const auto& value : logs) {
        const json::object& log = value.get_object();
        auto timestamp = core::parse_timestamp(std::string_view(log.at("timestamp").get_string()));
        append_field(out.text, python_datetime(*timestamp));
        out.text += ',' + std::to_string(log.at("level").to_number<int64_t>()) + ',';
        out.text += id_text(log.at("flow_run_id"));
        out.text += ',';
        out.text += id_text(log.at("task_run_id"));
        out.text += ',';
        append_field(out.text, std::string_view(log.at("message").get_string()));
        out.text += "\r\n";
      }
      if (static_cast<int64_t>(logs.size()) < kPage) break;
    }
    return std::optional<Csv>(std::move(out));
  });
  if (!csv) return csv.error();
  if (!*csv) return core::Error::not_found("Flow run not found");
  Response r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = std::move((*csv)->text);
  r.headers.emplace_back("content-disposition", "attachment; filename=\"flow-run-logs.csv\"; filename*=UTF-8''" +
                                                    quote_all((*csv)->run_name + "-logs.csv"));
  return r;
}

}  // namespace

void register_flow_run_logs_download_route(Router& router, ApiContext& ctx) {
  router.add("GET", "/api/flow_runs/{id:uuid}/logs/download",
             [&ctx](const Request&, const PathParams& p) { return download(ctx, p.at("id")); });
}

}  // namespace praetor::api
