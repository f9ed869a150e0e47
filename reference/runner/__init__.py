"""The reference agent-runner: a Temporal worker executing Stigmer agents against an Ollama API.

``python -m reference.runner`` hosts activity ``ExecuteGraphton`` on task queue
``agent_execution_runner``; see :mod:`reference.runner.config` for its environment variables.
"""
