"""The only code that imports behave's runtime: the hooks and the report formatters."""
