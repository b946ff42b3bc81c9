"""Discrete Fourier transforms: complex <-> complex (fftn / ifftn), real -> half spectrum
(rfftn) and back (irfftn), along the logical axes ``params['axes']`` (sorted, non-negative),
with NumPy's ``norm`` ("backward", "ortho", "forward"). The input already has the transform's
lengths (jaccli.numpy_api.fft pads or truncates for ``n=`` / ``s=``); ``irfftn`` carries its
output lengths ``s``. Leading seed / point axes are never transformed: every call names its
axes from the end.

All are linear, so the JVP is the same transform of the tangent. The VJP is the transpose
under the real pairing <a, b> = Re(sum a * b) (rules.py, "complex intermediates"):

- fftn / ifftn: the DFT matrix is symmetric (F[j, k] = exp(-2 pi i j k / n)), and the norm
  only scales it, so the transpose is the same transform, same norm.
- rfftn = first m = n // 2 + 1 entries (last axis) of fftn of a real x. Transpose: zero-pad
  the cotangent back to n, fftn (symmetric, same norm), real part (x is real).
- irfftn(y) = Re(sum_k w_k y_k exp(+2 pi i j k / n)) * scale on the last axis (ifft on the
  others), w_k = 2 except w = 1 at k = 0 and, n even, k = n / 2 (the Hermitian weighting:
  c2r reads each interior frequency for itself and its mirror, and ignores the imaginary part
  of y_0, y_n/2). Transpose: ifftn of the real cotangent (same norm: the same kernel and
  scale), first m entries on the last axis, times w.
  Shapes: x (..., n) -> rfftn (..., m); y (..., m) -> irfftn (..., n), on the last axis.
"""
import numpy as np

from ..backend import xp_of
from ..rules import accepts_complex, eval_rules, from_end, jvp_rules, primitive, vjp_rules


def _ax(e):
    """The transform's axes counted from the end (valid whatever leading axes there are)."""
    return from_end(e.params["axes"], len(e.in_shapes[0]))


def _c2c(x, axes, inverse, norm):
    return (np.fft.ifftn if inverse else np.fft.fftn)(x, axes=axes, norm=norm)


def _pad_last(a, n, axis):
    """``a`` zero-padded along ``axis`` (negative) to length n."""
    extra = n - a.shape[axis]
    if extra == 0:
        return a
    zshape = list(a.shape)
    zshape[axis] = extra
    zeros = np.zeros_like(a, shape=tuple(zshape))      # dispatches: a Tracer when traced
    return np.concatenate([a, zeros], axis=axis)


def _first(a, m, axis):
    index = [slice(None)] * a.ndim
    index[axis] = slice(0, m)
    return a[tuple(index)]


def _hermitian_weights(n, m, like):
    """w (m,): 1 at frequency 0 and (n even) n / 2, else 2; real, on ``like``'s device."""
    w = xp_of(like).full(m, 2.0, dtype=np.real(like).dtype)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    return w


# ---------------------------------------------------------------- complex <-> complex

fftn_p = primitive("fftn", lambda x, axes, inverse, norm: _c2c(x, axes, inverse, norm),
                   "transform")
eval_rules[fftn_p] = lambda e, xs: _c2c(xs[0], _ax(e), e.params["inverse"], e.params["norm"])
jvp_rules[fftn_p] = lambda e, xs, out, ts: _c2c(ts[0], _ax(e), e.params["inverse"],
                                                e.params["norm"])
vjp_rules[fftn_p] = lambda e, xs, out, ct, needs: (
    _c2c(ct, _ax(e), e.params["inverse"], e.params["norm"]),)


# ---------------------------------------------------------------- real -> half spectrum

def _rfftn(x, axes, norm):
    return np.fft.rfftn(x, axes=axes, norm=norm)


def _rfftn_vjp(e, xs, out, ct, needs):
    axes = _ax(e)
    n = e.in_shapes[0][e.params["axes"][-1]]
    full = _pad_last(ct, n, axes[-1])
    return (np.real(np.fft.fftn(full, axes=axes, norm=e.params["norm"])),)


rfftn_p = primitive("rfftn", lambda x, axes, norm: _rfftn(x, axes, norm), "transform")
eval_rules[rfftn_p] = lambda e, xs: _rfftn(xs[0], _ax(e), e.params["norm"])
jvp_rules[rfftn_p] = lambda e, xs, out, ts: _rfftn(ts[0], _ax(e), e.params["norm"])
vjp_rules[rfftn_p] = _rfftn_vjp


# ---------------------------------------------------------------- half spectrum -> real

def _irfftn(y, s, axes, norm):
    return np.fft.irfftn(y, s=s, axes=axes, norm=norm)


def _irfftn_vjp(e, xs, out, ct, needs):
    axes, s = _ax(e), e.params["s"]
    n, m = s[-1], e.in_shapes[0][e.params["axes"][-1]]
    spec = _first(np.fft.ifftn(ct, axes=axes, norm=e.params["norm"]), m, axes[-1])
    w = _hermitian_weights(n, m, spec)
    return (spec * w.reshape((m,) + (1,) * (-axes[-1] - 1)),)


irfftn_p = primitive("irfftn", lambda y, s, axes, norm: _irfftn(y, s, axes, norm), "transform")
eval_rules[irfftn_p] = lambda e, xs: _irfftn(xs[0], e.params["s"], _ax(e), e.params["norm"])
jvp_rules[irfftn_p] = lambda e, xs, out, ts: _irfftn(ts[0], e.params["s"], _ax(e),
                                                     e.params["norm"])
vjp_rules[irfftn_p] = _irfftn_vjp

accepts_complex("promote", fftn_p)            # numpy_api.fft promotes a real operand itself
accepts_complex("own", rfftn_p, irfftn_p)     # real in / real out: the rules handle it
