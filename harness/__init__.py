"""The shared harness of the Stigmer acceptance suite.

Plain Python: no behave import outside ``harness.behave_adapter``, and no import of the
reference stack. It reaches any Stigmer only through processes, ports, the official SDK and
a ``stigmer``-compatible CLI, so pointing the suite at a real Stigmer is a configuration change.
"""
