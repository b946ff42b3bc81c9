"""Primitives and their rule tables, plus the helpers every rule uses for leading axes.

One table per interpreter, keyed by primitive, one signature per table:

    impl_rules[p](*xs, **params)            -> out       plain evaluation at trace time
    eval_rules[p](e, xs)                    -> out       evaluation with leading (point) axes
    jvp_rules[p](e, xs, out, tangents)      -> tangent   forward mode
    seed_rules[p](e, xs, i, start, stop)    -> tangent   forward mode, input i seeded with
                                                         identity rows start:stop (or None)
    vjp_rules[p](e, xs, out, ct, needs)     -> tuple     reverse mode, one cotangent per input

``e`` is the equation (``e.params``, ``e.in_shapes``, ``e.out.shape``); ``xs`` its primal input
arrays; ``out`` its primal output; ``tangents[i]`` / the returned cotangents are arrays or
``None`` (a symbolic zero); ``needs[i]`` says whether input ``i`` wants a cotangent.

NOTE: leading axes. Every array a rule sees may carry extra *leading* axes in front of its
logical shape: K seeds in a sweep, B points, or both. Rules work on trailing logical axes:
negative axes, ``lift`` to align operands of different logical rank before broadcasting,
``unbroadcast`` to sum a cotangent back to its operand's logical shape.
"""
import numpy as np

from .backend import xp_of


class Primitive:
    """A named operation with a fixed set of rules. ``linear``: linear in its differentiable
    inputs (reshape, sum, getitem...), so its JVP applies the op to the tangents."""
    __slots__ = ("name", "linear")

    def __init__(self, name, linear=False):
        self.name = name
        self.linear = linear

    def __repr__(self):
        return self.name


primitives = {}       # name -> Primitive
impl_rules = {}
eval_rules = {}       # absent: elementwise, ``impl(*lifted xs, **params)`` (see eval_rule)
jvp_rules = {}
seed_rules = {}       # optional shortcuts for identity seeds (see interpret.jvp_sweep)
lazy_shapes = {}      # p -> shape rule (input values -> (shape, dtype) or None): p's value is
                      # computed only when read (tracer.Values); its jvp/vjp rules get out=None
vjp_rules = {}
nondiff = set()       # primitives whose output is never differentiable (comparisons, floor...)


def primitive(name, impl, linear=False):
    p = Primitive(name, linear)
    primitives[name] = p
    impl_rules[p] = impl
    return p


def defnondiff(name, impl):
    """A primitive with zero derivative everywhere it is defined (floor, sign, comparisons)."""
    p = primitive(name, impl)
    nondiff.add(p)
    jvp_rules[p] = lambda e, xs, out, ts: None
    vjp_rules[p] = lambda e, xs, out, ct, needs: (None,) * len(xs)
    return p


def eval_rule(p):
    """The evaluation rule of ``p`` for inputs with leading axes. Primitives without one
    are elementwise (or act on trailing axes only): lift the operands and call the impl."""
    rule = eval_rules.get(p)
    if rule is not None:
        return rule
    impl = impl_rules[p]
    return lambda e, xs: impl(*lift_all(e, xs), **e.params)


def eval_as_linear(p):
    """A one-input linear primitive evaluates like its JVP applied to the value."""
    jvp = jvp_rules[p]
    eval_rules[p] = lambda e, xs: jvp(e, xs, None, xs)


def lift_all(e, xs):
    """Operands lifted to the output's logical rank (see ``lift``)."""
    r = len(e.out.shape)
    return [lift(x, len(s), r) if hasattr(x, "ndim") else x for x, s in zip(xs, e.in_shapes)]


# ---------------------------------------------------------------- leading axes

def lead_shape(a, logical_shape):
    """The leading (batch) axes of ``a`` in front of its logical shape."""
    return a.shape[:a.ndim - len(logical_shape)]


def zeros(ref, shape):
    """Zeros of ``shape`` with ``ref``'s dtype, on ``ref``'s array module (numpy or cupy).
    NOTE: 4x cheaper than np.zeros_like(ref, shape=...), and it sits on hot paths."""
    return xp_of(ref).zeros(shape, ref.dtype)


def lift(a, rank, to_rank):
    """Insert unit axes after the leading axes of ``a`` (logical rank ``rank``) so that it
    broadcasts as a logical rank-``to_rank`` operand would. Without leading axes NumPy's own
    right-aligned broadcasting already does this."""
    if rank >= to_rank or a.ndim == rank:
        return a
    lead = a.ndim - rank
    return a.reshape(a.shape[:lead] + (1,) * (to_rank - rank) + a.shape[lead:])


def unbroadcast(ct, in_shape, out_shape):
    """Sum a cotangent of logical shape ``out_shape`` (plus leading axes) back to an operand
    of logical shape ``in_shape`` that was broadcast to it."""
    if in_shape == out_shape:
        return ct
    lead = ct.ndim - len(out_shape)
    extra = len(out_shape) - len(in_shape)
    axes = tuple(range(lead, lead + extra)) + tuple(
        lead + extra + j for j, d in enumerate(in_shape) if d == 1 and out_shape[extra + j] != 1)
    if axes:
        ct = ct.sum(axis=axes)
    return ct.reshape(ct.shape[:lead] + tuple(in_shape))


def logical_axes(axis, ndim):
    """Normalise an ``axis`` argument to a sorted tuple of non-negative logical axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(a, ndim)
        out.append(a % ndim)
    return tuple(sorted(set(out)))


def from_end(axes, ndim):
    """Logical axes as negative axes, valid whatever leading axes an array carries."""
    return tuple(a - ndim for a in axes)
