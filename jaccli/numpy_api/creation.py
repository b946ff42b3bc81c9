"""Creating arrays next to traced ones: ``np.zeros_like(x)``, ``np.zeros(n, like=x)``, ...
They return *constant* tracers (no graph node), so that ``y[1:] = x[:-1]`` can be recorded
when ``y`` is assigned into; ``x.copy()`` returns a new tracer for the same value. Ranges of
traced values: ``np.linspace`` with traced endpoints."""
import numpy as np

from ..backend import to_module, xp_of
from ..dispatch import implements, like_function, method
from ..errors import TracingError
from ..tracer import Tracer
from .common import arr, value_of


def _const(value, like):
    if type(like) is Tracer:
        return Tracer(to_module(value, xp_of(like.value)), None, like.builder)
    return value


def full_like_shape(like, shape, value, dtype=None):
    """A constant of ``shape`` filled with ``value``, with ``like``'s dtype and tracing."""
    return _const(xp_of(value_of(like)).full(shape, value, dtype=dtype or like.dtype), like)


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
        return _const(xp_of(value_of(a)).full(shape, value, dtype=dt), a)
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
    like_function(np_func)(impl)


for _f in (np.zeros, np.ones, np.empty, np.full, np.eye, np.identity, np.arange, np.asarray,
           np.asanyarray, np.ascontiguousarray, np.array):
    _with_like(_f)


@implements(np.copy)
def copy(a, order="K", subok=False):
    """NOTE: a real copy of the value, in NumPy's memory order (np.copy: 'K', the method:
    'C'), so that whether a later reshape or slice of it is a view follows NumPy (a.T.copy()
    is C-ordered: its reshape(-1) is a view, and writing into it reaches the copy)."""
    if type(a) is Tracer:
        value = a.fresh_value
        # nested traces: the value is an outer trace's Tracer, copied by that trace
        value = value.copy(order) if type(value) is Tracer else \
            xp_of(value).array(value, order=order, copy=True)
        return Tracer(value, a.node, a.builder)
    return np.copy(a, order=order)


method("copy")(lambda self, order="C": copy(self, order))


# ---------------------------------------------------------------- ranges

def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
    """``start + i * step`` with traced endpoints (NumPy's formula; the last sample is
    ``stop`` exactly when ``endpoint``)."""
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    if dtype is not None and np.dtype(dtype).kind != "f":
        raise TracingError("np.linspace with traced endpoints: only float dtypes.")
    start, stop = arr(start) * 1.0, arr(stop) * 1.0
    div = (num - 1) if endpoint else num
    delta = stop - start
    nd = np.broadcast_shapes(np.shape(start), np.shape(stop))
    steps = np.arange(num, dtype=float).reshape((-1,) + (1,) * len(nd))
    if div > 0:
        step = delta / div
        y = start + steps * step
        if endpoint and num > 1:
            y = np.concatenate([y[:-1], np.reshape(stop + 0.0 * start, (1,) + nd)], axis=0)
    else:
        step = delta * np.nan
        y = start + steps * delta
    if axis != 0:
        y = np.moveaxis(y, 0, axis)
    return (y, step) if retstep else y


implements(np.linspace)(linspace)     # reached when an endpoint is traced
