"""The Temporal contract between the reference server and the workflow interpreter.

The server starts workflow :data:`WORKFLOW_NAME` on task queue :data:`TASK_QUEUE` with the
workflow id = the execution id (``wex-...``) and one JSON-able argument::

    {"execution_id": "wex-...", "org": "...", "workflow": {"id", "name", "slug"},
     "plan": [<compiled tasks, reference.workflow_dsl.validation>],
     "env": {NAME: value},            # non-secret runtime env only
     "secret_names": [NAME, ...],     # secret values never enter Temporal's history
     "input": {"message": "...", "metadata": {...}}}

The runner hosts that workflow and its activities; it reports progress through
``WorkflowExecutionCommandController.updateStatus``.
"""

WORKFLOW_NAME = "stigmer/workflow-execution/invoke"
TASK_QUEUE = "workflow_execution_runner"
