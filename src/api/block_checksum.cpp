#include "api/block_checksum.h"

#include <openssl/evp.h>

#include <set>

#include "core/python_json.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

json::value without_secret_fields(const json::value& v) {
  if (!v.is_object()) return v;
  json::object out;
  for (const auto& kv : v.get_object()) {
    if (kv.key() == "secret_fields") continue;
    out[kv.key()] = without_secret_fields(kv.value());
  }
  return out;
}

void collect_refs(const json::value& v, std::vector<std::string>& out) {
  if (const auto* o = v.if_object()) {
    if (const auto* ref = o->if_contains("$ref"); ref && ref->is_string()) out.emplace_back(ref->get_string());
    for (const auto& kv : *o) collect_refs(kv.value(), out);
  } else if (const auto* a = v.if_array()) {
    for (const auto& item : *a) collect_refs(item, out);
  }
}

void add_non_block(const json::value& object, const json::object& definitions, json::object& out,
                   std::set<std::string>& visiting) {
  std::vector<std::string> refs;
  collect_refs(object, refs);
  constexpr std::string_view kPrefix = "#/definitions/";
  for (auto key : refs) {
    if (auto pos = key.find(kPrefix); pos != std::string::npos) key.erase(pos, kPrefix.size());
    const json::value* definition = definitions.if_contains(key);
    if (!definition || !definition->is_object() || definition->get_object().empty()) continue;
    const json::value* slug = definition->get_object().if_contains("block_type_slug");
    if (slug && !slug->is_null()) continue;
    out[key] = *definition;
    if (visiting.insert(key).second) add_non_block(*definition, definitions, out, visiting);
  }
}

}  // namespace

json::object non_block_definitions(const json::value& object, const json::object& definitions) {
  json::object out;
  std::set<std::string> visiting;
  add_non_block(object, definitions, out, visiting);
  return out;
}

std::string block_schema_checksum(const json::object& fields) {
  json::value stripped = without_secret_fields(fields);
  json::object& f = stripped.get_object();
  if (const json::value* defs = f.if_contains("definitions");
      defs && !(defs->is_null() || (defs->is_object() && defs->get_object().empty()))) {
    json::object kept = defs->is_object() ? non_block_definitions(stripped, defs->get_object()) : json::object{};
    if (kept.empty()) {
      f.erase("definitions");
    } else {
      f["definitions"] = std::move(kept);
    }
  }
  std::string text = core::python_json_dumps(json::array{json::array{stripped}, json::object{}}, true);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

}  // namespace praetor::api
