"""Run results: one directory per run, reports routed into it, evidence linked from the HTML
report, living documentation, and run-level redaction.

Plain Python over files: what plugs into behave's runtime (the formatters, the HTML
report's attachments) lives in ``harness.behave``.
"""
