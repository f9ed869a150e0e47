"""`version`: the CLI's version and the official client packages it is built on."""

from __future__ import annotations

import argparse
from importlib import metadata

from reference.cli import __version__
from reference.cli.context import Context
from reference.cli.errors import EXIT_OK


def package_version(name: str) -> str:
    """The installed version of a distribution, or `unknown`."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "unknown"


def show_version(args: argparse.Namespace, ctx: Context) -> int:
    """Print e.g. `stigmer-ref 0.1.0 (stigmer SDK 3.41.0, stigmer-protos 3.41.0)`."""
    ctx.print(
        f"stigmer-ref {__version__} (stigmer SDK {package_version('stigmer')}, "
        f"stigmer-protos {package_version('stigmer-protos')})"
    )
    return EXIT_OK
