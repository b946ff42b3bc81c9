"""`jaccli jacobian --batch`: the (B, M, N) stack of Jacobians at every point, written into
the .npy a chunk of points at a time (or from memory to a pipe), on this machine or with the
point chunks as tasks on a Dask cluster."""

import numpy as np

from jaccli.cli import display, running
from jaccli.errors import InputError


def run(spec, inputs, inputs_under, mode, chunk_size, memory_limit, device, output, fmt,
        allow_nonfinite, cluster=None, sparse="off"):
    """``jacobian --batch``: the (B, M, N) stack of Jacobians, as .npy: into the file a chunk
    of points at a time (with ``cluster``, as the tasks finish), through a temporary renamed
    at the end (never a partial file); a pipe or device gets it from memory."""
    from jaccli.cli import output as out
    if device != "cpu":
        raise InputError("--batch runs on the CPU only in this version; drop --device cuda.")
    if out.format_for(output, fmt) != "npy":
        raise InputError("--batch writes a (B, M, N) .npy only; use -o FILE.npy or -o -.")
    spec_obj = running.load(spec, inputs, batch=True, memory_limit=memory_limit,
                            inputs_under=inputs_under)
    mapped = out.MappedFile(output) if output not in (None, "-") else None
    with mapped or out.nothing():
        out_path = mapped.temporary if mapped is not None else None   # None: not a file
        if cluster is None:
            stack, layout, used = running.batched_flat_jacobian(
                spec_obj, mode, chunk_size, memory_limit, sparse=sparse, out_path=out_path)
        else:
            stack, layout, used = running.batched_on_cluster(
                spec_obj, mode, chunk_size, memory_limit, cluster, out_path=out_path)
        check_stack(stack, layout, allow_nonfinite)
        if isinstance(stack, np.memmap):
            return _committed(stack, mapped, layout, used, output,
                              "" if cluster is None else ", task by task")
    write_stack(stack, layout, used, output)


def _committed(stack, mapped, layout, used, output, how):
    """The stack is the memory-mapped temporary: flushed, unmapped, renamed to ``output``."""
    B = stack.shape[0]           # no flush: the pages reach the file as np.save's would
    del stack
    mapped.commit()
    display.message(f"wrote {B} Jacobians ({layout.M} x {layout.N} each, {used} mode) to "
                    f"{output} as npy{how}")


def check_stack(stack, layout, allow_nonfinite, block=1 << 22):
    """NaN or inf anywhere in the (B, M, N) stack: an error, or with --allow-nonfinite a
    warning. Scanned in blocks of points (the stack may be a file)."""
    count, first = 0, None
    for b0 in range(0, stack.shape[0], block):
        bad = ~np.isfinite(stack[b0:b0 + block])
        n = int(bad.sum())
        if n and first is None:
            first = tuple(int(k) for k in np.argwhere(bad)[0])
            first = (first[0] + b0,) + first[1:]
        count += n
    if count:
        b, i, j = first
        running.nonfinite(f"{count} Jacobian entries are NaN or inf; the first is at point "
                          f"{b}, row {layout.row_label(i)}, column {layout.col_label(j)}.",
                          allow_nonfinite, "the points lie")


def write_stack(stack, layout, used, output):
    from jaccli.cli import output as out
    if output == "-" or (output is None and not out.stdout_is_terminal()):
        out.write_stdout(stack, layout, "npy", out.stdout_stream())
        if output is None:
            out.tell_where_bytes_went(f"{stack.shape[0]} Jacobians ({layout.M} x {layout.N} "
                                      "each)", "npy")
    elif output is not None:
        out.write_file(stack, layout, "npy", output)
        display.message(f"wrote {stack.shape[0]} Jacobians ({layout.M} x {layout.N} each, "
                        f"{used} mode) to {output} as npy")
    else:
        display.message(f"{stack.shape[0]} Jacobians of {layout.M} x {layout.N} ({used} "
                        "mode); write them with -o FILE.npy")
