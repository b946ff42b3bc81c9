"""The closed set of primitives, each with its impl, JVP and VJP rules in one block."""
import copyreg

from ..rules import Primitive, primitives
from . import elementwise, indexing, linalg, reductions, shape  # noqa: F401
from . import complex, control, decompositions, fft, special  # noqa: F401


# NOTE: primitives compare by identity; a pickled graph names them, and unpickling (which
# imports this package, so the closed set is registered) finds this process's objects.
def by_name(name):
    """The registered primitive called ``name``. A user primitive (``jaccli.primitive``) is
    named ``module:qualname``; a process that has not imported its module yet (a Dask
    worker) imports it, which registers it."""
    if name not in primitives and ":" in name:
        import importlib
        module = name.split(":", 1)[0]
        try:
            importlib.import_module(module)
        except ImportError:
            pass
    try:
        return primitives[name]
    except KeyError:
        where = ("define it in a module, not in the __main__ script (another process cannot "
                 "import that)" if name.startswith("__main__:") else
                 "import the module that defines it (a jaccli.primitive registers itself "
                 "when defined)")
        raise KeyError(f"no primitive {name!r} in this process: {where}") from None


def _by_name(p):
    return by_name, (p.name,)


copyreg.pickle(Primitive, _by_name)
