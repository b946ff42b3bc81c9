"""The NumPy surface jaccli understands: NumPy functions, ufuncs and array methods, each
written in terms of the primitives. Importing this package fills the dispatch tables of
``jaccli.tracer``; anything not listed raises a clear "not supported" error."""
from . import creation, indexing, linalg, methods, reductions, shape, ufuncs  # noqa: F401
from ._dispatch import supported_names  # noqa: F401
from . import tail_linalg, tail_numeric, tail_shape, tail_stats  # noqa: F401
