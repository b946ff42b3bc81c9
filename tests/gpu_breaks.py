"""The breaks of the GPU path that the strict CuPy stand-in found (issue 13), one strict xfail
mark per cause, naming the file and function at fault. Strict: once fixed, the test XPASSes and
fails, and the fixer removes the mark (and the ids from TABLE_BREAKS)."""
import pytest

DECIDE = pytest.mark.xfail(strict=True, reason=(
    "traced decision: Builder.decide (jaccli/tracer.py) copies the deciding value with "
    "np.array(value), an implicit device-to-host conversion"))
SEED_ASCONTIG = pytest.mark.xfail(strict=True, reason=(
    "forward mode through W @ x: the seed rule _matmul_seeded (jaccli/primitives/linalg.py) "
    "calls np.ascontiguousarray on a device array"))
MEMMAP = pytest.mark.xfail(strict=True, reason=(
    "memmap output: the sweeps (jaccli/sweeps.py) write a CuPy block into an np.memmap "
    "(implicit conversion)"))
INDEX = pytest.mark.xfail(strict=True, reason=(
    "a traced integer index array stays a device array where a host index is needed: "
    "_normalize_entry (jaccli/numpy_api/indexing.py) tests isinstance(k, np.ndarray), so a "
    "CuPy index array falls through to int(k) and an IndexError"))
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
PLAIN_INDICES = pytest.mark.xfail(strict=True, reason=(
    "np.take_along_axis with traced indices: _plain_indices (jaccli/numpy_api/tail_shape.py) "
    "calls np.asarray on the device index array"))
QUANTILE_Q = pytest.mark.xfail(strict=True, reason=(
    "a traced q in np.quantile: _order_stat (jaccli/numpy_api/tail_stats.py) calls "
    "np.asarray(q.value) on a device value"))

PINV_RANK = pytest.mark.xfail(strict=True, reason=(
    "np.linalg.pinv's rank check _stable_rank (jaccli/numpy_api/linalg.py) mixes a NumPy "
    "rtol array with the device singular values"))
SVD_HERMITIAN = pytest.mark.xfail(strict=True, reason=(
    "svd(hermitian=True): _svd_hermitian (jaccli/numpy_api/decompositions.py) sorts with "
    "NumPy calls on device values"))
DET_SINGULAR = pytest.mark.xfail(strict=True, reason=(
    "det of a singular matrix: the adjugate path (jaccli/primitives/linalg.py) is CPU-only; "
    "on the GPU the rule still inverts"))

# test_gpu.py::test_cupy_matches_numpy: case name -> mark, for both modes unless "-fwd"/"-rev"
TABLE_BREAKS = {
    **dict.fromkeys([
        "index-boolmask", "index-boolmask-2d", "setitem_fancy_mask", "composite-python_if_pos",
        "composite-python_if_neg", "composite-branch_on_element", "nanmedian-no-nan",
        "nanpercentile-no-nan", "interp-x-fp", "interp-left-right", "interp-traced-xp",
        "interp-scalar-x", "tail-composite-interp-stats"], DECIDE),
    "composite-mlp-fwd": SEED_ASCONTIG,
    "take_along_axis-argsort": PLAIN_INDICES,
    "quantile-traced-q": QUANTILE_Q,
    **dict.fromkeys(["pinv-hermitian-nonsym", "pinv-rank-deficient", "pinv-rank-deficient-wide",
                     "pinv-rcond", "pinv-square", "pinv-tall", "pinv-wide",
                     "tail-composite-svd-pinv"], PINV_RANK),
    **dict.fromkeys(["svd-hermitian-S", "svd-hermitian-U", "svd-hermitian-Vh",
                     "svd-hermitian-s-only"], SVD_HERMITIAN),
    "det-rank-n-2": DET_SINGULAR,
}


def table_marks(name, mode):
    return [m for key in (name, f"{name}-{mode}") for m in [TABLE_BREAKS.get(key)] if m]
