// The import's step for events, run when asked (`--events`): Prefect's events table, each
// event written as Praetor's event persister writes one (events/event_persister.h), with
// its resource rows derived from it (Prefect's event_resources table is not read).
#include "events/event_persister.h"
#include "importer/import_steps.h"

namespace praetor::importer {

namespace {
constexpr size_t kEventBatch = 1000;
using K = ColumnKind;
}  // namespace

core::Result<TableOutcome> import_events(PrefectSource& source, store::Database& db) {
  static const std::vector<SourceColumn> kColumns = {
      {"id"}, {"occurred", K::kTimestamp}, {"event"}, {"resource", K::kJson}, {"related", K::kJson},
      {"payload", K::kJson}, {"follows"}, {"received", K::kTimestamp}};
  TableOutcome out;
  out.table = "events";
  out.in_prefect = source.count("events");
  std::vector<events::Event> batch;
  auto flush = [&]() -> core::Status {
    auto written = db.write<int64_t>([&](store::Connection& c) -> core::Result<int64_t> {
      return events::write_events(c, batch);
    });
    if (!written) return written.error();
    out.copied += *written;
    out.already_there += static_cast<int64_t>(batch.size()) - *written;
    batch.clear();
    report_progress(out);
    return core::Ok{};
  };
  auto cursor = source.select("events", kColumns, "occurred, id");
  while (auto r = cursor->next()) {
    events::Event e;
    e.id = r->text_or_empty("id");
    e.occurred = r->time_or_epoch("occurred");
    e.event = r->text_or_empty("event");
    e.resource = r->object("resource");
    boost::json::value related = r->json("related");
    if (related.is_array()) e.related = related.as_array();
    e.payload = r->object("payload");
    e.follows = r->text("follows");
    e.received = r->time_or_epoch("received");
    batch.push_back(std::move(e));
    if (batch.size() == kEventBatch) {
      if (auto st = flush(); !st) return st.error();
    }
  }
  if (!batch.empty()) {
    if (auto st = flush(); !st) return st.error();
  }
  return out;
}

}  // namespace praetor::importer
