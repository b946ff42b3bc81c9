"""Primitives and their rule tables, plus the helpers every rule uses for leading axes.

One table per interpreter, keyed by primitive, one signature per table:

    impl_rules[p](*xs, **params)            -> out       plain evaluation at trace time
    eval_rules[p](e, xs)                    -> out       evaluation with leading (point) axes
    jvp_rules[p](e, xs, out, tangents)      -> tangent   forward mode
    seed_rules[p](e, xs, i, start, stop)    -> tangent   forward mode, input i seeded with
                                                         identity rows start:stop (or None)
    seed_passes[p](e, start, stop)          -> None, ZERO or (start', stop') (see below)
    vjp_rules[p](e, xs, out, ct, needs)     -> tuple     reverse mode, one cotangent per input

``e`` is the equation (``e.params``, ``e.in_shapes``, ``e.out.shape``); ``xs`` its primal input
arrays; ``out`` its primal output; ``tangents[i]`` / the returned cotangents are arrays or
``None`` (a symbolic zero); ``needs[i]`` says whether input ``i`` wants a cotangent.

NOTE: leading axes. Every array a rule sees may carry extra *leading* axes in front of its
logical shape: K seeds in a sweep, B points, or both. Rules work on trailing logical axes:
negative axes, ``lift`` to align operands of different logical rank before broadcasting,
``unbroadcast`` to sum a cotangent back to its operand's logical shape.

NOTE: rules are traced again (Hessians: forward over reverse). Their arguments may then be
Tracers, so a rule builds arrays only through calls that dispatch: NumPy functions and
methods of its operands, ``zeros`` and ``backend.copy_array`` (never ``xp.zeros`` on a
Tracer), item assignment into a scratch array made by ``zeros`` (a Tracer records it).
"""
import numpy as np

from .backend import on_gpu, xp_of

# NOTE: kinds. A primitive's ``kind`` says how each output element depends on the input
# elements -- the structure a sparsity pass, the cost model or a kernel fuser may assume
# without knowing the primitive. Axes are *logical*; "stack axes" are all but the last two.
# Orthogonal to the kind: a primitive in ``nondiff`` has zero derivative wherever defined (its
# output depends on no input element, for derivatives); its kind still says its structure.
KINDS = {
    "elementwise": "out has the broadcast shape of the inputs (NumPy's right-aligned "
                   "broadcasting); out[i] depends only on each input's element broadcast to i. "
                   "``partials``: one per input, d out / d input_i elementwise: a number "
                   "(constant), a function (*inputs lifted to out's rank, out) -> array, or None "
                   "(not differentiable in that input: where's condition). Nondiff ones: None. "
                   "Evaluates by the default eval rule (lift + impl).",
    "view": "one input; every out element is a copy of exactly one input element, the map "
            "fixed by params and shapes (reshape, transpose, broadcast_to, diagonal); "
            "impl applied to an array of element labels gives the map. Linear.",
    "gather": "getitem: out = x[params['index']], each out element a copy of one x element "
              "(index: ints, slices, None, non-negative int arrays; repeats allowed). Linear.",
    "scatter": "inputs (x, v), out has x's shape: x with the region x[params['index']] "
               "replaced by v broadcast to it (setitem), or with v added into it, repeated "
               "indices accumulating (scatter_add). Each out element depends on its x element "
               "(setitem: only outside the region) and on the v elements sent to it. Linear.",
    "join": "concatenate: out = the inputs side by side along params['axis']; each out "
            "element a copy of one element of one input. Linear.",
    "reduction": "one input; out = the input with the axes ``reduced_axes(e)`` removed (kept "
                 "as size 1 when params.get('keepdims')); out[j] depends on every input element "
                 "whose other coordinates are j. ``monoid``: the ufunc combining them.",
    "scan": "one input, out of its shape: along params['axis'], out[..., k, ...] depends on "
            "the input elements at positions <= k, other coordinates equal. ``monoid``: the "
            "ufunc accumulating them (add: cumsum, linear).",
    "sort": "one input, out of its shape: along the last axis out is a permutation of the "
            "input that depends on its values; out[..., k] depends on the whole line.",
    "contraction": "matmul, einsum: each out element a sum of products, one element of each "
                   "input per product (linear in each input); which ones follows the subscripts "
                   "(params['subscripts']; matmul: '...ij,...jk->...ik' with NumPy's 1-d "
                   "rules).",
    "linalg": "solve, inv, det, log|det|: over the stack axes, elementwise (broadcast); within "
              "one matrix (b: its vector or matrix), dense.",
    "transform": "one input (np.fft): along the logical axes params['axes'] each out line "
                 "depends on every element of the input line (dense; the lengths may "
                 "differ: rfftn halves, irfftn restores params['s']); along the other axes "
                 "out[j] depends only on the input elements with the same coordinates. "
                 "Linear.",
    "decomposition": "cholesky, qr, eigh, svd, eig (one factor per primitive): over the stack "
                     "axes independent; within one matrix dense; costly (LAPACK, several "
                     "GEMMs per seed in the rules).",
    "custom": "a user-defined primitive (jaccli.primitive): any inputs, one output; dense "
              "(every out element depends on every element of every input) unless it "
              "declared sparsity= ('elementwise', or a callable giving the dependence); "
              "its rules are traced from the user's (jaccli.custom).",
}


# NOTE: complex intermediates. The user's function maps reals to reals (complex inputs and
# outputs are refused with an InputError), but complex values may flow in between. The
# convention is JAX's: a tangent of a complex value is complex and the JVP is the R-linear
# tangent map t -> dy; the VJP is its transpose under the real pairing <a, b> = Re(sum a*b)
# (no conjugate in the pairing). So for a holomorphic g the JVP is t * g'(z) and the VJP is
# ct * g'(z) -- the same rules as for reals, which is why the holomorphic primitives need
# no complex rule of their own (C-linear maps: matmul, sum, views ... transpose unchanged);
# the non-holomorphic ones get their own: real (vjp: ct + 0j), imag (vjp: -1j * ct), conj
# (vjp: conj(ct)), |z| (vjp: ct * conj(z) / |z|), angle (vjp: -1j * ct * conj(z) / |z|^2).
# A cotangent reaching a real value is real: where a real value meets a complex one, ``bind``
# records the promotion real -> complex as its own equation (``promote``), whose VJP takes
# the real part -- the transpose of the inclusion R -> C under that pairing. Seeds and the
# Jacobian stay real. (PyTorch's convention conjugates instead: ct * conj(g'(z)); for a
# real -> real function both give the same real Jacobian.)
#
# Which primitives accept complex operands is data: ``Primitive.complex`` is
#   None        real only: a complex operand or result raises a TracingError at bind time
#   "promote"   holomorphic / C-linear: bind promotes its real floating operands to the
#               complex result dtype (a ``promote`` equation each) before recording it
#   "own"       its rules handle the real/complex mix themselves (real, imag, |z|, rfft,
#               promote itself, comparisons such as isnan whose derivative is zero)
# set by ``accepts_complex``; ``tracer.bind`` checks it, in one place.
COMPLEX_MODES = (None, "promote", "own")


class Primitive:
    """A named operation with a fixed set of rules; ``kind`` (one of ``KINDS``) and the
    data its kind promises: ``partials`` (elementwise), ``monoid`` (reduction, scan);
    ``complex``: whether and how it accepts complex operands (see ``COMPLEX_MODES``)."""
    __slots__ = ("name", "kind", "partials", "monoid", "complex")

    def __init__(self, name, kind, partials=None, monoid=None):
        if kind not in KINDS:
            raise ValueError(f"primitive {name}: kind {kind!r} is not one of {sorted(KINDS)}")
        self.name = name
        self.kind = kind
        self.partials = partials
        self.monoid = monoid
        self.complex = None

    def __repr__(self):
        return self.name


primitives = {}       # name -> Primitive
impl_rules = {}
eval_rules = {}       # absent: elementwise, ``impl(*lifted xs, **params)`` (see eval_rule)
jvp_rules = {}
seed_rules = {}       # optional shortcuts for identity seeds (see interpret.jvp_sweep)
seed_passes = {}      # p -> (e, start, stop) -> None, ZERO or (start', stop'): where an input
                      # seeded with identity rows start:stop gives out a zero tangent, or
                      # out's own identity rows start':stop' (interpret.jvp_sweep)
ZERO = "zero"
lazy_shapes = {}      # p -> shape rule (input values -> (shape, dtype) or None): p's value is
                      # computed only when read (builder.Values); its jvp/vjp rules get out=None
vjp_rules = {}
nondiff = set()       # primitives whose output is never differentiable (comparisons, floor...)


def primitive(name, impl, kind, partials=None, monoid=None):
    if name in primitives:
        raise ValueError(f"primitive {name} is defined twice")
    p = Primitive(name, kind, partials, monoid)
    primitives[name] = p
    impl_rules[p] = impl
    return p


def accepts_complex(mode, *prims):
    """Mark ``prims`` as accepting complex operands, with ``mode`` one of ``COMPLEX_MODES``."""
    if mode not in COMPLEX_MODES:
        raise ValueError(f"complex mode {mode!r} is not one of {COMPLEX_MODES}")
    for p in prims:
        p.complex = mode


def defnondiff(name, impl, kind="elementwise", monoid=None):
    """A primitive with zero derivative everywhere it is defined (floor, sign, comparisons)."""
    p = primitive(name, impl, kind, monoid=monoid)
    nondiff.add(p)
    jvp_rules[p] = _nondiff_jvp
    vjp_rules[p] = _nondiff_vjp
    return p


def _nondiff_jvp(e, xs, out, ts):
    return None


def _nondiff_vjp(e, xs, out, ct, needs):
    return (None,) * len(xs)


def eval_rule(p):
    """The evaluation rule of ``p`` for inputs with leading axes: its own, or for an
    elementwise primitive: lift the operands and call the impl."""
    rule = eval_rules.get(p)
    if rule is not None:
        return rule
    if p.kind != "elementwise":
        raise KeyError(f"primitive {p.name} ({p.kind}) has no eval rule")
    impl = impl_rules[p]
    return lambda e, xs: impl(*lift_all(e, xs), **e.params)


def eval_as_linear(p):
    """A one-input linear primitive evaluates like its JVP applied to the value."""
    jvp = jvp_rules[p]
    eval_rules[p] = lambda e, xs: jvp(e, xs, None, xs)


def eval_on_trailing_axes(p):
    """A primitive acting on its inputs' trailing axes only (np.linalg.*, prod over the last
    axis, sort along it): the impl itself accepts leading axes."""
    impl = impl_rules[p]
    eval_rules[p] = lambda e, xs: impl(*xs, **e.params)


def reduced_axes(e):
    """The logical input axes a reduction equation reduces (``axes``, else the last one)."""
    axes = e.params.get("axes")
    return axes if axes is not None else (len(e.in_shapes[0]) - 1,)


def lift_all(e, xs):
    """Operands lifted to the output's logical rank (see ``lift``)."""
    r = len(e.out.shape)
    return [lift(x, len(s), r) if hasattr(x, "ndim") else x for x, s in zip(xs, e.in_shapes)]


# ---------------------------------------------------------------- leading axes

def lead_shape(a, logical_shape):
    """The leading (batch) axes of ``a`` in front of its logical shape."""
    return a.shape[:a.ndim - len(logical_shape)]


def zeros(ref, shape):
    """Zeros of ``shape`` with ``ref``'s dtype, on ``ref``'s array module (numpy or cupy), or
    a Tracer's zeros when the rule is traced again.
    NOTE: xp.zeros is 4x cheaper than np.zeros_like(ref, shape=...), and sits on hot paths."""
    if type(ref) is np.ndarray:
        return np.zeros(shape, ref.dtype)
    if on_gpu(ref):
        return xp_of(ref).zeros(shape, ref.dtype)
    return np.zeros_like(ref, shape=shape)


def writable_for(res, v):
    """``res``, a scratch array about to take ``res[index] = v``: a plain NumPy array receiving
    a Tracer (a rule traced again) becomes a constant Tracer, which records the write."""
    if type(res) is not np.ndarray or isinstance(v, (np.ndarray, np.generic)) \
            or not hasattr(v, "__array_function__") or on_gpu(v):
        return res
    return np.asarray(res, like=v)


def mT(a):
    """The matrix transpose of a stack of matrices (its last two axes)."""
    return np.swapaxes(a, -1, -2)


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
