"""Run results: one directory per run, reports routed into it, evidence linked from the HTML
report, living documentation, and run-level redaction.

Only ``harness.reporting.behave_formatters`` and ``harness.reporting.html_report`` know behave
(and its HTML formatter); everything else is plain Python over files.
"""
