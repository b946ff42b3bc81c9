"""Hessians at many points: ``hessian(f, X, batched=True)`` and ``jaccli hessian --batch``.

The first derivative of ``f`` (its gradient sweep, or for an f with more outputs than inputs
its tangent sweep: ``hessian.choose_inner``) is written as a function of the point and traced
once, f nested inside it (as ``hessian.derivative_graph`` does). The second derivative is
then the Jacobian of that function at every point by ``points.batched_flat_jacobian``: the
derivative graph evaluated with the point axis in front and the outer seeds swept over all
points at once (chunked over points to bound memory); points on different branches are
grouped by path. No Python loop over points, rows or columns.
"""
import numpy as np

from .api import check_engine
from .arguments import checked_arguments, output_info
from .errors import InputError
from .interpret import jvp_sweep, vjp_sweep
from .ir import Var
from .points import batched_flat_jacobian
from .sweeps import Seeds, flat_offsets, flat_size
from .tracer import Tracer, trace_function


def _derivative_function(f, nums, info):
    """x -> the first-derivative sweep of ``f`` at x (every argument, those in ``nums``
    differentiated): per input i, (M,) + x_i.shape (reverse inner), or per output k,
    (N,) + out_k.shape (forward inner). Fills ``info`` with f's shapes and the inner mode."""
    def sweep(*call):
        graph, n_out = trace_function(f, list(call), nums)
        out_shapes, dtype = output_info(graph)
        in_shapes = [tuple(v.shape) for v in graph.inputs]
        M, N = flat_size(out_shapes), flat_size(in_shapes)
        inner = "rev" if M <= N else "fwd"        # hessian.choose_inner's rule
        info.update(n_out=n_out, out_shapes=out_shapes, in_shapes=in_shapes, inner=inner)
        if inner == "rev":
            live = [type(o) is Var for o in graph.outputs]
            seeds = Seeds.identity(0, M, dtype).blocks(out_shapes)
            seeds = [s if ok else None for s, ok in zip(seeds, live)]
            shapes = [(M,) + s for s in in_shapes]
            ds = vjp_sweep(graph, graph.values, seeds)
        else:
            seeds = Seeds.identity(0, N, dtype).blocks(in_shapes)
            shapes = [(N,) + s for s in out_shapes]
            ds = jvp_sweep(graph, graph.values, seeds)
        return tuple(np.zeros(s, dtype) if t is None else t for t, s in zip(ds, shapes))
    return sweep


def batched_flat_hessian(f, args, argnums, batched, mode="auto", chunk_size=None,
                         memory_limit=None):
    """(T, info): T (P, M, N, N) with T[p, m, i, j] = d2 f_m / dx_i dx_j at point p over the
    flat layout; info: out_shapes, in_shapes, n_out, inner, and the outer ``mode`` used.
    ``batched``: the argument indices with a leading point axis (a superset of
    ``argnums``)."""
    info = {}
    J, (_, _, used, _) = batched_flat_jacobian(
        _derivative_function(f, argnums, info), args, argnums, batched, mode, chunk_size,
        memory_limit)
    info["mode"] = used
    return _to_tensor(J, info), info


def _to_tensor(J, info):
    """(P, rows, N) Jacobians of the derivative sweep -> (P, M, N, N), as ``hessian``'s
    ``_to_tensor`` at one point."""
    M, N = flat_size(info["out_shapes"]), flat_size(info["in_shapes"])
    P, parts, row = J.shape[0], [], 0
    if info["inner"] == "fwd":                # rows: output k, tangent n, element o of f_k
        for s in info["out_shapes"]:
            size = flat_size([s])
            parts.append(J[:, row:row + N * size].reshape(P, N, size, N).transpose(0, 2, 1, 3))
            row += N * size
        return np.concatenate(parts, axis=1) if len(parts) != 1 else parts[0]
    for s in info["in_shapes"]:               # rows: input i, seed m, element a of x_i
        size = flat_size([s])
        parts.append(J[:, row:row + M * size].reshape(P, M, size, N))
        row += M * size
    return np.concatenate(parts, axis=2) if len(parts) != 1 else parts[0]


def unflatten(T, info, single):
    """(P, M, N, N) -> blocks (P,) + out.shape + x_i.shape + x_j.shape, nested as outputs
    and argnums are (as ``hessian``)."""
    P = T.shape[0]
    row_off, col_off = flat_offsets(info["out_shapes"]), flat_offsets(info["in_shapes"])
    outs = []
    for k, oshape in enumerate(info["out_shapes"]):
        Tk = T[:, row_off[k]:row_off[k + 1]]
        rows = []
        for i, si in enumerate(info["in_shapes"]):
            row = tuple(Tk[:, :, col_off[i]:col_off[i + 1], col_off[j]:col_off[j + 1]].reshape(
                (P,) + tuple(oshape) + tuple(si) + tuple(sj))
                for j, sj in enumerate(info["in_shapes"]))
            rows.append(row[0] if single else row)
        outs.append(rows[0] if single else tuple(rows))
    return outs[0] if info["n_out"] is None else tuple(outs)


def batched_hessian(f, args, argnums, batched, mode, chunk_size, memory_limit):
    """``hessian(f, *args, batched=...)``: the Hessian at every point, each of the shape
    ``hessian`` gives at one point with a leading (P,) axis."""
    from .arguments import argnums_tuple
    mode, chunk_size, memory_limit = check_engine(mode, chunk_size, memory_limit)
    if any(type(a) is Tracer for a in args):
        raise InputError("nested differentiation of hessian(..., batched=...) is not "
                         "supported yet: call it outside the outer derivative.")
    args, nums, single = checked_arguments(args, argnums)
    extra = () if batched is True else argnums_tuple(batched, len(args))[0]
    for i in extra:
        args[i] = np.asarray(args[i])
    T, info = batched_flat_hessian(f, args, nums, set(nums) | set(extra), mode, chunk_size,
                                   memory_limit)
    return unflatten(T, info, single)
