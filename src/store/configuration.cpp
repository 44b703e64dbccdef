#include "store/configuration.h"

#include "core/json_util.h"
#include "core/uuid.h"

namespace praetor::store::configuration {

namespace json = boost::json;

std::optional<json::value> read(Connection& c, std::string_view key) {
  auto& st = c.prepare("SELECT value FROM configuration WHERE key = ?1");
  st.bind(1, key);
  std::optional<json::value> out;
  if (st.step()) {
    boost::system::error_code ec;
    json::value v = json::parse(st.column_text(0), ec);
    if (!ec) out = std::move(v);
  }
  st.reset();
  return out;
}

void write(Connection& c, std::string_view key, const json::value& value, core::Timestamp now) {
  auto& st = c.prepare(
      "INSERT INTO configuration (id, created, updated, key, value) VALUES (?1, ?2, ?2, ?3, ?4) "
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated = excluded.updated");
  st.bind(1, core::new_uuid4()).bind(2, core::to_micros(now)).bind(3, key).bind(4, core::to_json_text(value)).run();
}

bool remove(Connection& c, std::string_view key) {
  c.prepare("DELETE FROM configuration WHERE key = ?1").bind(1, key).run();
  return c.changes() > 0;
}

std::optional<std::string> default_result_storage_block_id(Connection& c) {
  auto v = read(c, kDefaultResultStorageKey);
  const json::object* o = v ? v->if_object() : nullptr;
  const json::value* id = o ? o->if_contains("default_result_storage_block_id") : nullptr;
  if (!id || !id->is_string()) return std::nullopt;
  return std::string(id->get_string());
}

void forget_default_result_storage_block(Connection& c, std::string_view block_document_id) {
  if (default_result_storage_block_id(c) == block_document_id) remove(c, kDefaultResultStorageKey);
}

}  // namespace praetor::store::configuration
