"""The operator's log: one access line per request at PRAETOR_ACCESS_LOG_LEVEL (method, route
template, status, milliseconds; never the raw path, query or body) and PRAETOR_LOG_FORMAT=json
(one JSON object per line), driven by the unmodified SDK in a subprocess."""

import json
import re
import os
import subprocess
import sys
import uuid

import pytest

from conftest import TARGET

SDK_CALLS = """
import sys, uuid
from prefect import get_client
from prefect.exceptions import ObjectNotFound
from prefect.variables import Variable

Variable.set(sys.argv[1], sys.argv[2])
with get_client(sync_client=True) as client:
    try:
        client.read_flow_run(uuid.UUID(sys.argv[3]))
        raise SystemExit("a flow run that does not exist was read")
    except ObjectNotFound:
        pass
"""


# Verifies, with access lines at INFO in JSON: every server log line is one JSON object
# with time, level and message; the SDK's requests each leave a line naming the method,
# route template and status (the 201 of a variable's creation, the 404 of a missing flow
# run); and neither the variable's value, its name in a path, nor the run's id appears.
@pytest.mark.skipif(TARGET == "prefect", reason="target-specific: Praetor's own log settings and line format")
def test_json_access_lines_name_templates_not_contents(dedicated_server):
    srv = dedicated_server({"PRAETOR_ACCESS_LOG_LEVEL": "INFO", "PRAETOR_LOG_FORMAT": "json"})
    name = f"access_{uuid.uuid4().hex[:8]}"
    secret = f"secret-{uuid.uuid4().hex}"
    missing_run = str(uuid.uuid4())
    env = dict(os.environ, PREFECT_API_URL=srv.api_url)
    subprocess.run([sys.executable, "-c", SDK_CALLS, name, secret, missing_run], env=env, check=True, timeout=120)

    lines = [line for line in srv.log_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON
    assert all(set(r) == {"time", "level", "message"} for r in records), records[:3]
    messages = [r["message"] for r in records if r["level"] == "info"]
    assert any(m.startswith("POST /api/variables 201 ") and m.endswith(" ms") for m in messages), messages
    assert any(m.startswith("GET /api/flow_runs/{id} 404 ") for m in messages), messages
    text = srv.log_text()
    assert secret not in text
    assert missing_run not in text


# Verifies the default: no access lines at the default level (they are DEBUG, as Prefect's
# uvicorn access lines are hidden under its default WARNING level), while the server still logs.
@pytest.mark.skipif(TARGET == "prefect", reason="target-specific: Praetor's own log settings and line format")
def test_access_lines_hidden_by_default(dedicated_server):
    srv = dedicated_server({})
    env = dict(os.environ, PREFECT_API_URL=srv.api_url)
    subprocess.run([sys.executable, "-c", SDK_CALLS, f"quiet_{uuid.uuid4().hex[:8]}", "v", str(uuid.uuid4())],
                   env=env, check=True, timeout=120)
    text = srv.log_text()
    assert "praetor listening on" in text
    assert "POST /api/variables 201" not in text


# Verifies a Prefect route Praetor does not serve (the SDK's create_deployment_branch, which
# Prefect's own server does not serve either) is answered 404 by both servers, and that
# Praetor's log names it as such: the method, the route template and Praetor's version, and
# not the id sent.
def test_unserved_prefect_route_is_named_in_the_log(server):
    from prefect import get_client
    from prefect.exceptions import PrefectHTTPStatusError

    deployment_id = uuid.uuid4()
    with get_client(sync_client=True) as client:
        with pytest.raises(PrefectHTTPStatusError) as raised:
            client.create_deployment_branch(deployment_id, "feature")
    assert raised.value.response.status_code == 404
    assert raised.value.response.json() == {"detail": "Not Found"}
    if TARGET == "praetor":
        text = server.log_text()
        assert re.search(r"warning POST /api/deployments/\{id\}/branch: not served by Praetor \d+\.\d+\.\d+ ", text), \
            text[-2000:]
        assert str(deployment_id) not in text
