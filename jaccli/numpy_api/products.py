"""Products: einsum, tensordot, dot, vdot, inner, outer, kron, cross, convolve / correlate,
multi_dot, the np.linalg array-API product aliases and the vecdot / matvec / vecmat ufuncs --
on the einsum and matmul primitives."""
import functools
import string
import warnings

import numpy as np

from ..dispatch import implements, method, ufunc
from ..errors import TracingError
from ..primitives.linalg import einsum_p, matmul_p
from ..tracer import bind
from .common import arr, as_dtype
from .shape import ravel, reshape


# ---------------------------------------------------------------- einsum and tensordot

@implements(np.einsum)
def einsum(subscripts, *operands, out=None, optimize=False, dtype=None, **kwargs):
    """The string form and the sublist form (``np.einsum(x, [0, 1], y, [1, 2], [0, 2])``,
    ``Ellipsis`` allowed); ``dtype=`` converts the operands as NumPy does."""
    if out is not None:
        raise TracingError("np.einsum(..., out=...) is not supported by jaccli; assign the "
                           "result.")
    if not isinstance(subscripts, str):
        subscripts, operands = _from_sublists((subscripts,) + operands)
    casting = kwargs.pop("casting", "safe")
    ops = [arr(o) for o in operands]
    if dtype is not None:
        for op in ops:
            if not np.can_cast(op.dtype, dtype, casting):
                raise TypeError(f"Iterator operand dtype could not be cast from {op.dtype!r} "
                                f"to {np.dtype(dtype)!r} according to the rule {casting!r}")
        ops = [as_dtype(o, dtype, "np.einsum") for o in ops]
    subs = _expand_ellipsis(subscripts.replace(" ", ""), ops)
    if "->" not in subs:                         # implicit mode: output = letters seen once
        letters = subs.replace(",", "")
        subs += "->" + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = subs.split("->")[0].split(",")
    if len(ins) != len(ops):
        raise ValueError(f"einsum: {len(ins)} subscripts for {len(ops)} operands")
    return bind(einsum_p, *ops, subscripts=subs)


def _from_sublists(args):
    """(op0, sublist0, op1, sublist1, ..., [output sublist]) -> (subscripts, operands)."""
    ops, subs = list(args[0::2]), list(args[1::2])
    out = None
    if len(ops) > len(subs):                   # an odd count: the last item is the output
        out = ops.pop()
    def letters(sub):
        chars = []
        for k in sub:
            if k is Ellipsis:
                chars.append("...")
            elif isinstance(k, (int, np.integer)) and 0 <= k < 52:
                chars.append(string.ascii_letters[int(k)])
            else:
                raise ValueError("subscript is not within the valid range [0, 52)")
        return "".join(chars)
    spec = ",".join(letters(s) for s in subs)
    if out is not None:
        spec += "->" + letters(out)
    return spec, ops


def _expand_ellipsis(subs, ops):
    """Replace '...' by explicit letters (right-aligned across operands, as NumPy does)."""
    if "..." not in subs:
        return subs
    ins, arrow, out = subs.partition("->")
    parts = ins.split(",")
    widths = [op.ndim - len(p.replace("...", "")) for p, op in zip(parts, ops) if "..." in p]
    width = max(widths, default=0)
    fresh = "".join(_letters(width, skip=subs))
    parts = [p.replace("...", fresh[width - (op.ndim - len(p.replace("...", ""))):])
             for p, op in zip(parts, ops)]
    if arrow:
        out = out.replace("...", fresh)
    else:                                        # implicit: ellipsis dims lead the output
        letters = "".join(parts).replace(",", "")
        out = fresh + "".join(sorted(c for c in set(letters) - set(fresh)
                                     if letters.count(c) == 1))
    return ",".join(parts) + "->" + out


def _letters(n, skip=""):
    return [c for c in string.ascii_letters if c not in skip][:n]


@implements(np.tensordot)
def tensordot(a, b, axes=2):
    a, b = arr(a), arr(b)
    if isinstance(axes, (int, np.integer)):
        ax_a, ax_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        ax_a, ax_b = [np.atleast_1d(x).tolist() for x in axes]
    ax_a = [x % a.ndim for x in ax_a]
    ax_b = [x % b.ndim for x in ax_b]
    la = _letters(a.ndim)
    lb = _letters(b.ndim, "".join(la))
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in ax_a] + \
          [c for j, c in enumerate(lb) if j not in ax_b]
    return einsum("".join(la) + "," + "".join(lb) + "->" + "".join(out), a, b)


# ---------------------------------------------------------------- matrix and vector products

@implements(np.dot)
def dot(a, b, out=None):
    if out is not None:
        raise TracingError("np.dot(..., out=...) is not supported; assign the result.")
    a, b = arr(a), arr(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim <= 2:
        return bind(matmul_p, a, b)
    return tensordot(a, b, axes=([-1], [-2]))


method("dot")(lambda self, b, out=None: dot(self, b, out))


@implements(np.vdot)
def vdot(a, b):
    """sum(conj(a) * b) over the flattened operands (conj: the identity on real ones)."""
    return bind(matmul_p, ravel(np.conj(arr(a))), ravel(arr(b)))


@implements(np.inner)
def inner(a, b):
    a, b = arr(a), arr(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, axes=([-1], [-1]))


@implements(np.outer)
def outer(a, b, out=None):
    a, b = ravel(arr(a)), ravel(arr(b))
    return reshape(a, (-1, 1)) * reshape(b, (1, -1))


@implements(np.kron)
def kron(a, b):
    a, b = arr(a), arr(b)
    nd = max(a.ndim, b.ndim)
    a = reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = reshape(b, (1,) * (nd - b.ndim) + b.shape)
    inter_a = tuple(x for d in a.shape for x in (d, 1))
    inter_b = tuple(x for d in b.shape for x in (1, d))
    prod = reshape(a, inter_a) * reshape(b, inter_b)
    return reshape(prod, tuple(p * q for p, q in zip(a.shape, b.shape)))


def _numpy_crosses_2_vectors():
    """NumPy 2.0 deprecated 2-element vectors in np.cross and 2.5 refuses them (ValueError):
    jaccli's np.cross does as the installed NumPy does."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            np.cross(np.ones(2), np.ones(3))
    except ValueError:
        return False
    return True


CROSSES_2_VECTORS = _numpy_crosses_2_vectors()


@implements(np.cross)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """3-vectors (where NumPy still takes 2-vectors: they get a zero z; two 2-vectors give
    the z component)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = np.moveaxis(arr(a), axisa, -1)
    b = np.moveaxis(arr(b), axisb, -1)
    da, db = a.shape[-1], b.shape[-1]
    if not CROSSES_2_VECTORS and (da, db) != (3, 3):
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors, but "
                         f"they are {da} and {db} dimensional instead.")
    if da not in (2, 3) or db not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    if da == db == 2:
        return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    if da == 2:
        a = np.concatenate([a, 0.0 * a[..., :1]], axis=-1)
    if db == 2:
        b = np.concatenate([b, 0.0 * b[..., :1]], axis=-1)
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    c = np.stack(np.broadcast_arrays(a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0),
                 axis=-1)
    return np.moveaxis(c, -1, axisc)


@implements(np.linalg.multi_dot)
def multi_dot(arrays, *, out=None):
    if out is not None:
        raise TracingError("np.linalg.multi_dot(..., out=...) is not supported; assign.")
    return functools.reduce(np.matmul, arrays)


# ---------------------------------------------------------------- convolution

def _convolve_full(a, v):
    """Full discrete convolution of 1-D a (length n) and v (length m <= n): windows of the
    zero-padded ``a`` gathered by one index matrix, times v."""
    n, m = a.shape[0], v.shape[0]
    if m == 1:
        return a * v[0]
    pad = np.zeros(m - 1)
    padded = np.concatenate([pad, a, pad])
    k = np.arange(n + m - 1)[:, None]
    j = np.arange(m)[None, :]
    return padded[k - j + (m - 1)] @ v


@implements(np.convolve)
def convolve(a, v, mode="full"):
    a, v = np.atleast_1d(arr(a)), np.atleast_1d(arr(v))
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError("object too deep for desired array")
    if a.shape[0] == 0 or v.shape[0] == 0:
        raise ValueError("a cannot be empty" if a.shape[0] == 0 else "v cannot be empty")
    if v.shape[0] > a.shape[0]:
        a, v = v, a
    n, m = a.shape[0], v.shape[0]
    full = _convolve_full(a, v)
    if mode == "full":
        return full
    if mode == "same":
        start = (m - 1) // 2
        return full[start:start + n]
    if mode == "valid":
        return full[m - 1:n]
    raise ValueError(f"mode must be one of 'valid', 'same', or 'full' (got {mode!r})")


@implements(np.correlate)
def correlate(a, v, mode="valid"):
    return convolve(a, np.atleast_1d(arr(v))[::-1], mode)


# ---------------------------------------------------------------- array-API aliases and gufuncs

implements(np.linalg.matmul)(lambda x1, x2, /: np.matmul(x1, x2))


implements(np.linalg.tensordot)(lambda x1, x2, /, *, axes=2: np.tensordot(x1, x2, axes))


implements(np.linalg.outer)(lambda x1, x2, /: np.outer(x1, x2))


@implements(np.linalg.cross)
def linalg_cross(x1, x2, /, *, axis=-1):
    """3-vectors only, on every NumPy."""
    x1, x2 = arr(x1), arr(x2)
    if x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors, but "
                         f"they are {x1.shape[axis]} and {x2.shape[axis]} dimensional instead.")
    return cross(x1, x2, axis=axis)


@implements(np.linalg.vecdot)
def _linalg_vecdot(x1, x2, /, *, axis=-1):
    return np.sum(arr(x1) * arr(x2), axis=axis)


def _gufunc(name, spec):
    def impl(x1, x2, **kwargs):
        axis = kwargs.pop("axis", None)
        dtype = kwargs.pop("dtype", None)
        x1, x2 = as_dtype(x1, dtype, f"np.{name}"), as_dtype(x2, dtype, f"np.{name}")
        bad = [k for k, v in kwargs.items() if v is not None and k != "casting"]
        if bad:
            raise TracingError(f"np.{name}: keyword argument(s) {', '.join(bad)} are not "
                               "supported by jaccli on traced arrays.")
        if axis is not None:
            return np.sum(arr(x1) * arr(x2), axis=axis)
        return np.einsum(spec, x1, x2)
    return impl


for _name, _spec in (("vecdot", "...i,...i->..."), ("matvec", "...ij,...j->...i"),
                     ("vecmat", "...j,...ji->...i")):
    if hasattr(np, _name):
        ufunc(getattr(np, _name))(_gufunc(_name, _spec))
