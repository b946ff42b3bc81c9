"""scipy.special on traced arrays: its ufuncs (expit, erf, gammaln, xlogy ...) reach the tracer
through ``__array_ufunc__`` and map onto the primitives of jaccli.primitives.special; its
Python-level functions (logsumexp, softmax, log_softmax, softplus, polygamma, zeta) are
written here with NumPy calls on the tracer.

NOTE: scipy's Python-level functions convert their operands with ``asarray`` (which would drop
the derivative) and do not dispatch. jaccli registers them by wrapping scipy.special's
attributes: a wrapper calls jaccli's version when an argument is a Tracer and scipy's own
otherwise. It is installed at ``import jaccli`` when scipy.special is loaded already and at
the start of every trace (scipy.special is never imported for it). A name bound before that
(``from scipy.special import logsumexp`` ahead of both) keeps scipy's function: call it through
the module (``scipy.special.logsumexp``) or import jaccli first.
"""
import functools
import math
import sys

import numpy as np

from ..dispatch import CONVERSION_HINTS, TRACE_STARTS, special_ufunc_impl
from ..errors import TracingError
from ..primitives import special as sp_p
from ..tracer import Tracer, bind
from .common import is_traced


def _register(name, p):
    def impl(*xs, **kwargs):
        if any(v is not None for k, v in kwargs.items() if k not in ("casting", "order")):
            raise TracingError(f"scipy.special.{name}: keyword argument(s) "
                               f"{', '.join(sorted(kwargs))} are not supported by jaccli on "
                               "traced arrays.")
        return bind(p, *xs)
    special_ufunc_impl(name)(impl)


for _name, _p in sp_p.UFUNCS.items():
    _register(_name, _p)


# ---------------------------------------------------------------- Python-level functions

def _max_finite(a, axis):
    """max over ``axis`` (kept), 0 where it is not finite (all -inf: nothing to shift)."""
    m = np.max(a, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0.0)


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(sum(b * exp(a), axis)), shifted by the maximum for stability; with
    ``return_sign`` (log|s|, sign(s)), the sign not differentiable."""
    m = _max_finite(a, axis)
    e = np.exp(a - m)
    s = np.sum(e if b is None else b * e, axis=axis, keepdims=True)
    if return_sign:
        sign = np.sign(s)
        s = np.abs(s)
    out = np.log(s) + m
    if not keepdims:
        out = np.squeeze(out, axis=axis)
        if return_sign:
            sign = np.squeeze(sign, axis=axis)
    return (out, sign) if return_sign else out


def softmax(x, axis=None):
    """exp(x - logsumexp(x, axis)): each slice along ``axis`` sums to 1."""
    return np.exp(log_softmax(x, axis))


def log_softmax(x, axis=None):
    """x - logsumexp(x, axis)."""
    m = _max_finite(x, axis)
    shifted = x - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softplus(x, **kwargs):
    """log(1 + exp(x)) = logaddexp(0, x)."""
    if kwargs:
        raise TracingError(f"scipy.special.softplus: keyword argument(s) "
                           f"{', '.join(sorted(kwargs))} are not supported by jaccli.")
    return np.logaddexp(0.0, x)


def _static_order(n, name):
    if is_traced(n):
        raise TracingError(f"scipy.special.{name}: the order is traced; jaccli differentiates "
                           "in x only, with a constant order.")
    return n


def zeta(x, q=None, out=None):
    """Hurwitz zeta(x, q), differentiable in q (x: a constant order); Riemann zeta (q None) of
    a traced x is not supported."""
    if q is None or out is not None:
        raise TracingError("scipy.special.zeta(x) (Riemann) and zeta(..., out=) of traced "
                           "arrays are not supported by jaccli; zeta(s, q) is, in q.")
    return bind(sp_p.zeta_p, _static_order(x, "zeta"), q)


def polygamma(n, x):
    """psi^(n)(x) for a constant integer n >= 0: digamma, else (-1)^(n+1) n! zeta(n+1, x)."""
    n = _static_order(n, "polygamma")
    orders = np.unique(np.asarray(n))
    if orders.size != 1 or orders[0] < 0 or orders[0] != int(orders[0]):
        raise TracingError("scipy.special.polygamma: jaccli needs one non-negative integer "
                           f"order n, got {n!r}.")
    k = int(orders[0])
    shape = np.broadcast_shapes(np.shape(n), x.shape)
    res = bind(sp_p.digamma_p, x) if k == 0 else \
        (-1.0) ** (k + 1) * math.factorial(k) * bind(sp_p.zeta_p, float(k + 1), x)
    return res if res.shape == shape else np.broadcast_to(res, shape)


FUNCTIONS = {"logsumexp": logsumexp, "softmax": softmax, "log_softmax": log_softmax,
             "softplus": softplus, "zeta": zeta, "polygamma": polygamma}
for _name in FUNCTIONS:
    CONVERSION_HINTS["scipy.special", _name] = (
        f"scipy.special.{_name} converted a traced array with asarray: this name was bound "
        f"before jaccli could register it (from scipy.special import {_name} run before "
        f"jaccli's first trace). Call it through the module (scipy.special.{_name}(...)) or "
        "import jaccli first.")


# ---------------------------------------------------------------- registration in scipy.special

def _has_tracer(args, kwargs):
    return any(type(a) is Tracer for a in args) or any(type(v) is Tracer for v in kwargs.values())


def _wrap(original, ours):
    @functools.wraps(original)
    def dispatching(*args, **kwargs):
        if _has_tracer(args, kwargs):
            return ours(*args, **kwargs)
        return original(*args, **kwargs)
    dispatching.__jaccli__ = ours
    return dispatching


def install():
    """Wrap scipy.special's Python-level functions (see the NOTE above), once, when scipy.special
    is loaded; never imports it."""
    sp = sys.modules.get("scipy.special")
    if sp is None or getattr(sp, "__jaccli_installed__", False):
        return
    for name, ours in FUNCTIONS.items():
        original = getattr(sp, name, None)
        if original is not None and not hasattr(original, "__jaccli__"):
            setattr(sp, name, _wrap(original, ours))
    sp.__jaccli_installed__ = True


TRACE_STARTS.append(install)
install()
