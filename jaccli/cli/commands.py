"""The `jaccli` command group: jacobian, plan, trace, check, serve."""

import json

import click
import numpy as np

from jaccli.cli import display, running
from jaccli.cli.options import engine_options, sparse_option, spec_options
from jaccli.errors import ComputeError, InputError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="jaccli")
def main():
    """Full Jacobians of plain NumPy functions by automatic differentiation.

    SPEC is a YAML spec file (see configs/seed.yaml), or path/to/module.py:function or
    package.module:function whose inputs come from --input.

    \b
    Examples:
      jaccli jacobian configs/seed.yaml
      jaccli jacobian configs/seed.yaml -o J.npy
      jaccli plan configs/large.yaml
      jaccli check configs/tall.yaml
    """


@main.command()
@spec_options
@engine_options
@sparse_option
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True,
              help="cuda computes on the GPU with CuPy.")
@click.option("-o", "--output", metavar="FILE|-", default=None,
              help="Write J to FILE, or to stdout with -. Default: stdout when it is not a "
                   "terminal, else a table (small J) or a summary.")
@click.option("--format", "fmt", type=click.Choice(["npy", "npz", "csv", "mtx"]),
              default=None,
              help="npy: the flat matrix; npz: also each OUT__IN block and the row/column "
                   "labels (with --sparse on: scipy.sparse.save_npz); csv: text; mtx: Matrix "
                   "Market (--sparse on). Default: from -o's suffix, else npy.")
@click.option("--allow-nonfinite", is_flag=True,
              help="Write J even if it has NaN or inf entries (exit 0, with a warning).")
@click.option("--explain", is_flag=True,
              help="Print the plan (mode, chunk size, memory, estimated time, why) to stderr, "
                   "then compute.")
@click.option("--batch", is_flag=True,
              help="Every input carries a leading batch axis (one row per point): write the "
                   "(B, M, N) stack of Jacobians, computed in one batched sweep. npy only.")
@running.reporting_errors
def jacobian(spec, inputs, inputs_under, mode, chunk_size, memory_limit, sparse, device, output,
             fmt, allow_nonfinite, explain, batch):
    """Compute the flat (M, N) float64 Jacobian of SPEC at its point.

    Rows are the outputs, each flattened in C order, in the spec's order; columns are the
    inputs, likewise.

    \b
    Examples:
      jaccli jacobian configs/seed.yaml                  # a table on a terminal
      jaccli jacobian configs/seed.yaml -o J.npy
      jaccli jacobian configs/wide.yaml -o J.npz         # blocks and labels too
      jaccli jacobian configs/seed.yaml --input x1=3 --input x2='[1, 2]'
      jaccli jacobian configs/tall.yaml | python -c "import sys, io, numpy as np; \\
          print(np.load(io.BytesIO(sys.stdin.buffer.read())).shape)"
      python -c "import numpy as np, sys; np.save(sys.stdout.buffer, np.ones(3))" | \\
          jaccli jacobian configs/models/lorenz.py:trajectory --input state0=- \\
          --input sigma=10 --input rho=28 --input beta=2.667 -o J.npy
      jaccli jacobian configs/large.yaml --mode fwd --chunk-size 256 --memory-limit 1GB -o J.npy
      jaccli jacobian configs/large.yaml --explain -o J.npy
      jaccli jacobian configs/lorenz_rhs.yaml --batch --input state=points.npy -o J.npy
      jaccli jacobian configs/brusselator.yaml --sparse on -o J.npz   # scipy.sparse.load_npz

    A J larger than the memory budget (--memory-limit, default a quarter of the available
    memory) that goes to a .npy file is written into it chunk by chunk, memory-mapped.
    """
    from jaccli.cli import output as out
    if batch:
        if sparse == "on":
            raise InputError("--sparse on with --batch is not supported yet; drop one.")
        return _batched(spec, inputs, inputs_under, mode, chunk_size, memory_limit, device,
                        output, fmt, allow_nonfinite)
    if sparse == "on":
        return _sparse(spec, inputs, inputs_under, mode, chunk_size, memory_limit, device,
                       output, fmt, allow_nonfinite, explain)
    if fmt == "mtx":
        raise InputError("--format mtx writes a sparse matrix: add --sparse on.")
    if device != "cpu":
        sparse = "off"                      # compressed sweeps run on the CPU only
    spec_obj = running.load(spec, inputs, memory_limit=memory_limit, inputs_under=inputs_under)
    running.check_point(spec_obj, allow_nonfinite)
    fmt = out.format_for(output, fmt)
    to_stdout = output == "-" or (output is None and not out.stdout_is_terminal())
    mapped = None if to_stdout or output is None or fmt != "npy" else out.MappedFile(output)
    with mapped or out.nothing():
        matrix, layout, used, plan = running.flat_jacobian(
            spec_obj, mode, chunk_size, memory_limit, device=None if device == "cpu" else device,
            out_path=mapped and mapped.temporary, explain=explain, sparse=sparse)
        problem = out.nonfinite_problem(matrix, layout)
        if problem and not allow_nonfinite:
            raise ComputeError(problem + " Check that the point lies in the function's "
                                         "domain, or pass --allow-nonfinite to write J anyway.")
        if problem:
            display.warning(problem)
        if plan.storage == "memmap":
            del matrix
            mapped.commit()
            display.message(f"wrote J ({layout.M} x {layout.N}, {used} mode) to {output} "
                            f"as npy, chunk by chunk")
            return
    if to_stdout:
        out.write_stdout(matrix, layout, fmt, out.stdout_stream())
    elif output is not None:
        out.write_file(matrix, layout, fmt, output)
        display.message(f"wrote J ({layout.M} x {layout.N}, {used} mode) to {output} "
                        f"as {fmt}")
    else:
        display.console().print(display.jacobian_view(matrix, layout, used))


def _sparse(spec, inputs, inputs_under, mode, chunk_size, memory_limit, device, output, fmt,
            allow_nonfinite, explain):
    """``jacobian --sparse on``: J as a scipy.sparse matrix, .npz or .mtx."""
    from jaccli.cli import output as out
    from jaccli.cli import sparse_output
    if device != "cpu":
        raise InputError("--sparse on runs on the CPU only in this version; drop --device "
                         "cuda.")
    fmt = sparse_output.sparse_format_for(output, fmt)
    spec_obj = running.load(spec, inputs, memory_limit=memory_limit, inputs_under=inputs_under)
    running.check_point(spec_obj, allow_nonfinite)
    matrix, layout, used, plan = running.flat_jacobian(
        spec_obj, mode, chunk_size, memory_limit, explain=explain, sparse="on")
    bad = ~np.isfinite(matrix.data)
    if bad.any():
        problem = f"{int(bad.sum())} Jacobian entries are NaN or inf."
        if not allow_nonfinite:
            raise ComputeError(problem + " Check that the point lies in the function's "
                                         "domain, or pass --allow-nonfinite to write J anyway.")
        display.warning(problem)
    to_stdout = output == "-" or (output is None and not out.stdout_is_terminal())
    if to_stdout or output is not None:
        sparse_output.write_sparse(matrix, fmt, "-" if to_stdout else output)
        if not to_stdout:
            display.message(f"wrote sparse J ({layout.M} x {layout.N}, {matrix.nnz} "
                            f"nonzeros, {used}) to {output} as {fmt}")
        return
    display.console().print(sparse_output.summary(matrix, layout, plan.to_dict()))


def _batched(spec, inputs, inputs_under, mode, chunk_size, memory_limit, device, output, fmt,
             allow_nonfinite):
    """``jacobian --batch``: the (B, M, N) stack of Jacobians, as .npy."""
    from jaccli.cli import output as out
    if device != "cpu":
        raise InputError("--batch runs on the CPU only in this version; drop --device cuda.")
    if out.format_for(output, fmt) != "npy":
        raise InputError("--batch writes a (B, M, N) .npy only; use -o FILE.npy or -o -.")
    spec_obj = running.load(spec, inputs, batch=True, memory_limit=memory_limit,
                            inputs_under=inputs_under)
    stack, layout, used = running.batched_flat_jacobian(spec_obj, mode, chunk_size,
                                                        memory_limit)
    bad = ~np.isfinite(stack)
    if bad.any():
        b, i, j = (int(k) for k in np.argwhere(bad)[0])
        problem = (f"{int(bad.sum())} Jacobian entries are NaN or inf; the first is at point "
                   f"{b}, row {layout.row_label(i)}, column {layout.col_label(j)}.")
        if not allow_nonfinite:
            raise ComputeError(problem + " Check that the points lie in the function's "
                                         "domain, or pass --allow-nonfinite.")
        display.warning(problem)
    if output == "-" or (output is None and not out.stdout_is_terminal()):
        out.write_stdout(stack, layout, "npy", out.stdout_stream())
    elif output is not None:
        out.write_file(stack, layout, "npy", output)
        display.message(f"wrote {stack.shape[0]} Jacobians ({layout.M} x {layout.N} each, "
                        f"{used} mode) to {output} as npy")
    else:
        display.message(f"{stack.shape[0]} Jacobians of {layout.M} x {layout.N} ({used} "
                        "mode); write them with -o FILE.npy")


@main.command()
@spec_options
@engine_options
@sparse_option
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (mode, M, N, chunk_size, reason, modes, inputs, "
                   "outputs) instead of tables.")
@running.reporting_errors
def plan(spec, inputs, inputs_under, mode, chunk_size, memory_limit, sparse, as_json):
    """Show how jaccli would compute SPEC's Jacobian, and why.

    Lists the inputs and outputs with their sizes, M and N, the sweeps, chunk size and peak
    memory of forward and reverse mode, the chosen mode and a one-line reason.

    \b
    Examples:
      jaccli plan configs/large.yaml
      jaccli plan configs/wide.yaml --json
      jaccli plan configs/large.yaml --memory-limit 64MiB
      jaccli plan configs/brusselator.yaml --sparse on      # nnz, colours, compressed sweeps
    """
    from jaccli.api import plan as make_plan
    spec_obj = running.load(spec, inputs, memory_limit=memory_limit, inputs_under=inputs_under)
    layout = running.layout_of(spec_obj)
    result = make_plan(spec_obj.function, spec_obj.inputs, argnums=spec_obj.argnums, mode=mode,
                       chunk_size=chunk_size, memory_limit=memory_limit, sparse=sparse)
    data = dict(result.to_dict())
    data["inputs"] = _sizes(layout.in_names, layout.in_shapes)
    data["outputs"] = _sizes(layout.out_names, layout.out_shapes)
    if as_json:
        click.echo(json.dumps(data, indent=2, default=_plain))
        return
    console = display.stdout_console()
    for table in display.plan_view(data, layout):
        console.print(table)
    console.print(display.plan_sentence(data), markup=False, soft_wrap=True)


def _sizes(names, shapes):
    return [{"name": n, "shape": list(s), "size": int(_prod(s))} for n, s in zip(names, shapes)]


def _prod(shape):
    size = 1
    for n in shape:
        size *= int(n)
    return size


def _plain(value):
    """JSON for NumPy scalars and arrays."""
    return value.tolist() if hasattr(value, "tolist") else str(value)


@main.command()
@spec_options
@click.option("-o", "--output", metavar="FILE", default=None,
              help="P.png (or .svg, .pdf): a spy plot (needs jaccli[plot]); P.npz: the boolean "
                   "pattern in scipy.sparse.save_npz layout; P.mtx: Matrix Market.")
@running.reporting_errors
def pattern(spec, inputs, inputs_under, output):
    """Find the sparsity pattern of SPEC's Jacobian: every entry that can be nonzero.

    Found from the traced graph, not by probing values; valid at every point unless the
    function branched on values (then at this point only, and the summary says so). Shows nnz,
    density and the colours that compressed sweeps would need in each direction.

    \b
    Examples:
      jaccli pattern configs/brusselator.yaml
      jaccli pattern configs/brusselator.yaml -o P.png
      jaccli pattern configs/brusselator.yaml -o P.npz
    """
    from jaccli.cli import sparse_output
    spec_obj = running.load(spec, inputs, inputs_under=inputs_under)
    layout = running.layout_of(spec_obj)
    P, data = running.sparsity_pattern(spec_obj)
    suffix = output.rsplit(".", 1)[-1].lower() if output and "." in output else ""
    if output is None:
        display.console().print(sparse_output.summary(P, layout, data, what="P"))
    elif suffix in sparse_output.SPARSE_FORMATS:
        sparse_output.write_sparse(P, suffix, output)
        display.message(f"wrote the pattern ({P.shape[0]} x {P.shape[1]}, {P.nnz} nonzeros) "
                        f"to {output}")
    elif suffix in ("png", "svg", "pdf"):
        sparse_output.spy(P, output, spec_obj.name or spec)
        display.message(f"drew the pattern ({P.shape[0]} x {P.shape[1]}, {P.nnz} nonzeros) "
                        f"to {output}")
    else:
        raise InputError(f"-o {output}: write the pattern as .png, .svg or .pdf (a picture) or "
                         ".npz or .mtx (the matrix).")


@main.command()
@spec_options
@running.reporting_errors
def trace(spec, inputs, inputs_under):
    """Print the graph jaccli records for SPEC, one equation per line.

    \b
    Examples:
      jaccli trace configs/seed.yaml
      jaccli trace configs/models/lorenz.py:step --input state=[1,1,1] --input sigma=10 \\
          --input rho=28 --input beta=2.667
    """
    import jaccli
    spec_obj = running.load(spec, inputs, inputs_under=inputs_under)
    click.echo(str(jaccli.trace(spec_obj.function, *spec_obj.inputs)))


@main.command()
@spec_options
@click.option("--chunk-size", type=click.IntRange(min=1), default=None, metavar="K",
              help="Seed vectors per sweep (default: the planner picks).")
@click.option("--rtol", type=click.FloatRange(min=0.0), default=1e-5, show_default=True,
              help="Relative tolerance; the finite-difference rounding error is added to it.")
@running.reporting_errors
def check(spec, inputs, inputs_under, chunk_size, rtol):
    """Check SPEC's Jacobian: forward mode, reverse mode and central differences.

    Prints the largest absolute and relative differences between each pair and exits with 1
    when AD and the differences disagree beyond a tolerance scaled to the step.

    \b
    Examples:
      jaccli check configs/seed.yaml
      jaccli check configs/tall.yaml --rtol 1e-6
    """
    from jaccli.cli import fdcheck
    spec_obj = running.load(spec, inputs, inputs_under=inputs_under)
    j_fwd, layout, _, _ = running.flat_jacobian(spec_obj, "fwd", chunk_size)
    j_rev, _, _, _ = running.flat_jacobian(spec_obj, "rev", chunk_size)
    h = fdcheck.steps(spec_obj.inputs)
    with running.progress(f"central differences over {layout.N} columns"):
        j_fd = fdcheck.central_differences(spec_obj.evaluate, spec_obj.inputs, h)
    rows = fdcheck.check_rows(j_fwd, j_rev, j_fd, spec_obj.outputs, h, rtol, layout)
    passed = all(row["ok"] for row in rows)
    console = display.stdout_console()
    console.print(display.check_view(rows, passed))
    if not passed:
        worst = next(row for row in rows if not row["ok"])
        raise ComputeError(f"{worst['pair']} disagree beyond the tolerance (worst at "
                           f"{worst['where']}, abs diff {worst['abs']:.3g}); the derivative "
                           "rules or the function's smoothness at this point are suspect.")
    console.print(f"OK: forward, reverse and central differences agree ({layout.M} x "
                  f"{layout.N}, rtol {rtol:g}).", markup=False, soft_wrap=True)


from jaccli.cli.serve import serve  # noqa: E402  (its own module: the stream protocol)

main.add_command(serve)
