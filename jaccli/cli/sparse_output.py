"""Sparse results on the command line: the formats a sparse J (or pattern) is written in
(``.npz`` in ``scipy.sparse.save_npz`` layout, ``.mtx`` Matrix Market), a terminal summary,
and the spy plot of ``jaccli pattern``. Files go through ``output.write_file``'s temporary
file and rename, so a failed run never leaves a partial file."""
import io
from pathlib import Path

from jaccli.cli import output as out
from jaccli.errors import InputError

SPARSE_FORMATS = ("npz", "mtx")


def sparse_format_for(output, fmt):
    """The format of a sparse result: --format, else -o's suffix, else npz. A dense-only
    format (npy, csv) is a usage error naming the sparse ones."""
    suffix = Path(output).suffix.lstrip(".").lower() if output and output != "-" else ""
    chosen = fmt or (suffix if suffix in SPARSE_FORMATS + out.FORMATS else "npz")
    if chosen not in SPARSE_FORMATS:
        raise InputError(f"--sparse on writes a sparse matrix, which .{chosen} cannot hold: "
                         "use -o J.npz (scipy.sparse.save_npz layout, read back with "
                         "scipy.sparse.load_npz) or -o J.mtx (Matrix Market), or pass "
                         "--sparse off (or auto) for a dense .npy or .csv.")
    return chosen


def serialize_sparse(matrix, fmt, stream, comment=""):
    """A sparse matrix as npz (``scipy.sparse.save_npz``) or mtx (Matrix Market, marked
    symmetric when it is) on ``stream``, which need not be seekable."""
    import scipy.io
    import scipy.sparse as sp
    target = io.BytesIO()
    if fmt == "npz":
        sp.save_npz(target, sp.csr_matrix(matrix), compressed=True)
    else:
        symmetric = matrix.shape[0] == matrix.shape[1] and (matrix != matrix.T).nnz == 0
        scipy.io.mmwrite(target, sp.coo_matrix(matrix), comment=comment, precision=17,
                         symmetry="symmetric" if symmetric else "general")
    stream.write(target.getvalue())


def write_sparse(matrix, fmt, output):
    """A sparse matrix to ``output`` (a file, or - for stdout)."""
    if output == "-":
        stream = out.stdout_stream()
        if stream is None:
            raise InputError("standard output is closed; write J to a file with -o J.npz.")
        serialize_sparse(matrix, fmt, stream)
        stream.flush()
        return
    out.write_file(matrix, None, fmt, output,
                   writer=lambda m, layout, f, stream: serialize_sparse(m, f, stream))


def summary(matrix, layout, plan_dict, what="J"):
    """A rich table: size, nnz, density, pattern kind and colours."""
    from rich.table import Table
    M, N = matrix.shape
    table = Table(title=f"sparse {what}: {M} x {N}", title_justify="left", show_header=False,
                  caption=f"save it with -o {what}.npz or -o {what}.mtx",
                  caption_justify="left")
    table.add_row("rows (outputs)", ", ".join(layout.out_names))
    table.add_row("columns (inputs)", ", ".join(layout.in_names))
    table.add_row("nonzeros", f"{matrix.nnz} ({matrix.nnz / max(M * N, 1):.3%} of M x N)")
    if plan_dict.get("pattern"):
        table.add_row("pattern", str(plan_dict["pattern"]))
    colors = plan_dict.get("colors")
    if colors:
        table.add_row("colours", ", ".join(f"{k} {v}" for k, v in colors.items()))
    if plan_dict.get("compressed"):
        table.add_row("sweeps", f"compressed {plan_dict['compressed']}")
    return table


def spy(pattern, path, title):
    """The pattern as a spy plot (PNG, SVG, PDF: matplotlib's savefig by suffix)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("drawing the pattern needs matplotlib: pip install 'jaccli[plot]' "
                         "(or save the pattern with -o P.npz).") from None
    M, N = pattern.shape
    fig, ax = plt.subplots(figsize=(6, 6 * min(max(M / max(N, 1), 0.25), 4)))
    ax.spy(pattern, markersize=max(0.1, min(4.0, 300.0 / max(M, N, 1))), aspect="auto")
    ax.set_title(f"{title}: {M} x {N}, {pattern.nnz} nonzeros", fontsize=10)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=Path(path).suffix.lstrip(".").lower() or "png", dpi=120,
                bbox_inches="tight")
    plt.close(fig)
    data = buffer.getvalue()
    out.write_file(data, None, "raw", path, writer=lambda m, layout, f, stream: stream.write(m))
