"""Helpers shared by the NumPy-surface modules: operands, unsupported keywords, value reads."""
import operator

import numpy as np

from ..backend import on_gpu, to_host
from ..errors import TracingError
from ..tracer import Tracer


def arr(a):
    """A Tracer stays as it is, and so does a NumPy or CuPy array; anything else becomes a
    NumPy array (a constant). np.asarray would convert a CuPy array implicitly."""
    if type(a) is Tracer or type(a) is np.ndarray:
        return a
    return a if on_gpu(a) else np.asarray(a)


def is_traced(a):
    return type(a) is Tracer and a.node is not None


def value_of(a):
    """The concrete value of a tracer; anything else as it is."""
    return concrete(a) if type(a) is Tracer else a


def concrete(a, what="a nested trace"):
    """The concrete (NumPy) value of a tracer, anything else as it is. NOTE: nested traces.
    An inner trace's value is an outer trace's Tracer: reading through it reads the outer
    traced value too, so each outer trace is marked as having read a value (its graph holds
    at this point only; the caller records the inner trace's own read or decision)."""
    if type(a) is not Tracer:
        return a
    a = a.fresh_value
    while type(a) is Tracer:
        if a.node is not None:
            a.builder.read_value(f"{what} read a traced value of an outer trace")
        a = a.fresh_value
    return a


def normalize_axis(axis, ndim):
    """``axis`` in ``range(ndim)``, counting negative axes from the end (AxisError if out)."""
    axis = operator.index(axis)
    if not -ndim <= axis < ndim:
        raise np.exceptions.AxisError(axis, ndim)
    return axis % ndim


def square_matrix(a, name):
    """Raise NumPy's LinAlgError unless ``a`` is a (stack of) square matrices."""
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise np.linalg.LinAlgError(f"{name}: last 2 dimensions of the array must be square")


def no_out(name, out=None, **unsupported):
    """Reject ``out=`` and keyword arguments we do not implement, naming them."""
    if out is not None:
        raise TracingError(f"{name}(..., out=...) writes into an existing array; assign the "
                           "result instead.")
    bad = [k for k, v in unsupported.items() if v is not np._NoValue and v is not None]
    if bad:
        raise TracingError(f"{name}: keyword argument(s) {', '.join(bad)} are not supported "
                           "by jaccli on traced arrays.")


def as_dtype(a, dtype, name, integers=True):
    """``a`` converted as NumPy converts a reduction's or scan's operand for ``dtype=``
    (``a.astype(dtype)``: to an integer type the derivative is 0, to a complex one a promotion);
    ``dtype=None`` leaves it. ``integers=False``: refuse integer types (mean, var, std, whose
    NumPy result with one is not a plain conversion). Booleans are refused."""
    if dtype is None:
        return arr(a)
    dtype = np.dtype(dtype)
    if dtype.kind == "b" or (dtype.kind in "iu" and not integers) or dtype.kind not in "biufc":
        raise TracingError(f"{name}(..., dtype={dtype.name}) is not supported by jaccli; "
                           "convert the result instead.")
    a = arr(a)
    return a if a.dtype == dtype else a.astype(dtype)


def cast_result(res, dtype):
    """A result computed from an operand of ``dtype`` back in ``dtype`` (NumPy accumulates in
    it: int8 wraps around, where our primitives widen small integers)."""
    if dtype is None or res.dtype == np.dtype(dtype):
        return res
    return res.astype(dtype)


def note_value_read(a, what):
    """A NumPy call returned something computed from a traced *value* (argmax, nonzero...)."""
    if is_traced(a):
        a.builder.read_value(f"{what} read a traced value")


def without_nan(a, fill):
    """``a`` with its NaN entries replaced by ``fill`` (derivative 0 there)."""
    a = arr(a)
    return np.where(np.isnan(a), fill, a)


def plain_index(k, what):
    """A traced index entry: its value decides what is read, so the graph is point-specific.
    An index is normalised on the host: a CuPy value (traced, or a device constant) comes
    back once, explicitly (``to_host``); the indexing functions move the result to the
    device again, once, for the sweeps."""
    if type(k) is Tracer:
        if k.node is not None:
            k.builder.decide(k.node, k.fresh_value, f"{what} used a traced value as an index")
        k = concrete(k, what)
    return k if type(k) is np.ndarray or not on_gpu(k) else to_host(k)


class _Result(tuple):
    """NumPy's named results (QRResult, SVDResult, SlogdetResult ...): unpack or use fields."""
    _fields = ()

    def __new__(cls, *items):
        return super().__new__(cls, items)

    def __getattr__(self, name):
        if name in self._fields:
            return self[self._fields.index(name)]
        raise AttributeError(name)


def named_result(*fields):
    return type("Result", (_Result,), {"_fields": fields})
