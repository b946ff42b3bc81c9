"""`jaccli hessian`, and the --hessian variants of `plan` and `check`: the (N, N) flat Hessian
of a spec with one scalar output, over its inputs flattened in C order and laid out in order
(the Jacobian's column layout, twice)."""

import io

import numpy as np

from jaccli.cli import display, running
from jaccli.cli import output as out
from jaccli.errors import InputError
from jaccli.spec import SpecError

SPARSE_FORMATS = ("mtx",)


def scalar_spec(spec_ref, spec):
    """Exit 2 unless the spec has exactly one output and it is a scalar."""
    shapes = [np.shape(o) for o in spec.outputs]
    if len(shapes) == 1 and shapes[0] == ():
        return
    shown = ", ".join(f"{n} (shape {list(s)})" if s else f"{n} (scalar)"
                      for n, s in zip(spec.output_names, shapes))
    raise SpecError(f"{spec_ref}: jaccli hessian needs one scalar output, but the spec has "
                    f"{len(shapes)} output{'s' * (len(shapes) != 1)}: {shown}. Keep one "
                    "scalar output (a sum, a loss), or use jaccli jacobian.")


def hessian_layout(spec):
    """Rows and columns both the inputs (a Hessian is the Jacobian of the gradient)."""
    return out.Layout(spec.input_names, spec.in_shapes, spec.input_names, spec.in_shapes)


def sparse_wanted(sparse, fmt, N):
    """(compute sparse, write sparse) for --sparse on|off|auto and the output format. With
    auto and a dense format the library decides (``hessian.flat_hessian(compress=True)``:
    compressed sweeps when the gradient graph's pattern is sparse enough to pay)."""
    if sparse == "on":
        if fmt in ("npy", "csv"):
            raise InputError(f"--sparse on writes a sparse matrix: use -o H.npz "
                             f"(scipy.sparse.save_npz) or -o H.mtx (Matrix Market); .{fmt} "
                             "needs --sparse off or auto.")
        return True, True
    write = fmt in SPARSE_FORMATS
    return write, write


def run(spec_ref, inputs, inputs_under, mode, chunk_size, memory_limit, output, fmt, sparse,
        allow_nonfinite, explain, batch):
    """The body of `jaccli hessian`."""
    if batch:
        return run_batch(spec_ref, inputs, inputs_under, mode, chunk_size, memory_limit,
                         output, fmt, sparse, allow_nonfinite)
    spec = running.load(spec_ref, inputs, memory_limit=memory_limit, inputs_under=inputs_under)
    scalar_spec(spec_ref, spec)
    running.check_point(spec, allow_nonfinite)
    fmt = fmt or _format_for(output)
    layout = hessian_layout(spec)
    compute_sparse, write_sparse = sparse_wanted(sparse, fmt, layout.N)
    H, how = compute(spec, mode, chunk_size, memory_limit, compute_sparse, explain, layout,
                     compress=sparse == "auto")
    dense = None if write_sparse else (H.toarray() if hasattr(H, "toarray") else H)
    running.nonfinite(_nonfinite(H, dense, layout), allow_nonfinite)
    matrix = H if write_sparse else dense
    writer = _writer(fmt, write_sparse)
    to_stdout = output == "-" or (output is None and not out.stdout_is_terminal())
    if to_stdout:
        out.write_stdout(matrix, layout, fmt, out.stdout_stream(), writer=writer)
    elif output is not None:
        out.write_file(matrix, layout, fmt, output, writer=writer)
        kind = f"sparse, {H.nnz} nonzeros" if write_sparse else "dense"
        display.message(f"wrote H ({layout.N} x {layout.N}, {kind}, {how}) to {output} as "
                        f"{fmt}")
    else:
        view = dense if dense is not None else H.toarray()
        display.console().print(_view(view, layout, how))


def run_batch(spec_ref, inputs, inputs_under, mode, chunk_size, memory_limit, output, fmt,
              sparse, allow_nonfinite):
    """`jaccli hessian --batch`: one (N, N) Hessian per point, the (P, N, N) stack as .npy,
    by batched sweeps over all points (``jaccli.hessian_points``)."""
    from jaccli.hessian_points import batched_flat_hessian
    if sparse == "on":
        raise InputError("--sparse on with --batch is not supported yet for jaccli hessian: "
                         "drop --sparse on for the dense (P, N, N) stack.")
    if (fmt or _format_for(output)) != "npy":
        raise InputError("hessian --batch writes a (P, N, N) .npy only; use -o FILE.npy or "
                         "-o -.")
    spec = running.load(spec_ref, inputs, batch=True, memory_limit=memory_limit,
                        inputs_under=inputs_under)
    scalar_spec(spec_ref, spec)
    layout = out.Layout(spec.input_names, [x.shape[1:] for x in spec.inputs],
                        spec.input_names, [x.shape[1:] for x in spec.inputs])
    points = spec.inputs[0].shape[0]
    with running.progress(f"Hessians at {points} points"):
        T, info = batched_flat_hessian(spec.function, list(spec.inputs), spec.argnums,
                                       set(spec.argnums), mode, chunk_size, memory_limit)
    stack = np.ascontiguousarray(T[:, 0], dtype=np.float64)
    bad = ~np.isfinite(stack)
    if bad.any():
        p, i, j = (int(k) for k in np.argwhere(bad)[0])
        running.nonfinite(f"{int(bad.sum())} Hessian entries are NaN or inf; the first is at "
                          f"point {p}, row {layout.row_label(i)}, column "
                          f"{layout.col_label(j)}.", allow_nonfinite, "the points lie")
    what = f"{points} Hessians ({layout.N} x {layout.N} each, {info['mode']} over {info['inner']})"
    if output == "-" or (output is None and not out.stdout_is_terminal()):
        out.write_stdout(stack, layout, "npy", out.stdout_stream())
        if output is None:
            out.tell_where_bytes_went(what, "npy")
    elif output is not None:
        out.write_file(stack, layout, "npy", output)
        display.message(f"wrote {what} to {output} as npy")
    else:
        display.message(f"{what}; write them with -o FILE.npy")


def _nonfinite(H, dense, layout):
    if dense is not None:
        problem = out.nonfinite_problem(dense, layout)
        return problem and problem.replace("Jacobian", "Hessian")
    bad = ~np.isfinite(H.data)
    if not bad.any():
        return None
    coo = H.tocoo()
    k = int(np.flatnonzero(~np.isfinite(coo.data))[0])
    return (f"{int(bad.sum())} Hessian entries are NaN or inf; the first is at row "
            f"{layout.row_label(int(coo.row[k]))}, column {layout.col_label(int(coo.col[k]))}.")


def _view(matrix, layout, how):
    table = display.jacobian_view(matrix, layout, how)
    table.title = f"H: {layout.N} x {layout.N}, {how}"
    return table


def _format_for(output):
    if output and output != "-" and output.lower().endswith(".mtx"):
        return "mtx"
    return out.format_for(output, None)


def compute(spec, mode, chunk_size, memory_limit, sparse, explain, layout, compress=False):
    """(H as a dense float64 array or a csr_array, how it was computed: a phrase)."""
    from jaccli.hessian import flat_hessian, sparse_hessian
    with running.progress(f"{layout.N} x {layout.N} Hessian"):
        if sparse:
            result = sparse_hessian(spec.function, *spec.inputs, argnums=spec.argnums,
                                    chunk_size=chunk_size)
            if explain:
                display.message(_sparse_sentence(result, layout.N))
            _warn_point(result.point_dependent)
            how = ("dense pattern, fwd over rev" if result.method == "dense" else
                   f"{result.colors} colours ({result.method}), fwd over rev")
            return result.matrix.astype(np.float64), how
        def show_plan(plan):
            data = plan.to_dict()
            for table in display.plan_view(data, layout):
                display.console().print(table)
            display.message(display.plan_sentence(data))
        result = flat_hessian(spec.function, spec.inputs, spec.argnums, mode, chunk_size,
                              memory_limit, on_plan=show_plan if explain else None,
                              compress=compress)
    _warn_point(result.point_dependent)
    colors = getattr(result.plan, "colors", None)
    how = f"{result.mode} over {result.inner}" + (f", {colors} colours (star)" if colors else "")
    return out.to_numpy(result.matrix).astype(np.float64, copy=False), how


def _sparse_sentence(result, N):
    if result.method == "dense":
        return "the gradient graph's pattern is dense: dense forward-over-reverse sweeps."
    return (f"sparse: pattern ({result.pattern_kind}) with {result.pattern.nnz} entries of "
            f"{N * N}; {result.method} colouring with {result.colors} colours, so "
            f"{result.colors} forward sweeps over the gradient graph instead of {N}.")


def _warn_point(point_dependent):
    if point_dependent:
        display.warning("H is valid only at this point: the trace branched on values ("
                        + "; ".join(point_dependent) + "), so another point may take "
                        "another path.")


def _writer(fmt, sparse):
    """The serializer for ``out.write_file`` / ``write_stdout``: ``serialize`` below."""
    def write(matrix, layout, fmt_, stream):
        serialize(matrix, layout, fmt, stream, sparse)
    return write


def serialize(matrix, layout, fmt, stream, sparse):
    """npy/csv: the flat H (out.serialize); npz: ``hessian`` plus each IN__IN block and the
    labels, or with ``sparse`` scipy.sparse.save_npz's layout; mtx: Matrix Market."""
    import scipy.sparse as sp

    from jaccli.cli.sparse_output import serialize_sparse
    if sparse or fmt == "mtx":
        serialize_sparse(sp.csr_array(matrix), fmt, stream, comment="jaccli hessian")
        return
    if fmt != "npz":
        return out.serialize(matrix, layout, fmt, stream)
    seekable = stream.seekable()
    target = stream if seekable else io.BytesIO()
    np.savez(target, hessian=matrix, rows=np.array(layout.row_labels(), dtype=str),
             cols=np.array(layout.col_labels(), dtype=str), **layout.blocks(matrix))
    if not seekable:
        stream.write(target.getvalue())


# ---------------------------------------------------------------- plan --hessian, check --hessian

def plan_data(spec, mode, chunk_size, memory_limit):
    """The plan dict for `jaccli plan --hessian`."""
    from jaccli.hessian import plan_hessian
    result = plan_hessian(spec.function, spec.inputs, argnums=spec.argnums, mode=mode,
                  chunk_size=chunk_size, memory_limit=memory_limit)
    return result.to_dict()


def check(spec_ref, spec, chunk_size, rtol):
    """`jaccli check --hessian`: forward over reverse and reverse over reverse against central
    differences of the gradient (reverse mode). -> (rows, layout, passed)."""
    from jaccli.api import flat_jacobian
    from jaccli.cli import fdcheck
    from jaccli.hessian import flat_hessian
    scalar_spec(spec_ref, spec)
    layout = hessian_layout(spec)
    h_fwd = out.to_numpy(flat_hessian(spec.function, spec.inputs, spec.argnums, "fwd",
                                      chunk_size).matrix)
    h_rev = out.to_numpy(flat_hessian(spec.function, spec.inputs, spec.argnums, "rev",
                                      chunk_size).matrix)

    def gradient(args):
        return [out.to_numpy(flat_jacobian(spec.function, args, spec.argnums,
                                           mode="rev").matrix)[0]]
    g = gradient(spec.inputs)
    h = fdcheck.steps(spec.inputs)
    with running.progress(f"central differences of the gradient over {layout.N} columns"):
        h_fd = fdcheck.central_differences(gradient, spec.inputs, h)
    rows = fdcheck.check_rows(h_fwd, h_rev, h_fd, g, h, rtol, layout)
    names = {"fwd": "fwd over rev", "rev": "rev over rev", "FD": "FD of the gradient"}
    for row in rows:
        row["pair"] = " ".join(names.get(w, w) for w in row["pair"].split())
    return rows, layout, all(row["ok"] for row in rows)
