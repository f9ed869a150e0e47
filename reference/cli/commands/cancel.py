"""`cancel ID`: cancel an agent execution (aex-...) or a workflow execution (wex-...)."""

from __future__ import annotations

import argparse

from ai.stigmer.agentic.agentexecution.v1 import io_pb2 as agent_execution_io_pb2
from ai.stigmer.agentic.workflowexecution.v1 import io_pb2 as workflow_execution_io_pb2

from reference.cli.context import Context
from reference.cli.errors import EXIT_OK
from reference.cli.output import WORKFLOW_PHASES, phase_name

WORKFLOW_EXECUTION_PREFIX = "wex-"


def cancel_execution(args: argparse.Namespace, ctx: Context) -> int:
    """Print `Execution cancelled: ID (phase CANCELLED)`."""
    execution_id = args.execution_id
    if execution_id.startswith(WORKFLOW_EXECUTION_PREFIX):
        result = ctx.client.workflow_executions.cancel(
            workflow_execution_io_pb2.CancelWorkflowExecutionInput(
                id=execution_id, reason=args.reason
            )
        )
        phase = phase_name(result.status.phase, WORKFLOW_PHASES)
    else:
        cancelled = ctx.client.agent_executions.cancel(
            agent_execution_io_pb2.CancelAgentExecutionInput(id=execution_id, reason=args.reason)
        )
        phase = phase_name(cancelled.status.phase)
    ctx.print(f"Execution cancelled: {execution_id} (phase {phase})")
    return EXIT_OK
