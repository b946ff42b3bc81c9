"""Directional derivatives: ``jvp`` (forward mode, one tangent) and ``vjp`` (reverse mode,
one cotangent), on arrays or pytrees of arrays (``jaccli.arguments.FlatCall``)."""
import numpy as np

from .arguments import FlatCall, as_array, matching, output_info, trace_call
from .errors import InputError
from .interpret import jvp_sweep, vjp_sweep
from .ir import Var


def _primal_outputs(graph):
    return [graph.values[o] if type(o) is Var else o for o in graph.outputs]


def jvp(f, primals, tangents):
    """Forward mode: ``(f(*primals), J @ tangents)`` for one tangent per primal (same shapes;
    a pytree primal takes a tangent of its structure). The output and its tangent have the
    output's structure. Keyword arguments: close over them (``lambda x: f(x, y=3.0)``)."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise InputError(f"jvp got {len(primals)} primals but {len(tangents)} tangents.")
    call = FlatCall(f, primals, None, tuple(range(len(primals))))
    flat_tangents = matching(call.tree.children[0], tangents, "tangents", "the primals")
    graph = trace_call(call)
    ts = []
    for j, v, t in zip(call.flat_nums, graph.inputs, flat_tangents):
        t = as_array(t, dtype=v.dtype)
        if t.shape != v.shape:
            name = call.leaf_name(j).replace("argument", "tangent", 1)
            raise InputError(f"{name} has shape {t.shape}, its primal {v.shape}.")
        ts.append(t)
    with np.errstate(all="ignore"):
        outs = jvp_sweep(graph, graph.values, ts)
    ys = _primal_outputs(graph)
    dtype = output_info(graph)[1]
    dots = [np.zeros(np.shape(y), dtype=dtype) if t is None else as_array(t)
            for y, t in zip(ys, outs)]
    return call.outputs(ys), call.outputs(dots)


def vjp(f, *primals, **kwargs):
    """Reverse mode: ``(f(*primals, **kwargs), vjp_fn)``; ``vjp_fn(ybar)`` returns the tuple
    of cotangents ``ybar @ J`` for each primal (each in its primal's structure and shapes);
    ``ybar`` has the output's structure. Keyword arguments are constants. ``vjp_fn`` reads
    the arrays ``f`` used by reference: do not change them before calling it."""
    call = FlatCall(f, primals, kwargs, tuple(range(len(primals))))
    graph = trace_call(call)
    ys = _primal_outputs(graph)
    out_tree = call.out_tree
    dtype = output_info(graph)[1]

    def vjp_fn(cotangent):
        if out_tree.kind in ("tuple", "list") and type(cotangent) in (tuple, list) \
                and len(cotangent) != len(out_tree.children):
            raise InputError(f"vjp_fn expects {len(out_tree.children)} cotangent(s), got "
                             f"{len(cotangent)}.")
        cts = matching(out_tree, cotangent, "cotangents", "the output")
        arrs = []
        for i, (c, y) in enumerate(zip(cts, ys)):
            c = as_array(c, dtype=dtype)
            if c.shape != np.shape(y):
                name = call.out_names()[i]
                where = f"cotangent {i}" + (f" (the output at {name})" if name else "")
                raise InputError(f"{where} has shape {c.shape}, its output {np.shape(y)}.")
            arrs.append(c)
        with np.errstate(all="ignore"):
            res = vjp_sweep(graph, graph.values, arrs)
        return call.all_arguments([np.zeros(v.shape, v.dtype) if c is None else as_array(c)
                                   for v, c in zip(graph.inputs, res)])

    return call.outputs(ys), vjp_fn
