"""Rules of user primitives as traced graphs (see jaccli.custom): a rule written for one
tangent in NumPy is traced once per input shapes into a graph whose inputs are the primals
and the tangents (JVP) or the primals, the output and the cotangent (VJP). Its linear parts
swept forward apply the rule to K seeds at once; swept backward they are its transpose, the
other rule. Evaluated at a sweep's values (with point axes, or an outer trace's Tracers) the
graph batches over points and is differentiated again for second order.
"""
import numpy as np

from .backend import on_gpu, xp_of
from .errors import InputError, TracingError
from .ir import Eqn, Graph, Var
from .rules import eval_rule


class RuleGraph:
    """A traced rule: ``graph`` (inputs: primals then tangents for a JVP; primals, the
    output and the cotangent for a VJP; evaluated for the primal values a sweep reads) and
    its linear parts (``part``), each swept forward as the rule or backward as its transpose."""

    def __init__(self, graph, first):
        self.graph, self.first, self.parts = graph, first, {}

    def part(self, live, wanted):
        """The equations linking the tangent inputs marked ``live`` to the outputs marked
        ``wanted``, as a graph whose inputs are all the tangent inputs (cached)."""
        key = (live, wanted)
        if key not in self.parts:
            self.parts[key] = linear_part(self.graph, self.first, live, wanted)
        return self.parts[key]


def rule_graph(p, which, e, xs, out):
    dtypes = tuple(str(getattr(x, "dtype", "f8")) for x in xs)
    device = any(on_gpu(x) for x in xs)
    key = (which, tuple(e.in_shapes), dtypes, device, params_key(e.params))
    g = p.graphs.get(key) if key[-1] is not None else None
    if g is None:
        g = trace_rule(p, which, e, xs, out)
        if key[-1] is not None:
            p.graphs[key] = g
    return g


def params_key(params):
    try:
        key = tuple(sorted(params.items()))
        hash(key)
        return key
    except TypeError:
        return None


def trace_rule(p, which, e, xs, out):
    from .tracer import trace_function
    n = len(xs)
    point = [logical_value(x, s) for x, s in zip(xs, e.in_shapes)]
    if which == "jvp":
        def traced(*a):
            return split_jvp(p, p.jvp(tuple(a[:n]), tuple(a[n:]), **e.params), e)[1]
        args = point + [xp_of(x).zeros_like(x) for x in point]
        first = n
    else:
        o = logical_value(out, e.out.shape)

        def traced(*a):
            return tuple(cotangents(p, p.vjp(tuple(a[:n]), a[n], a[n + 1], **e.params), n, e))
        args = point + [o, xp_of(o).zeros_like(o)]
        first = n + 1
    try:
        # on a GPU the rule's NumPy constants move next to the values, as in api.prepare
        put = xp_of(args[0]).asarray if on_gpu(args[0]) else None
        graph, _ = trace_function(traced, args, tuple(range(len(args))), put)
    except TracingError as exc:
        raise TracingError(f"the {which.upper()} rule of {p.label} could not be traced: {exc} "
                           "Rules are traced NumPy; wrap a call jaccli cannot trace in its own "
                           "@jaccli.primitive, or give the rule with batched=True "
                           "(first order only).") from None
    if graph.point_dependent:
        raise InputError(f"the {which.upper()} rule of {p.label} read a traced value "
                         f"({graph.point_dependent[0]}); rules must be straight-line NumPy "
                         "(use np.where for choices).")
    return RuleGraph(graph, first)


def split_jvp(p, res, e=None):
    if not isinstance(res, (tuple, list)) or len(res) != 2:
        raise InputError(f"the JVP rule of {p.label} must return (out, out_dot), got "
                         f"{type(res).__name__}.")
    out, out_dot = res
    if e is not None:
        shape = tuple(e.out.shape)
        if out_dot is None:
            out_dot = np.zeros(shape)
        if tuple(np.shape(out_dot)) != shape:
            raise InputError(f"the JVP rule of {p.label} returned a tangent of shape "
                             f"{tuple(np.shape(out_dot))}; the output has shape {shape}.")
    return out, out_dot


def cotangents(p, res, n, e=None):
    if n == 1 and not isinstance(res, (tuple, list)):
        res = (res,)
    if not isinstance(res, (tuple, list)) or len(res) != n:
        got = len(res) if isinstance(res, (tuple, list)) else type(res).__name__
        raise InputError(f"the VJP rule of {p.label} must return one cotangent per input "
                         f"({n}), got {got}.")
    res = list(res)
    if e is not None:
        for i, (c, s) in enumerate(zip(res, e.in_shapes)):
            if c is None:
                res[i] = np.zeros(s)
            elif tuple(np.shape(c)) != tuple(s):
                raise InputError(f"the VJP rule of {p.label} returned a cotangent of shape "
                                 f"{tuple(np.shape(c))} for input {i}, which has shape "
                                 f"{tuple(s)}.")
    return res


def logical_value(x, shape):
    """A concrete copy of ``x`` at its logical shape (the first point of any leading axes;
    the innermost value of a nested trace), on its own device: where a rule is traced."""
    from .tracer import Tracer
    while type(x) is Tracer:
        x = x.value
    x = x if hasattr(x, "ndim") else np.asarray(x)
    lead = x.ndim - len(shape)
    return (x[(0,) * lead] if lead > 0 else x).copy()


def zeros_like_input(x, shape):
    from .tracer import Tracer
    while type(x) is Tracer:
        x = x.value
    return xp_of(x).zeros(tuple(shape), getattr(x, "dtype", np.float64))


def rule_env(graph, e, xs, extra, out):
    """The rule graph evaluated at this equation's values (with their leading axes, or
    Tracers of an outer trace), tangent inputs at zero.

    NOTE: a rule usually calls its primitive on the primals again (``x = mysolve(A, b)`` in
    a JVP): that equation's value is the sweep's ``out``, taken instead of calling the
    function once more per chunk of seeds."""
    values = list(xs) + list(extra)
    shapes = [tuple(v.shape) for v in graph.inputs]
    leads = [getattr(v, "shape", ())[:getattr(v, "ndim", 0) - len(s)]
             for v, s in zip(values, shapes)]
    lead = np.broadcast_shapes(*leads) if any(leads) else ()
    if lead:
        values = [np.broadcast_to(v, lead + s) for v, s in zip(values, shapes)]
    env = dict(zip(graph.inputs, values))
    primals, key = graph.inputs[:len(xs)], params_key(e.params)
    with np.errstate(all="ignore"):
        for q in graph.eqns:
            if q.prim is e.prim and len(q.inputs) == len(primals) and key is not None \
                    and all(a is b for a, b in zip(q.inputs, primals)) \
                    and params_key(q.params) == key:
                env[q.out] = np.broadcast_to(out, lead + tuple(e.out.shape)) if lead else out
                continue
            env[q.out] = eval_rule(q.prim)(q, [env[v] if type(v) is Var else v
                                              for v in q.inputs])
    return env


def linear_part(graph, first, live_inputs, wanted):
    """The equations reading the tangent inputs (``graph.inputs[first:]``, those marked in
    ``live_inputs``) on the way to the outputs marked in ``wanted``, as a graph with the
    tangent inputs as its inputs; each equation asks cotangents only for its
    tangent-dependent inputs, so the transpose does no work for the primal values."""
    tangents = graph.inputs[first:]
    live = {id(v) for v, on in zip(tangents, live_inputs) if on}
    reached = []
    for e in graph.eqns:
        dep = [type(v) is Var and id(v) in live for v in e.inputs]
        if any(dep):
            live.add(id(e.out))
            reached.append((e, dep))
    needed = {id(o) for o, want in zip(graph.outputs, wanted) if want and type(o) is Var}
    eqns = []
    for e, dep in reversed(reached):
        if id(e.out) not in needed:
            continue
        lin = Eqn(e.prim, e.inputs, e.params, e.out, e.in_shapes)
        lin.needs = tuple(d and need for d, need in zip(dep, e.needs))
        eqns.append(lin)
        needed.update(id(v) for v, d in zip(e.inputs, dep) if d)
    outputs = [o if want else None for o, want in zip(graph.outputs, wanted)]
    return Graph(list(tangents), eqns[::-1], outputs, graph.values, [])
