"""The shared harness of the Stigmer acceptance suite.

Plain Python. behave is imported only by the modules that plug into it
(``harness.behave_adapter`` and the formatters of ``harness.reporting``), never by the core
(config, prerequisites, stack, clients, waits). Nothing here imports the reference stack: the
harness reaches any Stigmer only through processes, ports, the official SDK and a
``stigmer``-compatible CLI, so pointing the suite at a real Stigmer is a configuration change.
"""
