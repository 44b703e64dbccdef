#include "core/artifact.h"

#include "core/model_fields.h"

namespace praetor::core {

namespace {

namespace leaf = filter_leaf;

// ArtifactKey: lowercase letters, digits and '-' only.
void check_key(const JsonField& field) {
  for (char ch : std::string_view(field.value()->get_string())) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
    if (!ok) {
      fields::value_error(field, "Artifact key must only contain lowercase letters, numbers, and dashes.");
      return;
    }
  }
}

// metadata_: dict[str, str].
void check_metadata(const JsonField& field) {
  for (const auto& kv : field.value()->get_object()) {
    JsonField item = field.child(kv.key());
    (void)item.string();
  }
}

// validate_max_metadata_length: values longer than 500 characters are cut to 500 plus "...".
void truncate_metadata(json::value& value) {
  constexpr std::size_t kMax = 500;
  for (auto& kv : value.get_object()) {
    if (!kv.value().is_string()) continue;
    json::string& text = kv.value().get_string();
    if (text.size() > kMax) {
      text.resize(kMax);
      text.append("...");
    }
  }
}

// The fields an artifact and its collection row share, after id/created/updated.
std::vector<Field> artifact_fields(bool collection) {
  std::vector<Field> out{fields::id(collection ? 0 : leaf::kAny), fields::created(), fields::updated()};
  if (collection) {
    out.push_back({.name = "key", .type = FieldType::kString, .filter = leaf::kAny | leaf::kLike | leaf::kExists});
    out.push_back({.name = "latest_id", .type = FieldType::kUuid, .filter = leaf::kAny});
  } else {
    out.push_back({.name = "key",
                   .type = FieldType::kString,
                   .on_update = false,
                   .filter = leaf::kAny | leaf::kLike | leaf::kExists,
                   .check = check_key});
  }
  out.push_back({.name = "type", .type = FieldType::kString, .on_update = false, .filter = leaf::kAny | leaf::kNotAny});
  out.push_back({.name = "description", .type = FieldType::kString});
  out.push_back({.name = "data", .type = FieldType::kAny});
  out.push_back({.name = "metadata_", .type = FieldType::kDict, .check = check_metadata, .transform = truncate_metadata});
  out.push_back({.name = "flow_run_id", .type = FieldType::kUuid, .on_update = false, .filter = leaf::kAny});
  out.push_back({.name = "task_run_id", .type = FieldType::kUuid, .on_update = false, .filter = leaf::kAny});
  return out;
}

std::vector<Sort> artifact_sorts(std::string_view table) {
  // Static storage: Sort holds views.
  static const std::string kArtifact[] = {"artifact.created DESC", "artifact.updated DESC", "artifact.id DESC",
                                          "artifact.key DESC", "artifact.key ASC"};
  static const std::string kCollection[] = {"artifact_collection.created DESC", "artifact_collection.updated DESC",
                                            "artifact_collection.id DESC", "artifact_collection.key DESC",
                                            "artifact_collection.key ASC"};
  const std::string* order = table == "artifact" ? kArtifact : kCollection;
  return {{"CREATED_DESC", order[0]},
          {"UPDATED_DESC", order[1]},
          {"ID_DESC", order[2]},
          {"KEY_DESC", order[3]},
          {"KEY_ASC", order[4]}};
}

}  // namespace

const Model& artifact_model() {
  static const Model kModel{
      .name = "Artifact",
      .table = "artifact",
      .filter_key = "artifacts",
      .fields = artifact_fields(false),
      .sorts = artifact_sorts("artifact"),
      .default_sort = "ID_DESC",
  };
  return kModel;
}

const Model& artifact_collection_model() {
  static const Model kModel{
      .name = "ArtifactCollection",
      .table = "artifact_collection",
      .filter_key = "artifacts",
      .fields = artifact_fields(true),
      .sorts = artifact_sorts("artifact_collection"),
      .default_sort = "ID_DESC",
  };
  return kModel;
}

}  // namespace praetor::core
