"""np.fft on traced arrays: fft / ifft, fft2 / ifft2, fftn / ifftn (complex <-> complex),
rfft / rfft2 / rfftn (real -> half spectrum), irfft / irfft2 / irfftn (half spectrum -> real),
with ``n`` / ``s``, ``axis`` / ``axes`` and ``norm``. Each is one primitive of
jaccli.primitives.fft on an operand padded with zeros or truncated to the transform's lengths
first, as NumPy does. (fftshift / ifftshift are rolls: numpy_api.elementwise; fftfreq /
rfftfreq take no arrays and run as NumPy's own.)"""
import operator

import numpy as np

from ..dispatch import implements
from ..errors import TracingError
from ..primitives.fft import fftn_p, irfftn_p, rfftn_p
from ..tracer import bind
from .common import arr, no_out

_NORMS = ("backward", "ortho", "forward")


def _norm(norm, name):
    norm = "backward" if norm is None else norm
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or '
                         '"forward".')
    return norm


def _plan(x, s, axes, name):
    """(logical axes in order, lengths): NumPy's reading of ``s`` and ``axes`` (axes None:
    all of them, or the last len(s) when ``s`` is given)."""
    if axes is None:
        axes = range(x.ndim) if s is None else range(x.ndim - len(s), x.ndim)
    axes = [operator.index(a) for a in (axes if isinstance(axes, (list, tuple, range))
                                        else [axes])]
    for a in axes:
        if not -x.ndim <= a < x.ndim:
            raise np.exceptions.AxisError(a, x.ndim)
    axes = [a % x.ndim for a in axes]
    if len(set(axes)) != len(axes):
        raise TracingError(f"np.fft.{name}: repeated axes are not supported by jaccli on "
                           "traced arrays.")
    if s is None:
        s = [x.shape[a] for a in axes]
    s = [operator.index(n) for n in s]
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    for n in s:
        if n < 1:
            raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    return axes, s


def _fit(x, axes, lengths):
    """``x`` truncated or zero-padded along each of ``axes`` to ``lengths``."""
    for a, n in zip(axes, lengths):
        have = x.shape[a]
        if n < have:
            index = [slice(None)] * x.ndim
            index[a] = slice(0, n)
            x = x[tuple(index)]
        elif n > have:
            shape = list(x.shape)
            shape[a] = n - have
            x = np.concatenate([x, np.zeros_like(x, shape=tuple(shape))], axis=a)
    return x


def _complex_operand(x, name):
    x = arr(x)
    if x.dtype.kind in "biu":
        x = x.astype(float)
    if x.dtype.kind == "f":
        x = x.astype(np.result_type(x.dtype, np.complex64))      # real -> complex (VJP .real)
    return x


def _real_operand(x, name):
    x = arr(x)
    if x.dtype.kind == "c":
        raise TracingError(f"np.fft.{name} of a complex array: NumPy discards the imaginary "
                           "part; take np.real(z) first, or use np.fft.fftn.")
    return x.astype(float) if x.dtype.kind in "biu" else x


def _c2c(a, s, axes, norm, out, inverse, name):
    no_out(f"np.fft.{name}", out)
    norm = _norm(norm, name)
    x = _complex_operand(a, name)
    axes, s = _plan(x, s, axes, name)
    x = _fit(x, axes, s)
    order = sorted(axes)
    return bind(fftn_p, x, axes=tuple(order), inverse=inverse, norm=norm)


def _r2c(a, s, axes, norm, out, name):
    no_out(f"np.fft.{name}", out)
    norm = _norm(norm, name)
    x = _real_operand(a, name)
    axes, s = _plan(x, s, axes, name)
    x = _fit(x, axes, s)
    last = axes[-1]
    res = bind(rfftn_p, x, axes=(last,), norm=norm)          # the halved axis first
    others = sorted(axes[:-1])
    return bind(fftn_p, res, axes=tuple(others), inverse=False, norm=norm) if others else res


def _c2r(a, s, axes, norm, out, name):
    """NumPy's irfftn: ifft along all but the last of ``axes``, then irfft along it; the last
    length defaults to 2 (m - 1)."""
    no_out(f"np.fft.{name}", out)
    norm = _norm(norm, name)
    y = _complex_operand(a, name)
    given = s
    axes, s = _plan(y, s, axes, name)
    if given is None:
        s[-1] = 2 * (y.shape[axes[-1]] - 1)
        if s[-1] < 1:
            raise ValueError(f"Invalid number of FFT data points ({s[-1]}) specified.")
    last, n = axes[-1], s[-1]
    y = _fit(y, axes[:-1] + [last], s[:-1] + [n // 2 + 1])
    others = sorted(axes[:-1])
    if others:
        y = bind(fftn_p, y, axes=tuple(others), inverse=True, norm=norm)
    return bind(irfftn_p, y, s=(n,), axes=(last,), norm=norm)


# ---------------------------------------------------------------- the NumPy names

@implements(np.fft.fft)
def fft(a, n=None, axis=-1, norm=None, out=None):
    return _c2c(a, None if n is None else [n], [axis], norm, out, False, "fft")


@implements(np.fft.ifft)
def ifft(a, n=None, axis=-1, norm=None, out=None):
    return _c2c(a, None if n is None else [n], [axis], norm, out, True, "ifft")


@implements(np.fft.fft2)
def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _c2c(a, s, axes, norm, out, False, "fft2")


@implements(np.fft.ifft2)
def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _c2c(a, s, axes, norm, out, True, "ifft2")


@implements(np.fft.fftn)
def fftn(a, s=None, axes=None, norm=None, out=None):
    return _c2c(a, s, axes, norm, out, False, "fftn")


@implements(np.fft.ifftn)
def ifftn(a, s=None, axes=None, norm=None, out=None):
    return _c2c(a, s, axes, norm, out, True, "ifftn")


@implements(np.fft.rfft)
def rfft(a, n=None, axis=-1, norm=None, out=None):
    return _r2c(a, None if n is None else [n], [axis], norm, out, "rfft")


@implements(np.fft.rfft2)
def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _r2c(a, s, axes, norm, out, "rfft2")


@implements(np.fft.rfftn)
def rfftn(a, s=None, axes=None, norm=None, out=None):
    return _r2c(a, s, axes, norm, out, "rfftn")


@implements(np.fft.irfft)
def irfft(a, n=None, axis=-1, norm=None, out=None):
    return _c2r(a, None if n is None else [n], [axis], norm, out, "irfft")


@implements(np.fft.irfft2)
def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _c2r(a, s, axes, norm, out, "irfft2")


@implements(np.fft.irfftn)
def irfftn(a, s=None, axes=None, norm=None, out=None):
    return _c2r(a, s, axes, norm, out, "irfftn")
