"""Option types and option groups shared by the commands."""

import click

from jaccli.memory import parse_size  # noqa: F401 - the parser, shared with the Python API


class ByteSize(click.ParamType):
    """A memory size such as 2GB, 512MB or 64MiB, as an int of bytes."""
    name = "SIZE"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        try:
            return parse_size(value)
        except ValueError as e:
            self.fail(str(e), param, ctx)


def split_assignments(ctx, param, values):
    """--input NAME=VALUE, ... -> list of (name, text); a usage error if '=' is missing."""
    pairs, seen = [], set()
    for item in values:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or not text:
            raise click.BadParameter(f"'{item}' is not NAME=VALUE; write e.g. --input x=2.5, "
                                     "--input x=[1,2], --input x=u.npy or --input x=-",
                                     ctx=ctx, param=param)
        if name in seen:
            raise click.BadParameter(f"'{name}' is given twice", ctx=ctx, param=param)
        seen.add(name)
        pairs.append((name, text))
    if sum(text == "-" for _, text in pairs) > 1:
        raise click.BadParameter("only one input can be read from stdin (-)",
                                 ctx=ctx, param=param)
    return pairs


def spec_options(function):
    """SPEC argument, --input, --inputs-under, --timeout and --debug, common to every
    command."""
    function = click.option("--debug", is_flag=True,
                            help="Show the Python traceback of an error.")(function)
    function = click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
                            default=None, metavar="SECONDS",
                            help="Give up after SECONDS (exit 1, nothing written), e.g. "
                                 "when a module function may loop forever.")(function)
    function = click.option("--inputs-under", type=click.Path(exists=True, file_okay=False),
                            default=None, metavar="DIR",
                            help="Refuse file: inputs of a YAML spec that lie outside DIR "
                                 "(for specs from elsewhere).")(function)
    function = click.option("--input", "-i", "inputs", multiple=True, metavar="NAME=VALUE",
                            callback=split_assignments,
                            help="Override an input: a .npy path, - for a .npy on stdin, or "
                                 "a JSON number/list. Repeatable.")(function)
    return click.argument("spec", metavar="SPEC")(function)


def engine_options(function):
    """--mode, --chunk-size and --memory-limit, which the planner reads."""
    function = click.option("--memory-limit", type=ByteSize(), default=None,
                            help="Memory budget for one sweep, e.g. 2GB, 512MB, 64MiB.")(function)
    function = click.option("--chunk-size", type=click.IntRange(min=1), default=None,
                            metavar="K",
                            help="Seed vectors per sweep (default: the planner picks).")(function)
    return click.option("--mode", type=click.Choice(["auto", "fwd", "rev"]), default="auto",
                        show_default=True,
                        help="fwd: one column per seed; rev: one row per seed.")(function)


def sparse_option(function):
    """--sparse auto|on|off: compressed sweeps over the Jacobian's sparsity pattern."""
    return click.option(
        "--sparse", type=click.Choice(["auto", "on", "off"]), default="auto",
        show_default=True,
        help="on: a sparse J from compressed sweeps (one seed per colour of its pattern), "
             "written as .npz (scipy.sparse.save_npz) or .mtx; auto: compressed sweeps when "
             "the planner finds them cheaper, J as asked; off: dense sweeps.")(function)


def cluster_options(function):
    """--scheduler and --workers: the sweeps as tasks on a Dask cluster (jaccli[dask])."""
    function = click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
                            help="Run the tasks on a local Dask cluster of N single-threaded "
                                 "worker processes, started and stopped for this run (not "
                                 "started when the job is too small to pay).")(function)
    return click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
                        help="Run the chunks of seeds (or of points, with --batch) as tasks "
                             "on an existing Dask cluster; needs "
                             "pip install 'jaccli[dask]'.")(function)
