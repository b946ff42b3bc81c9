"""Creating arrays next to traced ones: ``np.zeros_like(x)``, ``np.zeros(n, like=x)``, ...
They return *constant* tracers (no graph node), so that ``y[1:] = x[:-1]`` can be recorded
when ``y`` is assigned into; ``x.copy()`` returns a new tracer for the same value."""
import numpy as np

from ..backend import to_module, xp_of
from ..tracer import LIKE_FUNCTIONS, Tracer
from ._dispatch import implements, method


def _const(value, like):
    if type(like) is Tracer:
        return Tracer(to_module(value, xp_of(like.value)), None, like.builder)
    return value


def _value(a):
    return a.value if type(a) is Tracer else a


def full_like_shape(like, shape, value, dtype=None):
    """A constant of ``shape`` filled with ``value``, with ``like``'s dtype and tracing."""
    return _const(xp_of(_value(like)).full(shape, value, dtype=dtype or like.dtype), like)


def _like_factory(np_func, fill):
    def impl(a, *args, dtype=None, order="K", subok=True, shape=None, **kwargs):
        if fill is None:                      # full_like(a, fill_value, ...)
            value, = args[:1] or (kwargs.pop("fill_value"),)
            args = args[1:]
        else:
            value = fill
        if args:
            dtype = args[0]
        shape = a.shape if shape is None else shape
        dt = dtype or a.dtype
        return _const(xp_of(_value(a)).full(shape, value, dtype=dt), a)
    return implements(np_func)(impl)


_like_factory(np.zeros_like, 0)
_like_factory(np.ones_like, 1)
_like_factory(np.empty_like, 0)
_like_factory(np.full_like, None)


def _with_like(np_func):
    """``np.zeros(n, like=x)`` and friends: NumPy drops ``like`` and calls ``x``'s
    __array_function__, which passes ``x`` in front (see Tracer.__array_function__)."""
    def impl(like, *args, **kwargs):
        return _const(np_func(*args, **kwargs), like)
    LIKE_FUNCTIONS[np_func] = impl


for _f in (np.zeros, np.ones, np.empty, np.full, np.eye, np.identity, np.arange, np.asarray,
           np.asanyarray, np.ascontiguousarray, np.array):
    _with_like(_f)


@implements(np.copy)
def copy(a, order="K", subok=False):
    if type(a) is Tracer:
        return Tracer(a.fresh_value, a.node, a.builder)
    return np.copy(a)


method("copy")(lambda self, order="C": copy(self))
