"""POST /ui/schemas/validate, which the UI's parameter forms call: values checked against a
flow's parameter schema (made by the SDK from a real flow's signature), with Prefect's nested
error answer, its schema preprocessing, the hydration of the UI's `__prefect_kind` wrappers
(workspace variables included) and its refusals."""

from typing import Annotated, Optional

from prefect import flow
from prefect.utilities.callables import parameter_schema
from prefect.variables import Variable
from pydantic import BaseModel, Field


class Pet(BaseModel):
    kind: str
    age: int = 0


def _schema() -> dict:
    @flow
    def adopt(name: str, count: Annotated[int, Field(ge=0)] = 1, pet: Optional[Pet] = None, tags: list[str] = [],
              color: str = "red"):
        pass

    return parameter_schema(adopt).model_dump_for_openapi()


def _validate(http, values, schema=None):
    res = http.post("/ui/schemas/validate", json={"schema": schema or _schema(), "values": values})
    assert res.status_code == 200, res.text
    return res.json()


# Verifies valid values pass and each kind of error sits under its property or index, a
# missing required property's message under that property.
def test_errors_are_nested_by_property_and_index(http):
    assert _validate(http, {"name": "Ann", "count": 2}) == {"errors": [], "valid": True}
    assert _validate(http, {}) == {"errors": [{"property": "name", "errors": ["'name' is a required property"]}],
                                   "valid": False}
    body = _validate(http, {"name": 7, "count": -1, "tags": ["a", 2], "pet": {"age": "old"}})
    assert body["valid"] is False
    by_property = {e["property"]: e["errors"] for e in body["errors"]}
    assert by_property["name"] == ["7 is not of type 'string'"]
    assert by_property["count"] == ["-1 is less than the minimum of 0"]
    assert by_property["tags"] == [{"index": 1, "errors": ["2 is not of type 'string'"]}]
    assert len(by_property["pet"]) == 1 and "is not valid under any of the given schemas" in by_property["pet"][0]


# Verifies hydration: a JSON-encoded value is decoded before validation, bad JSON and a
# missing workspace variable fail with Prefect's message in place of the value's other
# errors, a saved variable is substituted, an unrendered jinja template is accepted.
def test_hydrated_values(http):
    Variable.set("ui_validate_count", 3, overwrite=True)
    ok = _validate(http, {"name": {"__prefect_kind": "json", "value": "\"Ann\""},
                          "count": {"__prefect_kind": "workspace_variable", "variable_name": "ui_validate_count"},
                          "color": {"__prefect_kind": "jinja", "template": "{{ flow_run.name }}"}})
    assert ok == {"errors": [], "valid": True}
    missing = _validate(http, {"name": "Ann",
                               "count": {"__prefect_kind": "workspace_variable", "variable_name": "no_such_var"}})
    assert missing == {"errors": [{"property": "count", "errors": ["Variable 'no_such_var' not found in workspace."]}],
                       "valid": False}
    bad = _validate(http, {"name": "Ann", "count": {"__prefect_kind": "json", "value": "nope"}})
    (entry,) = bad["errors"]
    assert entry["property"] == "count" and entry["errors"][0].startswith("Invalid JSON")
    no_template = _validate(http, {"name": "Ann", "count": {"__prefect_kind": "jinja"}})
    assert no_template["errors"] == [{"property": "count", "errors": ["Missing 'template' key in __prefect object"]}]


# Verifies the refusals: a missing field, a circular schema, an unknown type name.
def test_refusals(http):
    missing = http.post("/ui/schemas/validate", json={"values": {}})
    assert missing.status_code == 422
    assert missing.json()["exception_detail"][0]["loc"] == ["body", "schema"]
    loop = {"$ref": "#/definitions/A", "definitions": {"A": {"$ref": "#/definitions/A"}}}
    circular = http.post("/ui/schemas/validate", json={"schema": loop, "values": {}})
    assert circular.status_code == 422
    assert circular.json() == {"detail": "Invalid schema: Unable to validate schema with circular references."}
    bogus = {"type": "object", "properties": {"a": {"type": "bogus"}}}
    refused = http.post("/ui/schemas/validate", json={"schema": bogus, "values": {"a": 1}})
    assert refused.status_code == 422
    assert refused.json() == {"detail": "Invalid schema: 'bogus' is not valid under any of the given schemas"}
