"""Entry point for `python -m reference.cli`."""

from reference.cli.main import main

raise SystemExit(main())
