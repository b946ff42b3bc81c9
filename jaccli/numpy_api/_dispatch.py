"""Registration helpers shared by the NumPy-surface modules."""
import numpy as np

from ..errors import TracingError
from ..tracer import HANDLED_FUNCTIONS, HANDLED_METHODS, HANDLED_UFUNCS, Tracer, UFUNC_METHODS


def implements(*funcs):
    """Register an implementation for NumPy functions (reached through ``__array_function__``)."""
    def register(impl):
        for f in funcs:
            HANDLED_FUNCTIONS[f] = impl
        return impl
    return register


def method(*names):
    """Register an implementation as array method(s) of ``Tracer``."""
    def register(impl):
        for n in names:
            HANDLED_METHODS[n] = impl
        return impl
    return register


def ufunc(*ufuncs):
    def register(impl):
        for u in ufuncs:
            HANDLED_UFUNCS[u] = impl
        return impl
    return register


def ufunc_method(uf, name):
    def register(impl):
        UFUNC_METHODS[(uf, name)] = impl
        return impl
    return register


def arr(a):
    """A Tracer stays as it is; anything else becomes a NumPy array (a constant)."""
    return a if type(a) is Tracer else np.asarray(a)


def is_traced(a):
    return type(a) is Tracer and a.node is not None


def no_out(name, out=None, **unsupported):
    """Reject ``out=`` and keyword arguments we do not implement, naming them."""
    if out is not None:
        raise TracingError(f"{name}(..., out=...) writes into an existing array; assign the "
                           "result instead.")
    bad = [k for k, v in unsupported.items() if v is not np._NoValue and v is not None]
    if bad:
        raise TracingError(f"{name}: keyword argument(s) {', '.join(bad)} are not supported "
                           "by jaccli on traced arrays.")


def note_value_read(a, what):
    """A NumPy call returned something computed from a traced *value* (argmax, nonzero...)."""
    if is_traced(a):
        a.builder.read_value(f"{what} read a traced value")


def supported_names():
    """Sorted names of every NumPy function, ufunc and array method jaccli differentiates."""
    names = set()
    for f in HANDLED_FUNCTIONS:
        mod = getattr(f, "__module__", "") or ""
        prefix = "np.linalg." if "linalg" in mod else "np."
        names.add(prefix + f.__name__)
    names.update("np." + u.__name__ for u in HANDLED_UFUNCS)
    names.update(f"np.{u.__name__}.{m}" for u, m in UFUNC_METHODS)
    names.update("ndarray." + m for m in HANDLED_METHODS if not m.startswith("__"))
    return sorted(names)
