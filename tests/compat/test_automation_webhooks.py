"""Automations that reach outside systems through blocks, driven by the SDK: a `Webhook`
block called by a `CallWebhook` action and a `CustomWebhookNotificationBlock` sent by a
`SendNotification` action, both to a loopback HTTP receiver in this process. Checks what
the receiver gets (method, path, headers, the rendered payload, the block's secrets put in)
and what the server reports in `prefect.automation.action.executed/failed` (the answer's
status, body and unredacted headers; the block document and block type as related
resources), as Prefect's server does.
"""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from prefect.automations import Automation
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.blocks.webhook import Webhook
from prefect.events.actions import CallWebhook, SendNotification

from prefect.client.orchestration import get_client
from prefect.events import Event, emit_event
from prefect.events.clients import PrefectEventsClient
from prefect.events.worker import EventsWorker
from prefect.settings import PREFECT_API_URL, temporary_settings

from scenarios import run, wait_for
from scenarios.automation_events import emit, reactive, related_roles, uid, wait_automation_events


class Receiver:
    """A loopback HTTP server that records each request and answers with `reply`."""

    def __init__(self):
        self.requests: list[dict] = []
        self.reply = (200, {}, b"ok")
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("content-length") or 0)
                receiver.requests.append({"method": self.command, "path": self.path,
                                          "headers": {k.lower(): v for k, v in self.headers.items()},
                                          "body": self.rfile.read(length)})
                status, headers, body = receiver.reply
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_requests(self, count: int = 1) -> list[dict]:
        return wait_for(lambda: self.requests if len(self.requests) >= count else None, timeout=30,
                        what=f"{count} request(s) at the receiver", interval=0.1)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# Verifies a call-webhook action sends the block's method, URL and headers with the rendered
# payload, and that any answer (here 418) is success, reported with its status, body and
# headers minus the redacted ones, and with the block as a related resource.
def test_call_webhook_sends_rendered_payload_and_reports_the_answer(api_url, receiver):
    u = uid()
    receiver.reply = (418, {"X-Reply": "yes", "X-Prefect-Trace": "hidden", "Authorization": "hidden"},
                      b"short and stout")
    block_id = Webhook(method="PUT", url=f"{receiver.url}/hook/{u}?x=1", headers={"X-Token": "tok-" + u}).save(
        f"hook-{u}")
    automation = Automation(
        name=f"webhook-{u}", trigger=reactive(f"test.hook.{u}", f"thing.{u}"),
        actions=[CallWebhook(block_document_id=block_id,
                             payload='{"event": "{{ event.event }}", "resource": "{{ event.resource.id }}"}')],
    ).create()

    emit(f"test.hook.{u}", f"thing.{u}")

    request = receiver.wait_requests()[0]
    assert request["method"] == "PUT"
    assert request["path"] == f"/hook/{u}?x=1"
    assert request["headers"]["x-token"] == "tok-" + u
    assert json.loads(request["body"]) == {"event": f"test.hook.{u}", "resource": f"thing.{u}"}
    executed = wait_automation_events(api_url, automation.id, "prefect.automation.action.executed")[0]
    payload = executed["payload"]
    assert payload["action_type"] == "call-webhook"
    assert payload["status_code"] == 418
    assert payload["response_body"] == "short and stout"
    headers = {k.lower(): v for k, v in payload["response_headers"].items()}
    assert headers["x-reply"] == "yes"
    assert "x-prefect-trace" not in headers and "authorization" not in headers
    roles = related_roles(executed)
    assert roles["block"] == f"prefect.block-document.{block_id}"
    assert roles["block-type"] == "prefect.block-type.webhook"
    assert len(receiver.requests) == 1


# Verifies a send-notification action through a Custom Webhook block renders its subject and
# body, puts them and the block's secrets into the block's JSON data, and sends it with
# Prefect's user agent.
def test_send_notification_through_a_custom_webhook_block(api_url, receiver):
    u = uid()
    block_id = CustomWebhookNotificationBlock(
        name=f"team-{u}", url=f"{receiver.url}/notify/{u}",
        json_data={"text": "{{subject}} | {{body}}", "token": "{{tok}}", "who": "{{name}}"},
        secrets={"tok": "s3cret-" + u},
    ).save(f"notify-{u}")
    automation = Automation(
        name=f"notify-{u}", trigger=reactive(f"test.notify.{u}", f"thing.{u}"),
        actions=[SendNotification(block_document_id=block_id, subject="Alert {{ event.event }}",
                                  body="about {{ event.resource.id }}")],
    ).create()

    emit(f"test.notify.{u}", f"thing.{u}")

    request = receiver.wait_requests()[0]
    assert request["method"] == "POST"
    assert request["path"] == f"/notify/{u}"
    assert request["headers"]["user-agent"] == "Prefect Notifications"
    assert json.loads(request["body"]) == {"text": f"Alert test.notify.{u} | about thing.{u}",
                                           "token": "s3cret-" + u, "who": f"team-{u}"}
    executed = wait_automation_events(api_url, automation.id, "prefect.automation.action.executed")[0]
    assert executed["payload"]["action_type"] == "send-notification"
    roles = related_roles(executed)
    assert roles["block"] == f"prefect.block-document.{block_id}"
    assert roles["block-type"] == "prefect.block-type.custom-webhook"


# Verifies a webhook whose URL does not answer fails the action with a reason that says so,
# and a webhook action naming a block that is not a webhook fails with Prefect's reason.
def test_webhook_failures_are_reported_with_their_reason(api_url):
    u = uid()
    down_id = Webhook(url=f"http://127.0.0.1:{_closed_port()}/nobody").save(f"down-{u}")
    from prefect.blocks.system import Secret
    secret_id = Secret(value="not a webhook").save(f"secret-{u}")
    automation = Automation(
        name=f"webhook-fail-{u}", trigger=reactive(f"test.fail.{u}", f"thing.{u}"),
        actions=[CallWebhook(block_document_id=down_id), CallWebhook(block_document_id=secret_id)],
    ).create()

    emit(f"test.fail.{u}", f"thing.{u}")

    failed = wait_automation_events(api_url, automation.id, "prefect.automation.action.failed", count=2)
    reasons = {e["payload"]["action_index"]: e["payload"]["reason"] for e in failed}
    assert reasons[0].startswith("Webhook call failed: ")
    assert reasons[1] == "The referenced block was not a webhook block"


# Verifies the UI-link filters in a webhook payload: the flow named by the event's resource
# links to its UI page and its events page under PREFECT_UI_URL (the events link joined as
# Python's urljoin joins it, replacing the base's last path segment), as Prefect renders them.
def test_webhook_payload_links_into_the_ui(dedicated_server, receiver):
    u = uid()
    srv = dedicated_server({"PREFECT_UI_URL": "http://ui.example/prefect"})

    async def create_flow():
        async with get_client() as client:
            return await client.create_flow_from_name(f"linked-{u}")

    async def send(resource_id: str):
        async with PrefectEventsClient(api_url=srv.api_url) as client:
            await client.emit(Event(event=f"test.links.{u}", resource={"prefect.resource.id": resource_id}))

    with temporary_settings({PREFECT_API_URL: srv.api_url}):
        flow_id = run(create_flow())
        block_id = Webhook(url=f"{receiver.url}/links").save(f"links-{u}")
        Automation(
            name=f"links-{u}", trigger=reactive(f"test.links.{u}", f"prefect.flow.{flow_id}"),
            actions=[CallWebhook(block_document_id=block_id,
                                 payload="{{ flow|ui_url }} {{ flow|ui_resource_events_url }} "
                                         "{{ event.resource|ui_resource_events_url }}")],
        ).create()
        run(send(f"prefect.flow.{flow_id}"))

    body = receiver.wait_requests()[0]["body"].decode()
    assert body == (f"http://ui.example/prefect/flows/flow/{flow_id} "
                    f"http://ui.example/events?resource=prefect.flow.{flow_id} "
                    f"http://ui.example/events?resource=prefect.flow.{flow_id}")


def _ui_default_custom_notification() -> tuple[str, str]:
    """(subject, body) that Prefect's UI (V1) fills in for a custom trigger's send-notification
    action, read from the installed bundle, so the test follows the UI that ships."""
    import glob
    import os
    import re

    import prefect
    assets = os.path.join(os.path.dirname(prefect.__file__), "server", "ui", "assets", "*.js")
    for path in glob.glob(assets):
        text = open(path, encoding="utf-8").read()
        body = re.search(r"`(Automation: \{\{ automation\.name \}\}.*?\{% endfor %\})`", text, re.S)
        subject = re.search(r"case`custom`:return`(A Prefect automation [^`]*)`", text)
        if body and subject:
            return subject.group(1), body.group(1)
    raise AssertionError(f"no default notification body in {assets}")


# Verifies the notification Prefect's UI creates by default for a custom trigger (its body
# loops over the event's resource and related resources with {% for %}) is accepted and
# renders as Prefect renders it: each resource iterates as its model's one ("root", labels)
# pair, the labels printed as a Python dict.
def test_ui_default_notification_body_renders(api_url, receiver):
    u = uid()
    subject, body = _ui_default_custom_notification()
    assert "{% for label, value in event.resource %}" in body
    block_id = CustomWebhookNotificationBlock(
        name=f"ui-{u}", url=f"{receiver.url}/ui/{u}", json_data={"subject": "{{subject}}", "body": "{{body}}"},
    ).save(f"ui-default-{u}")
    automation = Automation(
        name=f"ui-default-{u}", description="made as the UI makes it",
        trigger=reactive(f"test.ui.{u}", f"thing.{u}"),
        actions=[SendNotification(block_document_id=block_id, subject=subject, body=body)],
    ).create()

    resource = {"prefect.resource.id": f"thing.{u}", "prefect.resource.name": "a thing"}
    related = [{"prefect.resource.id": f"flow.{u}", "prefect.resource.role": "flow"},
               {"prefect.resource.id": f"tag.{u}", "prefect.resource.role": "tag", "extra": "it's"}]
    event = emit_event(event=f"test.ui.{u}", resource=resource, related=related)
    EventsWorker.drain_all()

    sent = json.loads(receiver.wait_requests()[0]["body"])
    assert sent["subject"] == f"A Prefect automation 'ui-default-{u}' was triggered"
    related_text = "".join(f"\n    Role: {r['prefect.resource.role']}\n    \n    root: {r!r}\n    \n" for r in related)
    assert sent["body"] == (f"Automation: ui-default-{u}\nDescription: made as the UI makes it\n\n"
                            f"Event: {event.id}\nResource:\n\nroot: {resource!r}\n\n"
                            f"Related Resources:\n{related_text}")
    executed = wait_automation_events(api_url, automation.id, "prefect.automation.action.executed")[0]
    assert executed["payload"]["action_type"] == "send-notification"
