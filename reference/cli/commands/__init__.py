"""One module per command; each handler takes `(args, ctx)` and returns an exit code."""
