"""The dispatch tables: which implementation a NumPy call on a traced array reaches.

``jaccli.tracer.Tracer`` reads them (``__array_function__``, ``__array_ufunc__``, missing
attributes); ``jaccli.numpy_api`` fills them through the decorators below at import. This
module sits below both, so neither imports the other to reach them.

NOTE: one registration per key. Registering the same NumPy function, ufunc, ufunc method or
array method twice raises at import: the later one would otherwise silently win, and which
one wins would depend on the order the modules are imported in.
"""
import sys

HANDLED_FUNCTIONS = {}   # NumPy function -> implementation (reached through __array_function__)
HANDLED_UFUNCS = {}      # ufunc -> implementation (reached through __array_ufunc__)
UFUNC_METHODS = {}       # (ufunc, method) -> implementation, e.g. (np.add, "reduce") -> sum
LIKE_FUNCTIONS = {}      # creation function reached through like=x -> implementation(x, ...)
HANDLED_METHODS = {}     # array method name -> function(self, ...)
SPECIAL_UFUNCS = {}      # scipy.special ufunc __name__ -> implementation (keyed by name, so
                         # filling it does not import scipy; see ``scipy_special_name``)
CONVERSION_HINTS = {}    # (module prefix, function name or None: any) -> the message for a
                         # Tracer that library function converts with asarray (__array__)
TRACE_STARTS = []        # callables run when a trace starts (numpy_api.special and
                         # .polynomial register scipy's and NumPy's Python functions there)


def register(table, keys, impl):
    """Put ``impl`` under each of ``keys`` (aliases listed together count once)."""
    for key in dict.fromkeys(keys):
        if key in table:
            raise RuntimeError(f"{_describe(key)} is registered twice: by "
                               f"{_where(table[key])} and by {_where(impl)}")
        table[key] = impl
    return impl


def implements(*funcs):
    """Register an implementation for NumPy functions (reached through ``__array_function__``)."""
    return lambda impl: register(HANDLED_FUNCTIONS, funcs, impl)


def method(*names):
    """Register an implementation as array method(s) of traced arrays."""
    return lambda impl: register(HANDLED_METHODS, names, impl)


def ufunc(*ufuncs):
    """Register an implementation for ufunc calls (``np.sin(x)``)."""
    return lambda impl: register(HANDLED_UFUNCS, ufuncs, impl)


def ufunc_method(uf, name):
    """Register an implementation for a ufunc method (``np.add.reduce``)."""
    return lambda impl: register(UFUNC_METHODS, [(uf, name)], impl)


def special_ufunc_impl(*names):
    """Register an implementation for scipy.special ufuncs, by their ``__name__``."""
    return lambda impl: register(SPECIAL_UFUNCS, names, impl)


def scipy_special_name(uf):
    """``uf``'s name when it is a ufunc of scipy.special (already imported by whoever holds
    one), else None."""
    sp = sys.modules.get("scipy.special")
    name = getattr(uf, "__name__", None)
    if sp is None or name is None:
        return None
    if getattr(sp, name, None) is uf or getattr(sp, "_ufuncs", None) is not None \
            and getattr(sp._ufuncs, name, None) is uf:
        return name
    return None


def conversion_hint(frame):
    """The message ``CONVERSION_HINTS`` holds for the library function converting a Tracer,
    found on the call stack from ``frame`` (scipy.special.logsumexp bound before jaccli
    registered it, np.polynomial's classes ...); else None."""
    for _ in range(12):
        if frame is None:
            return None
        module = frame.f_globals.get("__name__", "")
        for (prefix, name), message in CONVERSION_HINTS.items():
            if name in (None, frame.f_code.co_name) and module.startswith(prefix):
                return message
        frame = frame.f_back
    return None


def like_function(*funcs):
    """Register ``impl(like, *args, **kwargs)`` for creation functions called with ``like=``."""
    return lambda impl: register(LIKE_FUNCTIONS, funcs, impl)


def _describe(key):
    if isinstance(key, tuple):
        return f"np.{key[0].__name__}.{key[1]}"
    return f"np.{key.__name__}" if hasattr(key, "__name__") else f"ndarray.{key}"


def _where(impl):
    return f"{getattr(impl, '__module__', '?')}.{getattr(impl, '__qualname__', impl)}"
