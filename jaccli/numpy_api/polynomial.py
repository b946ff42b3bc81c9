"""np.polynomial on traced arrays: ``numpy.polynomial.polynomial.polyval`` with traced
coefficients and the polynomial classes' evaluation ``Polynomial(c)(x)`` of a traced x.

NOTE: these are Python functions that convert their operands with asarray and do not
dispatch; jaccli wraps them where numpy.polynomial is loaded (at import and at the start of
every trace, as for scipy.special: see numpy_api.special), calling its own version when an
argument is a Tracer. Polynomial(c) of traced coefficients is built around c (the class would
convert it) and evaluates; anything else done with it, and the other classes (Chebyshev ...)
of traced coefficients, are refused with a message naming polyval(x, c).
"""
import functools
import sys

import numpy as np

from ..dispatch import CONVERSION_HINTS, TRACE_STARTS
from ..tracer import Tracer
from .common import arr


def polyval(x, c, tensor=True):
    """sum_k c[k] x^k by Horner's rule (NumPy's shapes: with ``tensor``, c's trailing axes
    broadcast against all of x)."""
    c = arr(c)
    if isinstance(x, (tuple, list)):
        x = np.asarray(x)
    if c.ndim == 0:
        c = c.reshape(1)
    if hasattr(x, "ndim") and tensor:
        c = c.reshape(c.shape + (1,) * x.ndim)
    res = c[-1] + x * 0
    for i in range(2, c.shape[0] + 1):
        res = c[-i] + res * x
    return res


def _init(original):
    """Polynomial(c) of traced coefficients: the class checks a plain stand-in of c's shape
    (domain, window, symbol as usual), then holds the traced c itself."""
    @functools.wraps(original)
    def __init__(self, coef, *args, **kwargs):
        if type(coef) is not Tracer:
            return original(self, coef, *args, **kwargs)
        if coef.ndim != 1 or coef.shape[0] == 0:
            raise ValueError("Coefficient array is not 1-d")
        original(self, np.zeros(coef.shape), *args, **kwargs)
        self.coef = coef
    __init__.__jaccli__ = True
    return __init__


def _call(original):
    @functools.wraps(original)
    def __call__(self, arg):
        if type(arg) is not Tracer and type(self.coef) is not Tracer:
            return original(self, arg)
        from numpy.polynomial import polyutils
        off, scl = polyutils.mapparms(self.domain, self.window)
        return self._val(off + scl * arg, self.coef)
    __call__.__jaccli__ = True
    return __call__


def _polyval(original):
    @functools.wraps(original)
    def dispatching(x, c, tensor=True):
        if type(x) is Tracer or type(c) is Tracer:
            return polyval(x, c, tensor)
        return original(x, c, tensor)
    dispatching.__jaccli__ = True
    return dispatching


def install():
    """Wrap numpy.polynomial's evaluation once it is loaded (never imports it)."""
    poly = sys.modules.get("numpy.polynomial.polynomial")
    base = sys.modules.get("numpy.polynomial._polybase")
    if poly is not None and not hasattr(poly.polyval, "__jaccli__"):
        poly.polyval = _polyval(poly.polyval)
        cls = getattr(poly, "Polynomial", None)
        if cls is not None:
            cls._val = staticmethod(poly.polyval)
    if base is not None and not hasattr(base.ABCPolyBase.__call__, "__jaccli__"):
        base.ABCPolyBase.__call__ = _call(base.ABCPolyBase.__call__)
        base.ABCPolyBase.__init__ = _init(base.ABCPolyBase.__init__)


CONVERSION_HINTS["numpy.polynomial", "polyval"] = (
    "numpy.polynomial.polynomial.polyval was bound before jaccli could register it (from "
    "numpy.polynomial.polynomial import polyval run before jaccli's first trace): call it "
    "through the module (np.polynomial.polynomial.polyval(x, c)) or import jaccli first.")
CONVERSION_HINTS["numpy.polynomial", None] = (
    "np.polynomial converted a traced array with np.array (which would drop its "
    "derivative), such as a class's coefficients: of the classes, Polynomial(c)(x) takes traced c, evaluated and nothing "
    "else (no arithmetic, deriv, fit ...); otherwise evaluate with "
    "np.polynomial.polynomial.polyval(x, c) (or np.polyval(c[::-1], x)).")
TRACE_STARTS.append(install)
install()
