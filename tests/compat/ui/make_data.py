"""Makes the data the browser test looks at, with the real SDK against PREFECT_API_URL:
a flow run with logs and a task run, a process work pool, a deployment on it with an
hourly schedule, a Secret block, an automation and a global concurrency limit. Prints the ids
as JSON on its last line."""

import asyncio
import json

from prefect import flow, get_run_logger, task
from prefect.automations import Automation
from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, WorkPoolCreate
from prefect.events.actions import DoNothing
from prefect.events.schemas.automations import EventTrigger


@task
def double(x: int) -> int:
    return 2 * x


@flow(name="ui-flow")
def ui_flow(n: int = 1) -> int:
    get_run_logger().info("ui test log line %s", n)
    return double(n)


async def make_pool_and_limit() -> None:
    async with get_client() as client:
        await client.create_work_pool(WorkPoolCreate(name="ui-pool", type="process"))
        await client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name="ui-limit", limit=3))


def main() -> None:
    state = ui_flow(3, return_state=True)
    asyncio.run(make_pool_and_limit())
    Secret(value="ui-secret-value").save("ui-secret")
    # Expects an event nothing emits, so it never fires while the pages are visited.
    Automation(name="ui-automation",
               trigger=EventTrigger(expect={"ui.test.never"}, match={"prefect.resource.id": "ui.test"},
                                    posture="Reactive", threshold=1),
               actions=[DoNothing()]).create()
    deployment_id = ui_flow.to_deployment(name="ui-deployment", interval=3600).apply(work_pool_name="ui-pool")
    print(json.dumps({"flow_run_id": str(state.state_details.flow_run_id), "deployment_id": str(deployment_id)}))


if __name__ == "__main__":
    main()
