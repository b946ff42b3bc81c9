"""Gradients and Jacobian-matrix products, on the public tracing and the one chunk function.

    g = jaccli.grad(loss)(w, X)                        # w.shape: one reverse sweep
    (l, aux), g = jaccli.value_and_grad(loss_aux, has_aux=True)(w, X)
    y, JV = jaccli.jmp(f, (x,), (V,))                  # V: x.shape + (K,) -> out.shape + (K,)
    y, (UJ,) = jaccli.mjp(f, (x,), U)                  # U: (K,) + out.shape -> (K,) + x.shape

jmp and mjp push all K tangents (cotangents) through one batched sweep
(``sweeps.sweep_chunk`` with ``Seeds.rows``), in chunks only where the memory budget
(``memory_limit``, planned as for ``jacobian``) asks for it.
"""
import numpy as np

from . import tracer
from .api import check_engine, output_info, prepare
from .arguments import matching
from .errors import InputError
from .interpret import vjp_sweep
from .ir import Var
from .planner import make_plan
from .sweeps import Seeds, flat_offsets, flat_size, sweep_chunk
from .tracer import Tracer


# ---------------------------------------------------------------- grad, value_and_grad

def grad(f, argnums=0, has_aux=False):
    """The gradient function of a scalar ``f``: ``grad(f)(*args)`` has ``args[argnums]``'s
    shape (a tuple of gradients for a tuple ``argnums``), from one reverse sweep. With
    ``has_aux=True`` ``f`` returns ``(loss, aux)`` and the result is ``(gradient, aux)``.
    A non-scalar ``f`` is an InputError: use ``jaccli.jacobian`` or ``jaccli.vjp``."""
    vg = value_and_grad(f, argnums, has_aux)

    def gradient(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    gradient.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    return gradient


def value_and_grad(f, argnums=0, has_aux=False):
    """``value_and_grad(f)(*args)`` is ``(f(*args), grad(f)(*args))`` from one trace and one
    reverse sweep; with ``has_aux=True``: ``((loss, aux), gradient)``. Keyword arguments go
    to ``f`` unchanged (not differentiated)."""
    def value_and_gradient(*args, **kwargs):
        aux = []

        def traced(*a):
            res = f(*a, **kwargs)
            if has_aux:
                if not isinstance(res, (tuple, list)) or len(res) != 2:
                    raise InputError("has_aux=True: the function must return (loss, aux), "
                                     f"got {type(res).__name__}.")
                res, extra = res
                aux.append(_strip(extra, tracer._ACTIVE[-1]))
            return res

        graph, call = prepare(traced, args, argnums)
        _require_scalar(graph, call.out_tree)
        out = graph.outputs[0]
        value = graph.values[out] if type(out) is Var else out
        _, dtype = output_info(graph)
        with np.errstate(all="ignore"):
            cts = vjp_sweep(graph, graph.values, [np.ones((), dtype)])
        gs = [np.zeros(v.shape, v.dtype) if c is None else c for v, c in zip(graph.inputs, cts)]
        g = call.nest(lambda k: gs[k])
        return ((value, aux[0]) if has_aux else value), g
    value_and_gradient.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    return value_and_gradient


def _require_scalar(graph, out_tree):
    if not out_tree.is_leaf:
        what = (f"{len(out_tree.children)} outputs" if out_tree.kind in ("tuple", "list")
                else f"the structure {out_tree.describe()}")
        raise InputError(f"grad needs a function with one scalar output; this one returned "
                         f"{what} (for (loss, aux) pass has_aux=True; for several outputs "
                         "use jaccli.jacobian or jaccli.vjp).")
    shape = tuple(np.shape(graph.outputs[0]))
    if shape != ():
        raise InputError(f"grad needs a scalar-valued function; this one returned shape "
                         f"{shape}. Use jaccli.jacobian (all rows) or jaccli.vjp (one "
                         "cotangent), or reduce the output to a scalar (np.sum).")


def _strip(aux, builder):
    """``aux`` with the values of this trace's Tracers in place of them (tuples, lists and
    dicts walked); an outer trace's Tracers stay (nested)."""
    if type(aux) is Tracer:
        return aux.fresh_value if aux.builder is builder else aux
    if isinstance(aux, (tuple, list)):
        items = [_strip(a, builder) for a in aux]
        return type(aux)(*items) if hasattr(aux, "_fields") else type(aux)(items)
    if isinstance(aux, dict):
        return {k: _strip(v, builder) for k, v in aux.items()}
    return aux


# ---------------------------------------------------------------- jmp, mjp

def jmp(f, primals, tangents, chunk_size=None, memory_limit=None):
    """Jacobian-matrix product: ``(f(*primals), J @ V)`` for K tangents at once.

    tangents: one array per primal, of shape ``primal.shape + (K,)`` (the K columns of V
        over that primal; the same K for all). Returns ``(y, JV)``: ``JV`` of shape
        ``out.shape + (K,)``, a tuple over outputs when ``f`` returns a tuple.
    chunk_size, memory_limit: as for ``jacobian`` (seeds per sweep; bytes a sweep may use).
    All K go through one batched forward sweep unless the budget splits them."""
    primals, tangents = tuple(primals), _as_tuple(tangents, "tangents")
    if len(primals) != len(tangents):
        raise InputError(f"jmp got {len(primals)} primals but {len(tangents)} tangent "
                         "matrices: pass one per primal, of shape primal.shape + (K,).")
    graph, call = prepare(f, primals, tuple(range(len(primals))))
    tangents = matching(call.tree.children[0], tangents, "tangent matrices", "the primals")
    in_shapes = [tuple(v.shape) for v in graph.inputs]
    out_shapes, dtype = output_info(graph)
    K, parts = None, []
    for i, (V, s) in enumerate(zip(tangents, in_shapes)):
        V = _concrete_matrix(V, "tangent", i)
        if V.ndim != len(s) + 1 or tuple(V.shape[:-1]) != s or (K is not None and V.shape[-1] != K):
            raise InputError(f"tangent matrix {i} has shape {V.shape}; expected primal.shape "
                             f"+ (K,) = {s + ('K',)}" + (f" with K = {K}" if K else "") + ".")
        K = V.shape[-1]
        parts.append(np.moveaxis(V, -1, 0).reshape(K, -1))
    rows = _products(graph, "fwd", np.concatenate(parts, axis=1), dtype, chunk_size,
                     memory_limit)                          # (K, M)
    offs = flat_offsets(out_shapes)
    outs = [_moved_last(rows[:, lo:hi], s, K) for s, lo, hi in zip(out_shapes, offs, offs[1:])]
    ys = [graph.values[o] if type(o) is Var else o for o in graph.outputs]
    return call.outputs(ys), call.outputs(outs)


def mjp(f, primals, cotangents, chunk_size=None, memory_limit=None):
    """Matrix-Jacobian product: ``(f(*primals), U @ J)`` for K cotangents at once.

    cotangents: an array of shape ``(K,) + out.shape`` (a tuple of them, one per output,
        when ``f`` returns a tuple). Returns ``(y, UJ)``: ``UJ`` a tuple with one array per
        primal, of shape ``(K,) + primal.shape``.
    All K go through one batched reverse sweep unless the budget splits them."""
    primals = tuple(primals)
    graph, call = prepare(f, primals, tuple(range(len(primals))))
    in_shapes = [tuple(v.shape) for v in graph.inputs]
    out_shapes, dtype = output_info(graph)
    tree = call.out_tree
    if tree.kind in ("tuple", "list") and not isinstance(cotangents, (tuple, list)):
        cotangents = (cotangents,)
    if tree.kind in ("tuple", "list") and len(cotangents) != len(tree.children):
        raise InputError(f"mjp got {len(cotangents)} cotangent matrices for "
                         f"{len(tree.children)} outputs: pass one per output, of shape "
                         "(K,) + out.shape.")
    us = matching(tree, cotangents, "cotangent matrices", "the output")
    if len(us) != len(out_shapes):
        raise InputError(f"mjp got {len(us)} cotangent matrices for {len(out_shapes)} "
                         "outputs: pass one per output, of shape (K,) + out.shape.")
    K, parts = None, []
    for i, (U, s) in enumerate(zip(us, out_shapes)):
        U = _concrete_matrix(U, "cotangent", i)
        if U.ndim != len(s) + 1 or tuple(U.shape[1:]) != s or (K is not None and U.shape[0] != K):
            raise InputError(f"cotangent matrix {i} has shape {U.shape}; expected (K,) + "
                             f"out.shape = {('K',) + s}" + (f" with K = {K}" if K else "") + ".")
        K = U.shape[0]
        parts.append(U.reshape(K, -1))
    rows = _products(graph, "rev", np.concatenate(parts, axis=1), dtype, chunk_size,
                     memory_limit)                          # (K, N)
    offs = flat_offsets(in_shapes)
    res = [rows[:, lo:hi].reshape((K,) + s) for s, lo, hi in zip(in_shapes, offs, offs[1:])]
    ys = [graph.values[o] if type(o) is Var else o for o in graph.outputs]
    return call.outputs(ys), call.nest(lambda k: res[k])


def _products(graph, mode, S, dtype, chunk_size, memory_limit):
    """The (K, width) rows of ``S`` (K, seeds-width) pushed through sweeps in ``mode``, in
    chunks the planner fits to the budget (one chunk when they fit, or when nested)."""
    _, chunk_size, memory_limit = check_engine(mode, chunk_size, memory_limit)
    K = S.shape[0]
    M = flat_size(tuple(o.shape) for o in graph.outputs)
    N = flat_size(tuple(v.shape) for v in graph.inputs)
    width = M if mode == "fwd" else N
    if K == 0 or width == 0:
        return np.zeros((K, width), dtype)
    nested = any(type(graph.values[v]) is Tracer for v in graph.inputs)
    if nested:
        k = K
    else:   # the planner sizes a chunk as for a Jacobian with K seeds in this mode
        plan = make_plan(graph, M if mode == "fwd" else K, K if mode == "fwd" else N, mode,
                         chunk_size, memory_limit)
        k = max(1, min(K, plan.chunk_size))
    with np.errstate(all="ignore"):
        if k >= K:
            return sweep_chunk(graph, graph.values, mode, Seeds.rows(S, dtype))
        out = np.empty((K, width), dtype)
        for start in range(0, K, k):            # chunks bound memory; each is one sweep
            out[start:start + k] = sweep_chunk(graph, graph.values, mode,
                                               Seeds.rows(S[start:start + k], dtype))
    return out


def _moved_last(block, shape, K):
    """(K, size) -> shape + (K,)."""
    return np.moveaxis(block.reshape((K,) + tuple(shape)), 0, -1)


def _concrete_matrix(V, what, i):
    if type(V) is Tracer:
        raise InputError(f"{what} matrix {i} is a traced value; differentiating through the "
                         f"{what}s of jmp/mjp is not supported yet.")
    try:
        V = np.asarray(V, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{what} matrix {i} cannot be read as a float array.") from None
    return V


def _as_tuple(x, what):
    if isinstance(x, (tuple, list)):
        return tuple(x)
    raise InputError(f"{what} must be a tuple with one array per "
                     f"{'primal' if what == 'tangents' else 'output'}, got {type(x).__name__}.")

