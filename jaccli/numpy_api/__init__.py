"""The NumPy surface jaccli understands: NumPy functions, ufuncs and array methods, each
written in terms of the primitives, one module per topic (mirroring jaccli/primitives where
both exist). Importing this package fills the tables of ``jaccli.dispatch``; anything not
listed raises a clear "not supported" error."""
from ..dispatch import HANDLED_FUNCTIONS, HANDLED_METHODS, HANDLED_UFUNCS, SPECIAL_UFUNCS
from ..dispatch import UFUNC_METHODS
from . import calculus, creation, decompositions, elementwise, fft, gathers  # noqa: F401
from . import indexing, joining, linalg, methods, polynomial, products  # noqa: F401
from . import queries, reductions, shape, sorting, special, statistics, ufuncs  # noqa: F401


def supported_names():
    """Sorted names of every NumPy function, ufunc and array method jaccli differentiates."""
    names = set()
    for f in HANDLED_FUNCTIONS:
        mod = getattr(f, "__module__", "") or ""
        prefix = "np.linalg." if "linalg" in mod else ("np.fft." if "fft" in mod else "np.")
        names.add(prefix + f.__name__)
    names.update("np." + u.__name__ for u in HANDLED_UFUNCS)
    names.update(f"np.{u.__name__}.{m}" for u, m in UFUNC_METHODS)
    names.update("ndarray." + m for m in HANDLED_METHODS if not m.startswith("__"))
    names.update("scipy.special." + n for n in (*SPECIAL_UFUNCS, *special.FUNCTIONS))
    names.update(("np.polynomial.polynomial.polyval",
                  "np.polynomial.Polynomial(c)(x) (every class)"))
    return sorted(names)
