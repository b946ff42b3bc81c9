"""The closed set of primitives, each with its impl, JVP and VJP rules in one block."""
from . import elementwise, indexing, linalg, reductions, shape  # noqa: F401
from . import decompositions  # noqa: F401
