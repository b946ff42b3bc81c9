"""The commands that look at a spec without computing its Jacobian for use: `jaccli pattern`
(the sparsity pattern), `jaccli trace` (the recorded graph) and `jaccli check` (forward,
reverse and central differences against each other)."""

import click

from jaccli.cli import display, running
from jaccli.cli.options import spec_options
from jaccli.errors import ComputeError, InputError


@click.command()
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


@click.command()
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


@click.command()
@spec_options
@click.option("--chunk-size", type=click.IntRange(min=1), default=None, metavar="K",
              help="Seed vectors per sweep (default: the planner picks).")
@click.option("--rtol", type=click.FloatRange(min=0.0), default=1e-5, show_default=True,
              metavar="R",
              help="Relative tolerance; the finite-difference rounding error is added to it.")
@click.option("--hessian", "for_hessian", is_flag=True,
              help="Check the Hessian instead: forward over reverse, reverse over reverse and "
                   "central differences of the gradient.")
@running.reporting_errors
def check(spec, inputs, inputs_under, chunk_size, rtol, for_hessian):
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
    if for_hessian:
        from jaccli.cli import hessian as second
        rows, layout, passed = second.check(spec, spec_obj, chunk_size, rtol)
    else:
        j_fwd, layout, _, _ = running.flat_jacobian(spec_obj, "fwd", chunk_size)
        j_rev, _, _, _ = running.flat_jacobian(spec_obj, "rev", chunk_size)
        h = fdcheck.steps(spec_obj.inputs)
        with running.progress(f"central differences over {layout.N} columns"):
            j_fd = fdcheck.central_differences(spec_obj.evaluate, spec_obj.inputs, h)
        rows = fdcheck.check_rows(j_fwd, j_rev, j_fd, spec_obj.outputs, h, rtol, layout)
        passed = all(row["ok"] for row in rows)
    console = display.stdout_console()
    table = display.check_view(rows, passed)
    if for_hessian:
        table.title = ("Hessian check: forward over reverse, reverse over reverse, central "
                       "differences of the gradient")
    console.print(table)
    if not passed:
        worst = next(row for row in rows if not row["ok"])
        raise ComputeError(f"{worst['pair']} disagree beyond the tolerance (worst at "
                           f"{worst['where']}, abs diff {worst['abs']:.3g}); the derivative "
                           "rules or the function's smoothness at this point are suspect.")
    what = "the Hessian's" if for_hessian else "forward, reverse and central differences"
    console.print(f"OK: {what} agree ({layout.M} x {layout.N}, rtol {rtol:g}).",
                  markup=False, soft_wrap=True)
