"""Blocks through the SDK (`Secret.save/load`, a user-defined Block with a SecretStr and a
nested block, saved by reference and inline), the CLI (`prefect block register/ls/inspect/
delete/type ls`) and the raw routes (block types, schemas by checksum and version, documents
with include_secrets, filters and counts, capabilities, Prefect's 403/404/409/422 shapes)."""

import textwrap
import uuid

import pytest
from pydantic import SecretStr

from prefect.blocks.core import Block
from prefect.blocks.system import Secret


def _name(prefix: str = "blk") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class CompatToken(Block):
    """A credential held by CompatConnection (compat test block)."""

    token: SecretStr
    scope: str = "read"


class CompatConnection(Block):
    """A user-defined block with a secret and a nested block (compat test block)."""

    url: str
    password: SecretStr
    credentials: CompatToken
    capabilities_note: str = ""


# Verifies Secret(value=...).save(name) once, a second save refused, overwrite=True replaces
# the value, and Secret.load(name).get() returns it.
def test_secret_save_conflict_overwrite_load():
    name = _name("secret")
    Secret(value="first-value").save(name)
    with pytest.raises(ValueError, match="already in use"):
        Secret(value="second-value").save(name)
    assert Secret.load(name).get() == "first-value"
    Secret(value="second-value").save(name, overwrite=True)
    assert Secret.load(name).get() == "second-value"


# Verifies reads obfuscate secrets unless include_secrets=true, on every read route.
def test_reads_obfuscate_secrets_unless_asked(http):
    name = _name("secret")
    Secret(value="hidden-value").save(name)
    by_name = http.get(f"/block_types/slug/secret/block_documents/name/{name}")
    assert by_name.status_code == 200
    doc = by_name.json()
    assert doc["data"] == {"value": "********"}
    assert set(doc) == {"id", "created", "updated", "name", "data", "block_schema_id", "block_schema",
                        "block_type_id", "block_type_name", "block_type", "block_document_references",
                        "is_anonymous"}
    assert doc["block_type"]["slug"] == "secret" and doc["block_type_name"] == "Secret"
    assert doc["block_schema"]["id"] == doc["block_schema_id"]
    assert "value" in doc["block_schema"]["fields"]["secret_fields"]
    with_secrets = http.get(f"/block_documents/{doc['id']}", params={"include_secrets": "true"}).json()
    assert with_secrets["data"] == {"value": "hidden-value"}
    assert http.get(f"/block_documents/{doc['id']}").json()["data"] == {"value": "********"}
    listed = http.post("/block_documents/filter", json={"block_documents": {"name": {"any_": [name]}}}).json()
    assert [d["data"] for d in listed] == [{"value": "********"}]
    listed = http.post("/block_documents/filter", json={"block_documents": {"name": {"any_": [name]}},
                                                        "include_secrets": True}).json()
    assert [d["data"] for d in listed] == [{"value": "hidden-value"}]
    of_type = http.get("/block_types/slug/secret/block_documents", params={"include_secrets": "false"}).json()
    assert {"value": "********"} in [d["data"] for d in of_type if d["name"] == name]
    bad = http.get(f"/block_documents/{doc['id']}", params={"include_secrets": "maybe"})
    assert bad.status_code == 422
    assert bad.json()["exception_detail"][0]["loc"] == ["query", "include_secrets"]


# Verifies a user-defined block with a SecretStr and a nested block saved first (a
# reference) loads back whole, and its reads nest the referenced document.
def test_user_block_with_nested_reference(http):
    token_name, conn_name = _name("token"), _name("conn")
    CompatToken(token="tok-secret", scope="write").save(token_name)
    CompatConnection(url="https://db.example", password="pw-secret",
                     credentials=CompatToken.load(token_name)).save(conn_name)
    loaded = CompatConnection.load(conn_name)
    assert loaded.url == "https://db.example"
    assert loaded.password.get_secret_value() == "pw-secret"
    assert loaded.credentials.token.get_secret_value() == "tok-secret"
    assert loaded.credentials.scope == "write"

    doc = http.get(f"/block_types/slug/compatconnection/block_documents/name/{conn_name}").json()
    assert doc["data"]["password"] == "********"
    assert doc["data"]["credentials"] == {"token": "********", "scope": "write"}
    ref = doc["block_document_references"]["credentials"]["block_document"]
    assert ref["name"] == token_name and ref["is_anonymous"] is False
    assert ref["block_type"]["slug"] == "compattoken"
    refs = doc["block_schema"]["fields"]["block_schema_references"]
    assert refs["credentials"]["block_type_slug"] == "compattoken"
    full = http.get(f"/block_documents/{doc['id']}", params={"include_secrets": True}).json()
    assert full["data"]["credentials"]["token"] == "tok-secret"

    # Deleting the referenced document drops the reference.
    token_id = http.get(f"/block_types/slug/compattoken/block_documents/name/{token_name}").json()["id"]
    assert http.delete(f"/block_documents/{token_id}").status_code == 204
    assert http.get(f"/block_documents/{doc['id']}").json()["block_document_references"] == {}


# Verifies a nested block that was never saved is stored inline and still loads.
def test_user_block_with_inline_nested_block():
    name = _name("inline")
    CompatConnection(url="u", password="p", credentials=CompatToken(token="inline-tok")).save(name)
    loaded = CompatConnection.load(name)
    assert loaded.credentials.token.get_secret_value() == "inline-tok"
    CompatConnection(url="u2", password="p2", credentials=CompatToken(token="t2")).save(name, overwrite=True)
    assert CompatConnection.load(name).url == "u2"


# Verifies block types: create (201), the reserved 'Prefect' prefix (403), a taken name
# slug (409), read by id and slug, patch, filter by name and by schema, delete, 404 and 422.
def test_block_type_routes(http):
    slug = _name("type")
    created = http.post("/block_types/", json={"name": slug.title(), "slug": slug, "description": "a <b> & c"})
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"id", "created", "updated", "name", "slug", "logo_url", "documentation_url",
                         "description", "code_example", "is_protected"}
    assert body["description"] == "a &lt;b&gt; &amp; c" and body["is_protected"] is False
    reserved = http.post("/block_types/", json={"name": "PrefectThing", "slug": _name()})
    assert reserved.status_code == 403
    assert reserved.json() == {"detail": "Block type names beginning with 'Prefect' are reserved."}
    # The slug is the unique key (a second type may share the name).
    taken = http.post("/block_types/", json={"name": "Other Name", "slug": slug})
    assert taken.status_code == 409
    assert taken.json() == {"detail": 'Block type with name "Other Name" already exists'}
    assert http.get(f"/block_types/{body['id']}").json() == body
    assert http.get(f"/block_types/slug/{slug}").json() == body
    assert http.patch(f"/block_types/{body['id']}", json={"logo_url": "https://x/logo.png"}).status_code == 204
    assert http.get(f"/block_types/slug/{slug}").json()["logo_url"] == "https://x/logo.png"
    found = http.post("/block_types/filter", json={"block_types": {"name": {"like_": slug}}}).json()
    assert [t["slug"] for t in found] == [slug]
    other = _name("atype")
    http.post("/block_types/", json={"name": other.title(), "slug": other})
    by_slug = http.post("/block_types/filter", json={"block_types": {"slug": {"any_": [slug, other]}}}).json()
    assert [t["slug"] for t in by_slug] == [other, slug]  # by name
    # Only types with a schema matching the schema filter.
    assert http.post("/block_types/filter", json={"block_types": {"slug": {"any_": [slug]}},
                                                  "block_schemas": {"version": {"any_": ["nope"]}}}).json() == []
    bad_slug = http.post("/block_types/", json={"name": _name(), "slug": "Bad Slug"})
    assert bad_slug.status_code == 422
    missing = http.post("/block_types/", json={"slug": _name()})
    assert missing.status_code == 422
    assert missing.json()["exception_detail"][0]["loc"] == ["body", "name"]
    assert http.delete(f"/block_types/{body['id']}").status_code == 204
    gone = http.get(f"/block_types/{body['id']}")
    assert gone.status_code == 404 and gone.json() == {"detail": "Block type not found"}
    assert http.get(f"/block_types/slug/{slug}").status_code == 404
    assert http.get(f"/block_types/slug/{slug}/block_documents").json() == {"detail": "Block type not found"}


# Verifies block schemas: create (201) with the client's checksum, the same fields again
# answer 200 with the existing schema, read by checksum with and without version, filters,
# capabilities, delete, 404s.
def test_block_schema_routes(http):
    slug = _name("schema-type")
    type_id = http.post("/block_types/", json={"name": slug, "slug": slug}).json()["id"]
    fields = {"title": slug, "type": "object", "properties": {"x": {"title": "X", "type": "number", "default": 1.5},
                                                             "k": {"title": "K", "type": "string", "format": "password",
                                                                   "writeOnly": True}},
              "secret_fields": ["k"], "block_type_slug": slug, "block_schema_references": {}}
    checksum = Block._calculate_schema_checksum(fields)
    created = http.post("/block_schemas/", json={"fields": fields, "block_type_id": type_id,
                                                 "capabilities": ["read-thing", "write-thing"], "version": "1.0"})
    assert created.status_code == 201
    schema = created.json()
    assert set(schema) == {"id", "created", "updated", "checksum", "fields", "block_type_id", "block_type",
                           "capabilities", "version"}
    assert schema["checksum"] == checksum
    assert schema["block_type"]["id"] == type_id and schema["version"] == "1.0"
    again = http.post("/block_schemas/", json={"fields": fields, "block_type_id": type_id, "version": "1.0"})
    assert again.status_code == 200 and again.json()["id"] == schema["id"]
    v2 = http.post("/block_schemas/", json={"fields": fields, "block_type_id": type_id, "version": "2.0"})
    assert v2.status_code == 201
    assert http.get(f"/block_schemas/checksum/{checksum}", params={"version": "1.0"}).json()["id"] == schema["id"]
    assert http.get(f"/block_schemas/checksum/{checksum}").json()["id"] == v2.json()["id"]
    assert http.get(f"/block_schemas/checksum/{checksum}", params={"version": "9"}).status_code == 404
    assert http.get(f"/block_schemas/{schema['id']}").json() == schema
    listed = http.post("/block_schemas/filter", json={"block_schemas": {"block_type_id": {"any_": [type_id]}}}).json()
    assert [s["version"] for s in listed] == ["2.0", "1.0"]  # newest first
    capable = http.post("/block_schemas/filter", json={"block_schemas": {
        "block_capabilities": {"all_": ["read-thing", "write-thing"]}}}).json()
    assert [s["id"] for s in capable] == [schema["id"]]
    assert {"read-thing", "write-thing"} <= set(http.get("/block_capabilities/").json())
    no_type = http.post("/block_schemas/", json={"fields": fields, "block_type_id": str(uuid.uuid4())})
    assert no_type.status_code == 404
    assert http.delete(f"/block_schemas/{schema['id']}").status_code == 204
    missing = http.get(f"/block_schemas/{schema['id']}")
    assert missing.status_code == 404 and missing.json() == {"detail": "Block schema not found"}
    assert http.delete(f"/block_schemas/{schema['id']}").status_code == 404


# Verifies documents by HTTP: create 201, a taken name 409, a missing name 422, patch
# merging and replacing data (an obfuscated secret sent back keeps the stored one), counts
# and filters (anonymous documents excluded by default), delete and 404.
def test_block_document_routes(http):
    slug = _name("doc-type")
    type_id = http.post("/block_types/", json={"name": slug, "slug": slug}).json()["id"]
    fields = {"title": slug, "type": "object", "properties": {"user": {"type": "string"},
                                                             "key": {"type": "string"}},
              "secret_fields": ["key"], "block_schema_references": {}}
    schema_id = http.post("/block_schemas/", json={"fields": fields, "block_type_id": type_id}).json()["id"]
    name = _name("doc")
    body = {"name": name, "data": {"user": "u", "key": "k1"}, "block_schema_id": schema_id, "block_type_id": type_id}
    created = http.post("/block_documents/", json=body)
    assert created.status_code == 201
    doc = created.json()
    assert doc["data"] == {"user": "u", "key": "********"} and doc["is_anonymous"] is False
    dup = http.post("/block_documents/", json=body)
    assert dup.status_code == 409 and dup.json() == {"detail": "Block already exists"}
    unnamed = http.post("/block_documents/", json={**body, "name": None})
    assert unnamed.status_code == 422
    bad_name = http.post("/block_documents/", json={**body, "name": "Not Valid"})
    assert bad_name.status_code == 422
    anon = http.post("/block_documents/", json={**body, "name": None, "is_anonymous": True})
    assert anon.status_code == 201 and anon.json()["name"].startswith("anonymous-")

    def read(secrets=True):
        return http.get(f"/block_documents/{doc['id']}", params={"include_secrets": secrets}).json()

    assert http.patch(f"/block_documents/{doc['id']}", json={"data": {"user": "v", "key": "********"}}).status_code == 204
    assert read()["data"] == {"user": "v", "key": "k1"}
    assert http.patch(f"/block_documents/{doc['id']}", json={"data": {"key": "k2"}}).status_code == 204
    assert read()["data"] == {"user": "v", "key": "k2"}
    assert http.patch(f"/block_documents/{doc['id']}",
                      json={"data": {"user": "w"}, "merge_existing_data": False}).status_code == 204
    assert read()["data"] == {"user": "w"}

    by_type = {"block_documents": {"block_type_id": {"any_": [type_id]}}}
    assert http.post("/block_documents/count", json=by_type).json() == 1
    with_anon = {"block_documents": {"block_type_id": {"any_": [type_id]}, "is_anonymous": None}}
    assert http.post("/block_documents/count", json=with_anon).json() == 2
    only_anon = {"block_documents": {"is_anonymous": {"eq_": True}}, "block_types": {"slug": {"any_": [slug]}}}
    assert [d["id"] for d in http.post("/block_documents/filter", json=only_anon).json()] == [anon.json()["id"]]
    assert http.post("/block_documents/count", json={"block_types": {"slug": {"any_": [slug]}}}).json() == 1
    assert http.post("/block_documents/count", json={"block_schemas": {"id": {"any_": [schema_id]}},
                                                     "block_documents": {"name": {"like_": name[-6:]}}}).json() == 1
    bad_sort = http.post("/block_documents/filter", json={"sort": "SIDEWAYS"})
    assert bad_sort.status_code == 422

    assert http.delete(f"/block_documents/{doc['id']}").status_code == 204
    gone = http.get(f"/block_documents/{doc['id']}")
    assert gone.status_code == 404 and gone.json() == {"detail": "Block document not found"}
    assert http.delete(f"/block_documents/{doc['id']}").status_code == 404
    assert http.patch(f"/block_documents/{doc['id']}", json={"data": {}}).status_code == 404
    assert http.get(f"/block_types/slug/{slug}/block_documents/name/{name}").json() == {
        "detail": "Block document not found"}


# Verifies install_system_block_types answers 200 (Prefect's server installs its protected
# types; Praetor logs by name the ones it cannot derive without Python).
def test_install_system_block_types(http):
    answer = http.post("/block_types/install_system_block_types")
    assert answer.status_code == 200 and answer.json() is None


BLOCK_MODULE = textwrap.dedent('''
    from pydantic import SecretStr
    from prefect.blocks.core import Block


    class CompatCliBlock(Block):
        """A block registered by `prefect block register -m` (compat test)."""

        endpoint: str = "https://example.invalid"
        api_key: SecretStr
''')


# Verifies the CLI: block register -m, type ls, ls, inspect, delete.
def test_cli_block_commands(prefect_cli, tmp_path, monkeypatch):
    (tmp_path / "compat_cli_blocks.py").write_text(BLOCK_MODULE)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    registered = prefect_cli("block", "register", "-m", "compat_cli_blocks")
    assert "CompatCliBlock" in registered.stdout
    assert "compatcliblock" in prefect_cli("block", "type", "ls").stdout
    name = _name("cli")
    Secret(value="cli-secret-value").save(name)
    listed = prefect_cli("block", "ls").stdout
    assert name in listed
    inspected = prefect_cli("block", "inspect", f"secret/{name}").stdout
    assert name in inspected and "cli-secret-value" not in inspected
    prefect_cli("block", "delete", f"secret/{name}")
    assert name not in prefect_cli("block", "ls").stdout
    missing = prefect_cli("block", "inspect", f"secret/{name}", check=False)
    assert missing.returncode != 0


# Verifies the block types of Prefect's collections (server/collection_blocks_data.json of
# the installed prefect package) are registered at start-up, with schemas the SDK finds by
# the file's checksum (Praetor is told where the package is; Prefect reads its own).
def test_collection_block_types_registered_at_start(dedicated_server):
    import json
    from pathlib import Path

    import httpx
    import prefect

    package = Path(prefect.__file__).parent
    data = json.loads((package / "server" / "collection_blocks_data.json").read_text())
    aws = data["collections"]["prefect-aws"]["block_types"]["aws-credentials"]
    srv = dedicated_server({"PRAETOR_PREFECT_PACKAGE_DIR": str(package)})
    bucket = data["collections"]["prefect-aws"]["block_types"]["s3-bucket"]["block_schema"]
    with httpx.Client(base_url=srv.api_url, timeout=30) as client:
        # Registration runs once the database is ready, type by type: wait until all that is
        # read here is there (on a loaded machine this takes seconds).
        import time
        paths = ["/block_types/slug/aws-credentials", f"/block_schemas/checksum/{aws['block_schema']['checksum']}",
                 f"/block_schemas/checksum/{bucket['checksum']}"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(client.get(p).status_code != 200 for p in paths):
            time.sleep(0.1)
        found = client.get("/block_types/slug/aws-credentials")
        assert found.status_code == 200
        assert found.json()["name"] == aws["name"]
        schema = client.get(f"/block_schemas/checksum/{aws['block_schema']['checksum']}")
        assert schema.status_code == 200
        assert schema.json()["block_type"]["slug"] == "aws-credentials"
        # A nested reference (s3-bucket holds aws-credentials) resolves to a registered type.
        assert client.get(f"/block_schemas/checksum/{bucket['checksum']}").status_code == 200
