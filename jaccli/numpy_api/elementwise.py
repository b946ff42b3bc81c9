"""Elementwise functions that are not ufuncs: clip, round, sinc, nan_to_num, isclose /
allclose, real / imag / conj / angle; each is one elementwise primitive or a composition of them."""
import numpy as np

from ..dispatch import implements, method
from ..errors import TracingError
from ..primitives import complex as cx
from ..primitives.elementwise import maximum_p, minimum_p, round_p
from ..tracer import bind
from .common import arr, no_out
from .reductions import all_


# ---------------------------------------------------------------- clip, round

@implements(np.clip)
def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **kwargs):
    no_out("np.clip", out)
    lo = a_min if a_min is not None else min
    hi = a_max if a_max is not None else max
    if lo is not None:
        a = bind(maximum_p, a, lo)
    if hi is not None:
        a = bind(minimum_p, a, hi)
    return a


@implements(np.round, np.around)
def round_(a, decimals=0, out=None):
    no_out("np.round", out)
    return bind(round_p, a, decimals=decimals)


# ---------------------------------------------------------------- special values

@implements(np.sinc)
def sinc(x):
    """sin(pi x) / (pi x); at 0 its Taylor polynomial 1 - t^2/6 + t^4/120 (t = pi x, so 1),
    whose derivatives there are sinc's own: 0, then -pi^2/3 (second order: Hessians)."""
    x = arr(x)
    zero = x == 0
    t = np.pi * x
    safe = np.where(zero, 1.0, t)
    t2 = t * t
    return np.where(zero, 1.0 - t2 / 6.0 + t2 * t2 / 120.0, np.sin(safe) / safe)


@implements(np.nan_to_num)
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    x = arr(x)
    big = np.finfo(x.dtype).max if x.dtype.kind == "f" else np.finfo(float).max
    posinf = big if posinf is None else posinf
    neginf = -big if neginf is None else neginf
    inf = np.isinf(x)
    out = np.where(inf & (x > 0), posinf, np.where(inf & (x < 0), neginf, x))
    return np.where(np.isnan(x), nan, out)


@implements(np.isclose)
def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    close = np.abs(a - b) <= atol + rtol * np.abs(b)
    return close | (np.isnan(a) & np.isnan(b)) if equal_nan else close


@implements(np.allclose)
def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return all_(isclose(a, b, rtol, atol, equal_nan))


# ---------------------------------------------------------------- real and complex arrays
# A real traced array: real / conj are the identity, imag a zero constant, angle 0 or pi. A
# complex one (an intermediate; see rules.py, "complex intermediates"): their own primitives.

def _complex(a):
    return getattr(a, "dtype", None) is not None and a.dtype.kind == "c"


@implements(np.real)
def real(a):
    a = arr(a)
    return bind(cx.real_p, a) if _complex(a) else a


@implements(np.conj, np.conjugate)
def conj(a, *args, **kwargs):
    a = arr(a)
    return bind(cx.conj_p, a) if _complex(a) else a


@implements(np.real_if_close)
def real_if_close(a, tol=100):
    a = arr(a)
    if _complex(a):
        raise TracingError("np.real_if_close of a traced complex array: whether the result is "
                           "real would depend on the values; write np.real(z) instead.")
    return a


@implements(np.imag)
def imag(a):
    a = arr(a)
    return bind(cx.imag_p, a) if _complex(a) else np.zeros_like(a)


@implements(np.angle)
def angle(z, deg=False):
    """Complex z: arg z (derivative Im(conj(z) dz) / |z|^2). Real z: NumPy's arctan2(0, x):
    0, or pi where the sign bit is set (-0.0 too), NaN at NaN; derivative 0 (arctan2's own
    rule would give 0 / 0 at x = 0)."""
    z = arr(z)
    if _complex(z):
        a = bind(cx.cangle_p, z)
        return a * (180.0 / np.pi) if deg else a
    half_turn = 180.0 if deg else np.pi
    return np.where(np.isnan(z), z, np.where(np.signbit(z), half_turn, 0.0))


@implements(np.iscomplex)
def iscomplex(x):
    x = arr(x)
    return np.imag(x) != 0 if _complex(x) else np.zeros_like(x, dtype=bool)


@implements(np.isreal)
def isreal(x):
    x = arr(x)
    return np.imag(x) == 0 if _complex(x) else np.ones_like(x, dtype=bool)


implements(np.iscomplexobj)(lambda x: _complex(arr(x)))


implements(np.isrealobj)(lambda x: not _complex(arr(x)))


# ---------------------------------------------------------------- fft shifts (rolls)

def _fft_shift(sign):
    def impl(x, axes=None):
        x = arr(x)
        axes = tuple(range(x.ndim)) if axes is None else \
            ((axes,) if isinstance(axes, (int, np.integer)) else tuple(axes))
        shifts = [sign * (x.shape[ax] // 2) for ax in axes]
        return np.roll(x, shifts, axes) if axes else x
    return impl


implements(np.fft.fftshift)(_fft_shift(1))


implements(np.fft.ifftshift)(_fft_shift(-1))


# ---------------------------------------------------------------- methods

method("clip")(lambda self, min=None, max=None, out=None, **kw: clip(self, min, max, out, **kw))


method("round")(lambda self, decimals=0, out=None: round_(self, decimals, out))


method("conj")(conj)


method("conjugate")(conj)
