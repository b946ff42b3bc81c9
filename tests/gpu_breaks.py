"""The breaks of the GPU path that the strict CuPy stand-in found (issue 13), one strict xfail
mark per cause, naming the file and function at fault. Strict: once fixed, the test XPASSes and
fails, and the fixer removes the mark (and the ids from TABLE_BREAKS)."""
import pytest

MEMMAP = pytest.mark.xfail(strict=True, reason=(
    "memmap output: the sweeps (jaccli/sweeps.py) write a CuPy block into an np.memmap "
    "(implicit conversion)"))
DISPATCH = pytest.mark.xfail(strict=True, reason=(
    "a non-differentiated device argument through a NumPy function: the dispatch helper "
    "arr (jaccli/numpy_api/_dispatch.py) calls np.asarray on it"))
VIEW0D = pytest.mark.xfail(strict=True, reason=(
    "x[i] is a 0-d view in CuPy (a copy in NumPy): the tracer (jaccli/tracer.py, check_fresh "
    "via bind) takes it for a view and raises a false 'stale view' error"))
CHOLESKY_NAN = pytest.mark.xfail(strict=True, reason=(
    "cupy.linalg.cholesky returns NaN for a non-PD matrix instead of raising: _cholesky_impl "
    "(jaccli/primitives/decompositions.py) catches LinAlgError only, so J is NaN"))
RANK = pytest.mark.xfail(strict=True, reason=(
    "np.linalg.matrix_rank (jaccli/numpy_api/tail_linalg.py, matrix_rank) passes hermitian "
    "and rtol, which cupy.linalg.matrix_rank(M, tol=None) does not take"))

# test_gpu.py::test_cupy_matches_numpy: case name -> mark, for both modes unless "-fwd"/"-rev"
TABLE_BREAKS = {}


def table_marks(name, mode):
    return [m for key in (name, f"{name}-{mode}") for m in [TABLE_BREAKS.get(key)] if m]
