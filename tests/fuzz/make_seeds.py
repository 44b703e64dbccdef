#!/usr/bin/env python3
"""Writes the hand-made starting seeds of the fuzz harnesses (bench/fuzzing.md) into
<out>/<harness>/. The committed corpora (src/*/fuzz/corpus/) are these seeds after fuzzing,
minimised with libFuzzer's -merge=1; rerun this only to start a corpus afresh."""
import hashlib
import json
import os
import struct
import sys

def write(out, harness, items):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    for item in items:
        data = item.encode() if isinstance(item, str) else item
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)

CRON = ["* * * * *", "0 0 * * *", "*/5 * * * *", "0 9-17/2 * * mon-fri", "0 0 L * *",
        "0 0 * * 5#3", "0 0 * * 5L", "0 0 29 2 *", "0 0 31 * *", "30 2 * * *", "0 0 * * fri-mon",
        "0 0 1,15 * 1", "@hourly", "@daily", "@weekly", "@monthly", "@yearly", "0 0 * * * 30",
        "0 0 1 1 * 0 2030", "0 0 ? * 7", "5-5 * * * *", "H * * * *", "0 0 30 2 *", "1-60 * * * *",
        "59 23 31 12 *", "* * * jan-dec sun-sat", "0 0 1 */3 *"]

RRULE = ["FREQ=DAILY", "FREQ=HOURLY;INTERVAL=3", "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=10",
         "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
         "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", "FREQ=YEARLY;BYYEARDAY=1,100,-1", "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
         "FREQ=MINUTELY;INTERVAL=15;BYHOUR=9,10", "FREQ=SECONDLY;INTERVAL=30;COUNT=5",
         "DTSTART:20240310T023000\nRRULE:FREQ=DAILY", "DTSTART:20240101T090000Z\nRRULE:FREQ=WEEKLY;UNTIL=20241231T000000Z",
         "DTSTART:20240101T000000\nRRULE:FREQ=DAILY\nEXDATE:20240102T000000\nRDATE:20240105T120000",
         "RRULE:FREQ=DAILY\nEXRULE:FREQ=WEEKLY;BYDAY=SA,SU", "FREQ=WEEKLY;WKST=SU;BYDAY=TU,SU;INTERVAL=2",
         "FREQ=YEARLY;BYMONTH=1;BYDAY=SU;BYSETPOS=2", "FREQ=DAILY;BYHOUR=25"]

HTTP = [
    b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /api/flows/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"name\":\"f\"}\n",
    b"POST /api/flows/filter?limit=5&x=%41+b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\nTrailer: y\r\n\r\n",
    b"GET / HTTP/1.0\r\n\r\n",
    b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    b"GET /api/events/in HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: prefect\r\n\r\n",
    b"POST /x HTTP/1.1\r\nContent-Length: 99999\r\n\r\nabc",
    b"HEAD /api/health HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n",
    b"DELETE /api/flows/%ZZ HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
]

def ws_frame(opcode, payload, fin=True, mask=b"\x01\x02\x03\x04"):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + masked

AUTH = json.dumps({"type": "auth", "token": None}).encode()
FILTER = json.dumps({"type": "filter", "filter": {"event": {"prefix": ["prefect."]}}, "backfill": True}).encode()
EVENT = json.dumps({"id": "0b1a7c7e-6b5a-4c1a-9b8e-2a2f1c3d4e5f", "occurred": "2024-03-09T12:00:00Z",
                    "event": "x.y", "resource": {"prefect.resource.id": "r"}}).encode()
WS = [
    ws_frame(1, AUTH) + ws_frame(1, FILTER),
    ws_frame(1, EVENT) + ws_frame(9, b"ping") + ws_frame(1, EVENT),
    ws_frame(1, b'{"a":', fin=False) + ws_frame(0, b"1}") + ws_frame(8, struct.pack(">H", 1000) + b"bye"),
    ws_frame(2, b"\x00\x01binary"),
    ws_frame(1, b"x" * 300),
    ws_frame(1, b"\xff\xfe not utf8"),
    ws_frame(10, b"pong") + ws_frame(8, b""),
]

JSON_BODIES = [
    {"name": "v", "value": {"a": [1, 2.5, None, True]}, "tags": ["t"]},
    {"key": "k", "type": "markdown", "data": "x", "description": None, "flow_run_id": "0b1a7c7e-6b5a-4c1a-9b8e-2a2f1c3d4e5f"},
    {"flow_id": "0b1a7c7e-6b5a-4c1a-9b8e-2a2f1c3d4e5f", "name": "r", "parameters": {"x": 1},
     "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": "2024-03-09T12:00:00+01:00"}},
     "empirical_policy": {"retries": 2, "retry_delay": 5}, "tags": ["a", "b"], "labels": {"l": 1}},
    {"task_key": "t", "dynamic_key": "0", "flow_run_id": None, "task_inputs": {"x": [{"input_type": "parameter", "name": "x"}]}},
    {"type": "COMPLETED", "name": "Completed", "data": None, "timestamp": "2024-01-01T00:00:00.123456Z"},
    {"name": "a", "trigger": {"type": "event", "posture": "Reactive", "expect": ["x.*"], "threshold": 1, "within": 0},
     "actions": [{"type": "do-nothing"}], "enabled": True},
    {"cron": "0 0 * * *", "timezone": "Europe/Berlin", "day_or": False},
    {"interval": "PT1H30M", "anchor_date": "2024-01-01T00:00:00Z", "timezone": "America/New_York"},
    {"rrule": "FREQ=DAILY;COUNT=3", "timezone": "UTC"},
    {"occurred": "2024-03-09T12:00:00Z", "event": "prefect.flow-run.Completed", "id": "0b1a7c7e-6b5a-4c1a-9b8e-2a2f1c3d4e5f",
     "resource": {"prefect.resource.id": "prefect.flow-run.1"}, "related": [{"prefect.resource.id": "x", "prefect.resource.role": "flow"}],
     "payload": {"n": 1e308}},
    {"block_type_id": "0b1a7c7e-6b5a-4c1a-9b8e-2a2f1c3d4e5f", "block_schema_id": "0b1a7c7e-6b5a-4c1a-9b8e-2a2f1c3d4e5f",
     "data": {"value": "s"}, "name": "my-block", "is_anonymous": False},
    {"slug": "my-type", "name": "My Type", "logo_url": None, "code_example": "x"},
    {"fields": {"title": "T", "type": "object", "properties": {}}, "capabilities": ["x"], "version": "1"},
    {"concurrency_limit": 5, "priority": 470936837337, "is_paused": True, "description": "q"},
    {"name": "s", "filters": [{"object": "flow", "property": "name", "type": "string", "operation": "equals", "value": "x"}]},
    {"key": "k", "flow_run_id": "0b1a7c7e-6b5a-4c1a-9b8e-2a2f1c3d4e5f", "value": "v", "sender": None},
    [{"occurred": "2024-03-09T12:00:00Z", "event": "a", "id": "0b1a7c7e-6b5a-4c1a-9b8e-2a2f1c3d4e5f",
      "resource": {"prefect.resource.id": "r"}}],
]
JSON_RAW = ["", "{", "null", "[]", '{"name": "x\\u0000y"}', '{"name": 1e400}', '{"a": -0.0, "b": 12345678901234567890}',
            '{"name": "\\ud800"}', "{\"value\": " + "[" * 50 + "]" * 50 + "}"]

FILTER_BODIES = [
    {"flows": {"name": {"any_": ["a"], "like_": "x"}, "tags": {"all_": ["t"], "is_null_": False}}, "limit": 5, "offset": 1, "sort": "NAME_ASC"},
    {"flow_runs": {"operator": "or_", "state": {"type": {"any_": ["RUNNING"]}, "name": {"not_any_": ["Late"]}},
                   "start_time": {"before_": "2024-01-01T00:00:00Z", "after_": "2023-01-01T00:00:00Z", "is_null_": False},
                   "expected_start_time": {"after_": "2024-01-01T00:00:00+05:00"}, "parent_task_run_id": {"operator": "and_", "is_null_": True},
                   "tags": {"operator": "and_", "all_": ["a"], "any_": ["b"]}, "deployment_id": {"any_": ["0b1a7c7e-6b5a-4c1a-9b8e-2a2f1c3d4e5f"]}},
     "sort": "EXPECTED_START_TIME_DESC", "limit": 200},
    {"task_runs": {"subflow_runs": {"exists_": True}, "name": {"like_": "%_\\"}}, "deployments": {"work_queue_name": {"any_": ["q"]}}},
    {"logs": {"level": {"ge_": 20, "le_": 50}, "timestamp": {"before_": "2024-01-01T00:00:00Z"}, "flow_run_id": {"any_": ["x"]}}},
    {"work_pools": {"type": {"any_": ["process"]}, "name": {"any_": []}}, "work_queues": {"name": {"startswith_": ["a"]}}},
    {"variables": {"name": {"like_": "v"}, "tags": {"all_": ["x"]}}, "artifacts": {"key": {"exists_": False}, "type": {"not_any_": ["result"]}},
     "block_documents": {"is_anonymous": {"eq_": True}}, "sort": "CREATED_DESC", "page": 2},
    {"filter": {"occurred": {"since": "2024-03-01T00:00:00Z", "until": "2024-03-09T00:00:00Z"},
                "event": {"prefix": ["prefect.flow-run."], "exclude_name": ["x"]},
                "resource": {"id_prefix": ["prefect.flow-run."], "labels": {"prefect.resource.name": ["a", "!b"]}},
                "related": {"role": ["flow"], "resources_in_roles": [["x", "flow"]]}, "any_resource": {"id": ["r"]},
                "id": {"id": ["0b1a7c7e-6b5a-4c1a-9b8e-2a2f1c3d4e5f"]}, "text": {"query": "a -b \"c d\""}, "order": "ASC"},
     "limit": 50},
    {"filter": {"level": {"ge_": 10}, "timestamp": {"after_": "2024-01-01T00:00:00Z"}, "flow_run_id": {"any_": ["0b1a7c7e-6b5a-4c1a-9b8e-2a2f1c3d4e5f"]},
                "task_run_id": {"is_null_": True}}},
    {"limit": -1, "offset": 1e20, "sort": 3},
    {"flows": {"name": {"any_": ["x\u0000y"]}}},
]
FILTER_RAW = ["", "{}", "[]", "null", '{"limit": 9223372036854775808}']

def main(out):
    write(out, "cron", CRON)
    write(out, "rrule", RRULE)
    # The first byte of an HTTP or WebSocket input is the size of each socket read, less one.
    write(out, "http_request", [bytes([n]) + h for h in HTTP for n in (255, 6)])
    write(out, "websocket_frame", [bytes([n]) + w for w in WS for n in (255, 2)])
    write(out, "json_request", [json.dumps(b) for b in JSON_BODIES] + JSON_RAW)
    write(out, "filter", [json.dumps(b) for b in FILTER_BODIES] + FILTER_RAW)

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fuzz-seeds")
