"""jaccli's command line: `jaccli jacobian | plan | trace | check SPEC`, `jaccli example`.

The only package that imports click and rich (rich only when something is shown)."""

from jaccli.cli.commands import main
from jaccli.cli.examples import example

main.add_command(example)

__all__ = ["main"]
