"""The workflow interpreter the runner hosts: Temporal workflow
``stigmer/workflow-execution/invoke`` on task queue ``workflow_execution_runner`` plus its
activities (HTTP calls, agent calls, progress reports).

``interpreter`` is pure and deterministic (side effects go through :class:`Effects`);
``temporal_workflow`` binds it to Temporal; ``activities`` do the I/O.
"""
