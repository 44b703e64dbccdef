"""Makes the data the browser test looks at, with the real SDK against PREFECT_API_URL:
a flow run with logs and a task run, a process work pool, a deployment on it with an
hourly schedule, a Secret block. Prints the ids as JSON on its last line."""

import asyncio
import json

from prefect import flow, get_run_logger, task
from prefect.blocks.system import Secret
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate


@task
def double(x: int) -> int:
    return 2 * x


@flow(name="ui-flow")
def ui_flow(n: int = 1) -> int:
    get_run_logger().info("ui test log line %s", n)
    return double(n)


async def make_pool() -> None:
    async with get_client() as client:
        await client.create_work_pool(WorkPoolCreate(name="ui-pool", type="process"))


def main() -> None:
    state = ui_flow(3, return_state=True)
    asyncio.run(make_pool())
    Secret(value="ui-secret-value").save("ui-secret")
    deployment_id = ui_flow.to_deployment(name="ui-deployment", interval=3600).apply(work_pool_name="ui-pool")
    print(json.dumps({"flow_run_id": str(state.state_details.flow_run_id), "deployment_id": str(deployment_id)}))


if __name__ == "__main__":
    main()
