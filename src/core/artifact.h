// Artifacts (Prefect's core.Artifact, api/artifacts.py) and the latest artifact per key
// (core.ArtifactCollection), which the artifact routes keep in step on create, update and
// delete.
#pragma once

#include "core/model.h"

namespace praetor::core {

const Model& artifact_model();
// The latest artifact of each key: the artifact's fields (its own id, created and updated)
// plus `latest_id`, the artifact it mirrors.
const Model& artifact_collection_model();

}  // namespace praetor::core
