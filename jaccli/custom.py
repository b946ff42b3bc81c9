"""User-defined primitives: give jaccli a function it cannot trace (a compiled routine, an
iterative solver, a SciPy call) together with its derivative rules.

    @jaccli.primitive
    def mysolve(A, b):                         # any code: it is called, never traced
        return scipy.linalg.solve(A, b)

    @mysolve.defjvp
    def mysolve_jvp(primals, tangents):        # JAX's custom_jvp signature
        (A, b), (A_dot, b_dot) = primals, tangents
        x = mysolve(A, b)
        return x, np.linalg.solve(A, b_dot - A_dot @ x)

    @mysolve.defvjp                            # optional: derived from the JVP when absent
    def mysolve_vjp(primals, out, cotangent):
        A, b = primals
        b_bar = np.linalg.solve(A.T, cotangent)
        return -np.outer(b_bar, out), b_bar    # one cotangent per input (None: zero)

NOTE: rules are traced. A rule is written for *one* tangent (or cotangent) in NumPy that
jaccli traces; jaccli traces it once per input shapes into a graph (inputs: the primals and
the tangents) and runs that graph's own batched sweeps: K seeds and B points batch for free,
the JVP's transpose is the VJP (and the other way round), and rules traced again give
Hessians. Only one rule is needed for both modes. A rule may call other primitives and the
primitive itself on primal values (``mysolve(A, b)`` above); applied to tangent-dependent
values it would have to differentiate itself without end, which is refused with a clear
error. A rule that cannot be traced (it calls SciPy on the tangent) may be given with
``batched=True`` instead: it is then called with tangents that carry leading (seed) axes and
must broadcast over them; such a rule is first order only and is not transposed.

Static parameters: keyword arguments of a call (``mysolve(A, b, tol=1e-8)``) are passed to
the function and to its rules as keywords; positional arguments are float arrays.
Sparsity: a primitive is dense (every output element depends on every input element) unless
declared: ``@jaccli.primitive(sparsity="elementwise")`` (inputs and output broadcast like a
ufunc) or a callable ``sparsity(*in_shapes, **params)`` returning, per input, a boolean
(out.size, in.size) matrix (dense array or scipy.sparse) of which input elements each output
element depends on. ``vectorized=True`` says the function accepts leading (point) axes on its
inputs, which ``jacobian(..., batched=True)`` needs. Pickling (Dask) is by registered name,
``module:qualname``: a worker imports the module that defines the primitive.
"""
import contextlib
import copyreg
import threading

import numpy as np

from .backend import on_gpu, xp_of
from .errors import InputError, TracingError
from .interpret import jvp_sweep, vjp_sweep
from .ir import Eqn, Graph, Var
from .rules import (Primitive, eval_rule, eval_rules, impl_rules, jvp_rules, primitives,
                    vjp_rules)

SPARSITY_WORDS = ("dense", "elementwise")


class CustomPrimitive(Primitive):
    """A ``Primitive`` of kind 'custom' holding the user's function and rules; it pickles by
    its registered name (``jaccli.primitives.by_name``)."""
    __slots__ = ("fn", "label", "jvp", "vjp", "jvp_batched", "vjp_batched", "sparsity",
                 "vectorized", "graphs")

    def __repr__(self):
        return self.label


def _pickle_by_name(p):
    from .primitives import by_name
    return by_name, (p.name,)


copyreg.pickle(CustomPrimitive, _pickle_by_name)


def primitive(fn=None, *, sparsity="dense", vectorized=False, name=None):
    """Make ``fn`` (arrays positional, static parameters as keywords, one float array out) a
    primitive: jaccli calls it instead of tracing it, and differentiates it by the rules given
    with ``.defjvp`` / ``.defvjp`` (see this module's docstring). Use as ``@primitive`` or
    ``@primitive(sparsity="elementwise", vectorized=True)``.

    sparsity: 'dense' (default), 'elementwise', or a callable (see the module docstring).
    vectorized: the function accepts leading (point) axes on its inputs (for batched=).
    name: the registered name, by which a pickled graph finds the primitive again (default
        ``module:qualname``; defining the same name again replaces the old primitive)."""
    if fn is None:
        return lambda f: primitive(f, sparsity=sparsity, vectorized=vectorized, name=name)
    if not callable(fn):
        raise InputError(f"jaccli.primitive needs a function, got {type(fn).__name__}.")
    if not (callable(sparsity) or sparsity in SPARSITY_WORDS):
        raise InputError(f"sparsity={sparsity!r}: pass 'dense', 'elementwise' or a callable "
                         "(*in_shapes) -> one boolean (out.size, in.size) matrix per input.")
    return UserPrimitive(fn, sparsity, bool(vectorized), name)


class UserPrimitive:
    """The callable a ``@jaccli.primitive`` decorator returns: call it as the function;
    ``.defjvp`` / ``.defvjp`` add rules; ``.prim`` is the registered ``CustomPrimitive``."""

    def __init__(self, fn, sparsity, vectorized, name):
        label = name or f"{getattr(fn, '__module__', None) or '?'}:" \
                        f"{getattr(fn, '__qualname__', None) or type(fn).__name__}"
        p = CustomPrimitive.__new__(CustomPrimitive)
        Primitive.__init__(p, label, "custom")
        p.fn, p.label, p.sparsity, p.vectorized, p.graphs = fn, fn_name(fn), sparsity, \
            vectorized, {}
        p.jvp = p.vjp = None
        p.jvp_batched = p.vjp_batched = False
        primitives[label] = p          # NOTE: defined again (a re-run cell) replaces the old
        impl_rules[p] = _impl_for(p)
        eval_rules[p] = _eval_rule
        jvp_rules[p], vjp_rules[p] = _jvp_rule, _vjp_rule
        self.prim = p
        self.__wrapped__ = fn
        for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
            if hasattr(fn, attr):
                setattr(self, attr, getattr(fn, attr))

    def __call__(self, *args, **params):
        from .tracer import Tracer, bind
        p = self.prim
        args = [a if type(a) is Tracer else _float_argument(a, i, p) for i, a in enumerate(args)]
        for i, a in enumerate(args):
            if type(a) is Tracer and a.dtype.kind != "f":
                raise InputError(f"{p.label}: argument {i} has dtype {a.dtype}; positional "
                                 "arguments of a jaccli.primitive are float arrays (pass "
                                 "integers and options as keyword arguments).")
        if any(type(a) is Tracer for a in args):
            return bind(p, *args, **params)
        return impl_rules[p](*args, **params)

    def defjvp(self, rule=None, *, batched=False):
        """Set the JVP rule ``rule(primals, tangents, **params) -> (out, out_dot)``: one
        tangent per primal (same shapes), ``out_dot`` of the output's shape. Returns the rule."""
        return self._define("jvp", rule, batched)

    def defvjp(self, rule=None, *, batched=False):
        """Set the VJP rule ``rule(primals, out, cotangent, **params) -> cotangents``: one
        per primal (its shape; None for zero), for a cotangent of the output's shape."""
        return self._define("vjp", rule, batched)

    def _define(self, which, rule, batched):
        if rule is None:
            return lambda r: self._define(which, r, batched)
        if not callable(rule):
            raise InputError(f"{self.prim.label}.def{which} needs a function.")
        setattr(self.prim, which, rule)
        setattr(self.prim, f"{which}_batched", bool(batched))
        self.prim.graphs.clear()
        return rule

    def __repr__(self):
        return f"<jaccli.primitive {self.prim.label}>"


def fn_name(fn):
    return getattr(fn, "__name__", None) or type(fn).__name__


def _float_argument(a, i, p):
    arr = np.asarray(a) if not hasattr(a, "dtype") else a
    if arr.dtype.kind in "iub" and not hasattr(a, "dtype"):
        arr = arr.astype(np.float64)             # a Python number
    if arr.dtype.kind != "f":
        raise InputError(f"{p.label}: argument {i} has dtype {arr.dtype}; positional "
                         "arguments of a jaccli.primitive are float arrays (pass integers "
                         "and options as keyword arguments).")
    return arr


# ---------------------------------------------------------------- evaluation

def _impl_for(p):
    def impl(*xs, **params):
        from .tracer import Tracer, bind
        if any(type(x) is Tracer for x in xs):       # nested: record it in the outer trace
            return bind(p, *xs, **params)
        return _checked_output(p, p.fn(*xs, **params))
    return impl


def _checked_output(p, out):
    if isinstance(out, (tuple, list, dict)) or out is None:
        raise InputError(f"{p.label} returned a {type(out).__name__}; a jaccli.primitive "
                         "returns one float array (make one primitive per output).")
    out = np.asarray(out) if not hasattr(out, "dtype") else out
    if out.dtype.kind in "iub":
        out = out.astype(np.float64)
    if out.dtype.kind != "f":
        raise InputError(f"{p.label} returned dtype {out.dtype}; a jaccli.primitive returns "
                         "a real float array.")
    return out


def _eval_rule(e, xs):
    """With leading (point) axes the function itself must take them (vectorized=True)."""
    p = e.prim
    if any(getattr(x, "ndim", 0) > len(s) for x, s in zip(xs, e.in_shapes)):
        if not p.vectorized:
            raise InputError(f"{p.label} is a jaccli.primitive without vectorized=True, so "
                             "it cannot be evaluated at many points at once (batched=...); "
                             "declare @jaccli.primitive(vectorized=True) if it accepts "
                             "leading axes on its inputs, or compute the points one by one.")
        out = _checked_output(p, p.fn(*xs, **e.params))
        return out
    return impl_rules[p](*xs, **e.params)


# ---------------------------------------------------------------- derivative rules

_ACTIVE = threading.local()     # .rules: (primitive, 'jvp'|'vjp') running in this thread


@contextlib.contextmanager
def _entered(p, which):
    """NOTE: a rule that applies its own primitive to tangent-dependent values would need
    its own rule to run it, without end; the second entry is refused."""
    key = (p, which)
    active = _ACTIVE.__dict__.setdefault("rules", set())
    if key in active:
        raise InputError(f"the derivative rules of {p.label} apply {p.label} (or a primitive "
                         f"whose rules do) to tangent-dependent values, so its {which.upper()} "
                         "would need itself without end. Write the tangent computation with "
                         "NumPy calls jaccli traces (np.linalg.solve, ...), or give that rule "
                         f"with batched=True (@{p.label}.def{which}(batched=True)).")
    active.add(key)
    try:
        yield
    finally:
        active.discard(key)


def _jvp_rule(e, xs, out, ts):
    p, n = e.prim, len(xs)
    out = out if out is not None else _eval_rule(e, xs)
    with _entered(p, "jvp"):
        if p.jvp is not None and p.jvp_batched:
            return _batched_rule(p, "jvp", e, xs, out, ts)
        if p.jvp is not None:
            g = _rule_graph(p, "jvp", e, xs, out)
            env = _env(g.graph, e, xs, [_zeros_like_input(x, s) for x, s in zip(xs, e.in_shapes)],
                       out)
            part = g.part(tuple(t is not None for t in ts), (True,))
            return jvp_sweep(part, env, list(ts))[0]
        if p.vjp is not None and not p.vjp_batched:
            g = _rule_graph(p, "vjp", e, xs, out)
            env = _env(g.graph, e, xs, [out, _zeros_like_input(out, e.out.shape)], out)
            part = g.part((True,), tuple(t is not None for t in ts))
            return vjp_sweep(part, env, list(ts))[0]
    raise InputError(_missing(p, "fwd"))


def _vjp_rule(e, xs, out, ct, needs):
    p, n = e.prim, len(xs)
    out = out if out is not None else _eval_rule(e, xs)
    with _entered(p, "vjp"):
        if p.vjp is not None and p.vjp_batched:
            cts = _batched_rule(p, "vjp", e, xs, out, ct)
        elif p.vjp is not None:
            g = _rule_graph(p, "vjp", e, xs, out)
            env = _env(g.graph, e, xs, [out, _zeros_like_input(out, e.out.shape)], out)
            cts = jvp_sweep(g.part((True,), tuple(needs)), env, [ct])
        elif p.jvp is not None and not p.jvp_batched:
            g = _rule_graph(p, "jvp", e, xs, out)
            env = _env(g.graph, e, xs, [_zeros_like_input(x, s) for x, s in zip(xs, e.in_shapes)],
                       out)
            cts = vjp_sweep(g.part(tuple(needs), (True,)), env, [ct])
        else:
            raise InputError(_missing(p, "rev"))
    return tuple(c if need else None for c, need in zip(cts, needs))


def _missing(p, mode):
    short = p.label
    if mode == "fwd":
        if p.vjp is not None:
            return (f"{p.label} has only a batched=True VJP rule, which cannot be transposed: "
                    f"mode='fwd' needs a JVP rule (@{short}.defjvp) or a traceable VJP.")
        return f"{p.label} has no derivative rule: give one with @{short}.defjvp or .defvjp."
    if p.jvp is not None:
        return (f"{p.label} has only a batched=True JVP rule, which cannot be transposed: "
                f"mode='rev' needs a VJP rule (@{short}.defvjp) or a traceable JVP.")
    return f"{p.label} has no derivative rule: give one with @{short}.defjvp or .defvjp."


def _batched_rule(p, which, e, xs, out, t):
    """A rule the user wrote for leading seed axes, called as it is (first order only)."""
    from .tracer import Tracer
    if any(type(a) is Tracer for a in list(xs) + [out] + list(t if which == "jvp" else [t])):
        raise InputError(f"the {which.upper()} rule of {p.label} was given with batched=True "
                         "(called, not traced), so it cannot be differentiated again: second "
                         "order (hessian, nested jacobian) needs a traceable rule.")
    if which == "jvp":
        primals = tuple(xs)
        tangents = tuple(_zeros_like_input(x, s) if ti is None else ti
                         for x, ti, s in zip(xs, t, e.in_shapes))
        res = p.jvp(primals, tangents, **e.params)
        out_dot = _split_jvp(p, res)[1]
        return out_dot
    res = _cotangents(p, p.vjp(tuple(xs), out, t, **e.params), len(xs))
    return [None if c is None else c for c in res]


class _RuleGraph:
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
            self.parts[key] = _linear_part(self.graph, self.first, live, wanted)
        return self.parts[key]


def _rule_graph(p, which, e, xs, out):
    dtypes = tuple(str(getattr(x, "dtype", "f8")) for x in xs)
    device = any(on_gpu(x) for x in xs)
    key = (which, tuple(e.in_shapes), dtypes, device, _params_key(e.params))
    g = p.graphs.get(key) if key[-1] is not None else None
    if g is None:
        g = _trace_rule(p, which, e, xs, out)
        if key[-1] is not None:
            p.graphs[key] = g
    return g


def _params_key(params):
    try:
        key = tuple(sorted(params.items()))
        hash(key)
        return key
    except TypeError:
        return None


def _trace_rule(p, which, e, xs, out):
    from .tracer import trace_function
    n = len(xs)
    point = [_logical_value(x, s) for x, s in zip(xs, e.in_shapes)]
    if which == "jvp":
        def traced(*a):
            return _split_jvp(p, p.jvp(tuple(a[:n]), tuple(a[n:]), **e.params), e)[1]
        args = point + [xp_of(x).zeros_like(x) for x in point]
        first = n
    else:
        o = _logical_value(out, e.out.shape) if out is not None else \
            _checked_output(p, p.fn(*point, **e.params))

        def traced(*a):
            return tuple(_cotangents(p, p.vjp(tuple(a[:n]), a[n], a[n + 1], **e.params), n, e))
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
    return _RuleGraph(graph, first)


def _split_jvp(p, res, e=None):
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


def _cotangents(p, res, n, e=None):
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


def _logical_value(x, shape):
    """A concrete copy of ``x`` at its logical shape (the first point of any leading axes;
    the innermost value of a nested trace), on its own device: where a rule is traced."""
    from .tracer import Tracer
    while type(x) is Tracer:
        x = x.value
    x = x if hasattr(x, "ndim") else np.asarray(x)
    lead = x.ndim - len(shape)
    return (x[(0,) * lead] if lead > 0 else x).copy()


def _zeros_like_input(x, shape):
    from .tracer import Tracer
    while type(x) is Tracer:
        x = x.value
    return xp_of(x).zeros(tuple(shape), getattr(x, "dtype", np.float64))


def _env(graph, e, xs, extra, out):
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
    primals, key = graph.inputs[:len(xs)], _params_key(e.params)
    with np.errstate(all="ignore"):
        for q in graph.eqns:
            if q.prim is e.prim and len(q.inputs) == len(primals) and key is not None \
                    and all(a is b for a, b in zip(q.inputs, primals)) \
                    and _params_key(q.params) == key:
                env[q.out] = np.broadcast_to(out, lead + tuple(e.out.shape)) if lead else out
                continue
            env[q.out] = eval_rule(q.prim)(q, [env[v] if type(v) is Var else v
                                              for v in q.inputs])
    return env


def _linear_part(graph, first, live_inputs, wanted):
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
