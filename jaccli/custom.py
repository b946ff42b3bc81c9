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

NOTE: rules are traced (jaccli.rulegraphs). A rule is written for *one* tangent (or
cotangent) in NumPy that jaccli traces; jaccli traces it once per input shapes into a graph (inputs: the primals and
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
``module:qualname``: a worker imports the module that defines the primitive; one defined in
a ``__main__`` script travels by value (cloudpickle, Dask's fallback) and registers there.
"""
import contextlib
import copyreg
import threading

import numpy as np

from .errors import InputError, TracingError
from .interpret import jvp_sweep, vjp_sweep
from .rules import Primitive, eval_rules, impl_rules, jvp_rules, primitives, vjp_rules
from .rulegraphs import cotangents, rule_env, rule_graph, split_jvp, zeros_like_input

SPARSITY_WORDS = ("dense", "elementwise")


class CustomPrimitive(Primitive):
    """A ``Primitive`` of kind 'custom' holding the user's function and rules; it pickles by
    its registered name (``jaccli.primitives.by_name``)."""
    __slots__ = ("fn", "label", "jvp", "vjp", "jvp_batched", "vjp_batched", "sparsity",
                 "vectorized", "graphs")

    def __repr__(self):
        return self.label


def _pickle_by_name(p):
    """NOTE: by name, so a process finds its own registered object (identity is how graphs
    compare primitives). One defined in a ``__main__`` script cannot be imported by name
    elsewhere: it travels by value (function and rules), which cloudpickle -- Dask's
    fallback -- can carry, and registers itself where it lands."""
    if p.name.startswith("__main__:"):
        return _restore, (p.name, p.fn, p.sparsity, p.vectorized, p.jvp, p.vjp,
                          p.jvp_batched, p.vjp_batched)
    from .primitives import by_name
    return by_name, (p.name,)


def _restore(name, fn, sparsity, vectorized, jvp, vjp, jvp_batched, vjp_batched):
    """The primitive ``name`` of this process, or registered now from its pieces."""
    if name in primitives:
        return primitives[name]
    made = UserPrimitive(fn, sparsity, vectorized, name).prim
    made.jvp, made.vjp, made.jvp_batched, made.vjp_batched = jvp, vjp, jvp_batched, vjp_batched
    return made


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
        for name, value in params.items():
            if _holds_tracer(value):
                raise TracingError(
                    f"{p.label}: keyword argument {name!r} is a traced value, but the keyword "
                    "arguments of a jaccli.primitive are static parameters, outside its rules "
                    "(its derivative would be lost). jacfun, hessfun, hvpfun and vjp trace "
                    "every float argument of the function, differentiated or not: pass this "
                    "value positionally (with a tangent in the rules), or as a plain constant "
                    "the function closes over.")
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


def _holds_tracer(value):
    """Whether a keyword parameter holds a Tracer (itself, or inside a list/tuple/dict)."""
    from .tracer import Tracer
    if type(value) is Tracer:
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_tracer(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_tracer(v) for v in value.values())
    return False


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
    p = e.prim
    out = out if out is not None else _eval_rule(e, xs)
    with _entered(p, "jvp"):
        if p.jvp is not None and p.jvp_batched:
            return _batched_rule(p, "jvp", e, xs, out, ts)
        carried = tuple(t is not None for t in ts)
        if p.jvp is not None:                     # the rule, forward over K seeds
            g, env = _traced(p, "jvp", e, xs, out)
            return jvp_sweep(g.part(carried, (True,)), env, list(ts))[0]
        if p.vjp is not None and not p.vjp_batched:        # the VJP's transpose
            g, env = _traced(p, "vjp", e, xs, out)
            return vjp_sweep(g.part((True,), carried), env, list(ts))[0]
    raise InputError(_missing(p, "fwd"))


def _vjp_rule(e, xs, out, ct, needs):
    p = e.prim
    out = out if out is not None else _eval_rule(e, xs)
    with _entered(p, "vjp"):
        if p.vjp is not None and p.vjp_batched:
            cts = _batched_rule(p, "vjp", e, xs, out, ct)
        elif p.vjp is not None:                   # the rule, forward over K cotangents
            g, env = _traced(p, "vjp", e, xs, out)
            cts = jvp_sweep(g.part((True,), tuple(needs)), env, [ct])
        elif p.jvp is not None and not p.jvp_batched:      # the JVP's transpose
            g, env = _traced(p, "jvp", e, xs, out)
            cts = vjp_sweep(g.part(tuple(needs), (True,)), env, [ct])
        else:
            raise InputError(_missing(p, "rev"))
    return tuple(c if need else None for c, need in zip(cts, needs))


def _traced(p, which, e, xs, out):
    """The traced rule (``rulegraphs.RuleGraph``) and its values at this equation's point;
    the tangent (cotangent) inputs at zero."""
    g = rule_graph(p, which, e, xs, out)
    extra = [zeros_like_input(x, s) for x, s in zip(xs, e.in_shapes)] if which == "jvp" else \
        [out, zeros_like_input(out, e.out.shape)]
    return g, rule_env(g.graph, e, xs, extra, out)


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
        tangents = tuple(zeros_like_input(x, s) if ti is None else ti
                         for x, ti, s in zip(xs, t, e.in_shapes))
        res = p.jvp(primals, tangents, **e.params)
        out_dot = split_jvp(p, res)[1]
        return out_dot
    res = cotangents(p, p.vjp(tuple(xs), out, t, **e.params), len(xs))
    return [None if c is None else c for c in res]
