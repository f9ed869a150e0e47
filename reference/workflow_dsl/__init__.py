"""The workflow language shared by the reference server (validation) and runner (execution).

Pure Python, no I/O and no protobuf at import time of :mod:`expressions`, so the runner's
Temporal workflow sandbox can import it.
"""
