"""jaccli's command line: `jaccli jacobian | plan | trace | check SPEC`.

The only package that imports click and rich (rich only when something is shown)."""

from jaccli.cli.commands import main

__all__ = ["main"]
