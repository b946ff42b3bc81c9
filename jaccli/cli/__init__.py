"""jaccli's command line: `jaccli jacobian | plan | trace | check SPEC`, `jaccli example`.

The only package that imports click and rich (rich only when something is shown)."""

from jaccli.cli.commands import main
from jaccli.cli.examples import example
from jaccli.cli.inspecting import check, pattern, trace

for command in (example, pattern, trace, check):
    main.add_command(command)

__all__ = ["main"]
