"""The `jaccli` command group and its computing commands: jacobian, hessian, plan (pattern,
trace and check: cli/inspecting.py; serve: cli/serve.py; --batch: cli/batch.py)."""

import json

import click

from jaccli.cli import display, running
from jaccli.cli.options import cluster_options, engine_options, sparse_option, spec_options
from jaccli.errors import InputError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(None, "-V", "--version", package_name="jaccli")
def main():
    """Full Jacobians of plain NumPy functions by automatic differentiation.

    SPEC is a YAML spec file (`jaccli example` lists the shipped ones; `jaccli example seed`
    writes seed.yaml), or path/to/module.py:function or package.module:function whose inputs
    come from --input.

    \b
    Examples:
      jaccli example seed && jaccli jacobian seed.yaml
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
@click.option("--npz-blocks/--no-npz-blocks", default=None,
              help="With npz: also store each OUT__IN block (default: when J is at most "
                   "64 MB; they double the file).")
@click.option("--allow-nonfinite", is_flag=True,
              help="Write J even if it has NaN or inf entries (exit 0, with a warning).")
@click.option("--explain", is_flag=True,
              help="Print the plan (mode, chunk size, memory, estimated time, why) to stderr, "
                   "then compute.")
@click.option("--batch", is_flag=True,
              help="Every input carries a leading batch axis (one row per point): write the "
                   "(B, M, N) stack of Jacobians, computed in one batched sweep, as npy. With "
                   "--sparse on: one sparse (B*M, N) matrix, point p's J in rows p*M to "
                   "p*M+M-1 (.npz in scipy.sparse.save_npz layout, or .mtx).")
@cluster_options
@running.reporting_errors
def jacobian(spec, inputs, inputs_under, mode, chunk_size, memory_limit, sparse, device, output,
             fmt, npz_blocks, allow_nonfinite, explain, batch, scheduler=None, workers=None):
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
      jaccli jacobian configs/large.yaml --scheduler tcp://HOST:8786 -o J.npy   # jaccli[dask]
      jaccli jacobian configs/large.yaml --workers 4 -o J.npy

    With --scheduler or --workers, chunks of seeds (or of points, with --batch) run as tasks
    on a Dask cluster, each block written into the output as it arrives; J is the serial J.

    A J larger than the memory budget (--memory-limit, default a quarter of the available
    memory) that goes to a .npy file is written into it chunk by chunk, memory-mapped.
    """
    if sparse == "on" and batch:
        if scheduler or workers:
            raise InputError("--sparse on with --batch runs here, not on a cluster, in this "
                             "version: drop --scheduler/--workers, or use --sparse auto.")
        from jaccli.cli import batched_sparse
        return batched_sparse.run(spec, inputs, inputs_under, mode, chunk_size, memory_limit,
                                  device, output, fmt, allow_nonfinite)
    if (scheduler or workers) and device != "cpu":
        raise InputError("--scheduler and --workers run on the cluster's CPUs in this "
                         "version; drop --device cuda.")
    if sparse == "on":
        with running.cluster(scheduler, workers) as cluster:
            return _sparse(spec, inputs, inputs_under, mode, chunk_size, memory_limit, device,
                           output, fmt, allow_nonfinite, explain, cluster)
    if fmt == "mtx":
        raise InputError("--format mtx writes a sparse matrix: add --sparse on.")
    if device != "cpu":
        sparse = "off"                      # compressed sweeps run on the CPU only
    with running.cluster(scheduler, workers) as cluster:
        if batch:
            from jaccli.cli import batch as batched
            return batched.run(spec, inputs, inputs_under, mode, chunk_size, memory_limit, device,
                            output, fmt, allow_nonfinite, cluster, sparse)
        return _flat(spec, inputs, inputs_under, mode, chunk_size, memory_limit, sparse, device,
                     output, fmt, npz_blocks, allow_nonfinite, explain, cluster)


def _flat(spec, inputs, inputs_under, mode, chunk_size, memory_limit, sparse, device, output,
          fmt, npz_blocks, allow_nonfinite, explain, cluster):
    """``jacobian`` without --batch: the flat (M, N) J."""
    from jaccli.cli import output as out
    spec_obj = running.load(spec, inputs, memory_limit=memory_limit, inputs_under=inputs_under)
    running.check_point(spec_obj, allow_nonfinite)
    fmt = out.format_for(output, fmt)
    to_stdout = output == "-" or (output is None and not out.stdout_is_terminal())
    mapped = None if to_stdout or output is None or fmt != "npy" else out.MappedFile(output)
    with mapped or out.nothing():
        matrix, layout, used, plan = running.flat_jacobian(
            spec_obj, mode, chunk_size, memory_limit, device=None if device == "cpu" else device,
            out_path=mapped and mapped.temporary, explain=explain, sparse=sparse,
            client=cluster)
        running.nonfinite(out.nonfinite_problem(matrix, layout), allow_nonfinite)
        if plan.storage == "memmap":
            del matrix
            mapped.commit()
            display.message(f"wrote J ({layout.M} x {layout.N}, {used} mode) to {output} "
                            f"as npy, chunk by chunk")
            return
    blocks, said = out.npz_blocks(npz_blocks, layout)
    if said and fmt == "npz" and (to_stdout or output is not None):
        display.message(said)
    if to_stdout:
        out.write_stdout(matrix, layout, fmt, out.stdout_stream(), blocks=blocks)
        if output is None:
            out.tell_where_bytes_went(f"J ({layout.M} x {layout.N})", fmt)
    elif output is not None:
        out.write_file(matrix, layout, fmt, output, blocks=blocks)
        display.message(f"wrote J ({layout.M} x {layout.N}, {used} mode) to {output} "
                        f"as {fmt}")
    else:
        display.console().print(display.jacobian_view(matrix, layout, used))


def _sparse(spec, inputs, inputs_under, mode, chunk_size, memory_limit, device, output, fmt,
            allow_nonfinite, explain, cluster=None):
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
        spec_obj, mode, chunk_size, memory_limit, explain=explain, sparse="on",
        client=cluster)
    running.sparse_nonfinite(matrix, allow_nonfinite)
    to_stdout = output == "-" or (output is None and not out.stdout_is_terminal())
    if to_stdout or output is not None:
        sparse_output.write_sparse(matrix, fmt, "-" if to_stdout else output)
        if output is None:
            out.tell_where_bytes_went(f"sparse J ({layout.M} x {layout.N})", fmt)
        if not to_stdout:
            display.message(f"wrote sparse J ({layout.M} x {layout.N}, {matrix.nnz} "
                            f"nonzeros, {used}) to {output} as {fmt}")
        return
    display.console().print(sparse_output.summary(matrix, layout, plan.to_dict()))


@main.command()
@spec_options
@engine_options
@sparse_option
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object (mode, M, N, chunk_size, reason, modes, inputs, "
                   "outputs) instead of tables.")
@click.option("--hessian", "for_hessian", is_flag=True,
              help="Plan jaccli hessian instead: the traced first derivative and the sweeps "
                   "over it.")
@click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Also show how the sweeps split into tasks on a Dask cluster of N "
                   "workers (tasks, seeds per task, est. time per task), or that it does "
                   "not pay.")
@click.option("--batch", is_flag=True,
              help="Plan jacobian --batch: every input carries a leading batch axis; the plan "
                   "is made at the first point and serves every point (a local pattern: "
                   "points on other branches get their own pattern, group by group).")
@running.reporting_errors
def plan(spec, inputs, inputs_under, mode, chunk_size, memory_limit, sparse, as_json,
         for_hessian, workers=None, batch=False):
    """Show how jaccli would compute SPEC's Jacobian, and why.

    Lists the inputs and outputs with their sizes, M and N, the sweeps, chunk size and peak
    memory of forward and reverse mode, the chosen mode and a one-line reason.

    \b
    Examples:
      jaccli plan configs/large.yaml
      jaccli plan configs/wide.yaml --json
      jaccli plan configs/large.yaml --memory-limit 64MiB
      jaccli plan configs/brusselator.yaml --sparse on      # nnz, colours, compressed sweeps
      jaccli plan configs/large.yaml --workers 4
    """
    from jaccli.api import plan as make_plan
    spec_obj = running.load(spec, inputs, batch=batch, memory_limit=memory_limit,
                            inputs_under=inputs_under)
    point = [x[0] for x in spec_obj.inputs] if batch else spec_obj.inputs
    layout = running.layout_of(spec_obj, in_shapes=[x.shape for x in point] if batch else None)
    if batch and (for_hessian or workers is not None):
        raise InputError("plan --batch plans jacobian --batch; drop --hessian and --workers.")
    if for_hessian:
        from jaccli.cli import hessian as second
        second.scalar_spec(spec, spec_obj)
        data = second.plan_data(spec_obj, mode, chunk_size, memory_limit)
    else:
        result = make_plan(spec_obj.function, point, argnums=spec_obj.argnums,
                           mode=mode, chunk_size=chunk_size, memory_limit=memory_limit,
                           sparse=sparse)
        data = dict(result.to_dict())
    if batch:
        data["points"] = int(spec_obj.inputs[0].shape[0])
        data["points_reason"] = (
            f"planned at the first of {data['points']} points; the plan (and, compressed, "
            "the pattern and colouring) serves every point on the same path" + (
                "; the pattern is local: points on other branches are grouped by path, "
                "each group coloured on its own pattern" if data.get("pattern") == "local"
                else ""))
    data["inputs"] = _sizes(layout.in_names, layout.in_shapes)
    data["outputs"] = _sizes(layout.out_names, layout.out_shapes)
    if workers is not None and for_hessian:
        raise InputError("plan --workers splits a Jacobian's sweeps; it does not plan "
                         "Hessians on a cluster yet (drop --hessian or --workers).")
    if workers is not None:
        from jaccli.distributed import split_seeds
        data["cluster"] = split_seeds(result, workers, local=True).to_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2, default=_plain))
        return
    console = display.stdout_console()
    display.print_plan(data, layout, console)
    if "cluster" in data:
        console.print(display.cluster_sentence(data["cluster"]), markup=False, soft_wrap=True)
    if "points_reason" in data:
        console.print(data["points_reason"][0].upper() + data["points_reason"][1:] + ".",
                      markup=False)


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
@engine_options
@click.option("--sparse", type=click.Choice(["auto", "on", "off"]), default="auto",
              show_default=True,
              help="on: star/acyclic colouring of the gradient graph's pattern, compressed "
                   "sweeps, a sparse file (.npz in scipy.sparse.save_npz layout, or .mtx); "
                   "auto: compressed sweeps where the pattern makes them cheaper, output as "
                   "asked; off: dense sweeps.")
@click.option("-o", "--output", metavar="FILE|-", default=None,
              help="Write H to FILE, or to stdout with -. Default: stdout when it is not a "
                   "terminal, else a table (small H) or a summary.")
@click.option("--format", "fmt", type=click.Choice(["npy", "npz", "csv", "mtx"]), default=None,
              help="npy: the flat matrix; npz: also each IN__IN block and the labels (with "
                   "--sparse on: scipy.sparse.save_npz); csv: text; mtx: Matrix Market. "
                   "Default: from -o's suffix, else npy.")
@click.option("--allow-nonfinite", is_flag=True,
              help="Write H even if it has NaN or inf entries (exit 0, with a warning).")
@click.option("--explain", is_flag=True,
              help="Print the plan (or the sparse colouring) to stderr, then compute.")
@click.option("--batch", is_flag=True,
              help="Every input carries a leading batch axis (one row per point): write the "
                   "(P, N, N) stack of Hessians, one per point, computed by batched sweeps "
                   "over all points. npy only.")
@running.reporting_errors
def hessian(spec, inputs, inputs_under, mode, chunk_size, memory_limit, sparse, output, fmt,
            allow_nonfinite, explain, batch):
    """Compute the flat (N, N) float64 Hessian of SPEC, which has one scalar output.

    Rows and columns are the inputs, each flattened in C order, in the spec's order. By
    forward over reverse: the gradient sweep is traced once, then batched sweeps over it.

    \b
    Examples:
      jaccli hessian configs/seed.yaml
      jaccli hessian configs/rosenbrock.yaml --sparse on -o H.npz
      jaccli hessian configs/rosenbrock.yaml --input x=x0.npy -o H.npy
    """
    from jaccli.cli import hessian as second
    second.run(spec, inputs, inputs_under, mode, chunk_size, memory_limit, output, fmt, sparse,
               allow_nonfinite, explain, batch)


from jaccli.cli.serve import serve  # noqa: E402  (its own module: the stream protocol)

main.add_command(serve)
