"""The derivative case table, one module per topic (mirroring jaccli/numpy_api): importing
this package fills ``CASES``, which tests/test_derivatives.py checks against central
differences in every mode (tests/checks.py)."""
from . import composites, decompositions, elementwise, indexing, linalg, reductions  # noqa: F401
from . import complex, custom, fft, shape, special, statistics, surface  # noqa: F401
from .table import CASES, Case, case  # noqa: F401
