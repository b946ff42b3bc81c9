"""`jaccli jacobian --batch --sparse on`: the B sparse Jacobians of a spec whose inputs carry
a leading batch axis, written as one sparse (B * M, N) matrix: point p's J is rows p * M to
p * M + M - 1 (the dense (B, M, N) stack reshaped), as .npz in scipy.sparse.save_npz layout
or .mtx (Matrix Market)."""

from jaccli.cli import display, running
from jaccli.errors import InputError


def run(spec, inputs, inputs_under, mode, chunk_size, memory_limit, device, output, fmt,
        allow_nonfinite):
    """``jacobian --batch --sparse on``: the B sparse Jacobians stacked as one (B * M, N)
    matrix (point p's J in rows p * M ... p * M + M - 1), .npz or .mtx."""
    from jaccli.cli import output as out
    from jaccli.cli import sparse_output
    if device != "cpu":
        raise InputError("--batch runs on the CPU only in this version; drop --device cuda.")
    fmt = sparse_output.sparse_format_for(output, fmt)
    spec_obj = running.load(spec, inputs, batch=True, memory_limit=memory_limit,
                            inputs_under=inputs_under)
    stack, layout, used = running.batched_flat_jacobian(spec_obj, mode, chunk_size,
                                                        memory_limit, sparse="on")
    points = spec_obj.inputs[0].shape[0]
    running.sparse_nonfinite(stack, allow_nonfinite, "the points lie")
    what = (f"{points} sparse Jacobians ({layout.M} x {layout.N} each) stacked as one "
            f"{points * layout.M} x {layout.N} matrix, point p in rows p*{layout.M} to "
            f"p*{layout.M}+{layout.M - 1}")
    to_stdout = output == "-" or (output is None and not out.stdout_is_terminal())
    if to_stdout or output is not None:
        sparse_output.write_sparse(stack, fmt, "-" if to_stdout else output)
        if output is None:
            out.tell_where_bytes_went(what, fmt)
        if not to_stdout:
            display.message(f"wrote {what} ({stack.nnz} nonzeros, {used} mode) to {output} "
                            f"as {fmt}")
        return
    display.message(f"{what}, {stack.nnz} nonzeros; write them with -o J.npz or -o J.mtx")
