"""Healthcheck: exit 0 once Temporal lists an activity poller on the runner's task queue.

The PyPI stigmer-runner writes no ready file; a poller Temporal itself reports is the proof
that it serves executions (the project's compose network holds only this runner).
"""

import asyncio
import os
import sys

from temporalio.api.enums.v1 import TaskQueueKind, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client


async def polling() -> bool:
    client = await Client.connect(os.environ.get("TEMPORAL_SERVICE_ADDRESS", "temporal:7233"),
                                  namespace=os.environ.get("TEMPORAL_NAMESPACE", "default"))
    queue = (os.environ.get("STIGMER_TASK_QUEUE")
             or os.environ.get("TEMPORAL_AGENT_EXECUTION_RUNNER_TASK_QUEUE")
             or "agent_execution_runner")
    response = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=queue, kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY))
    return bool(response.pollers)


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(asyncio.wait_for(polling(), 4)) else 1)
