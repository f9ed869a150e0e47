"""The shared harness of the Stigmer acceptance suite.

Plain Python. behave's runtime is imported only by the code that plugs into it
(``harness.behave``: the hooks and the report formatters), never by the core
(config, prerequisites, stack, clients, waits). Nothing here imports the reference stack: the
harness reaches any Stigmer only through processes, ports, the official SDK and a
``stigmer``-compatible CLI, so pointing the suite at a real Stigmer is a configuration change.
"""
