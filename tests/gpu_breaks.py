"""The breaks of the GPU path that the strict CuPy stand-in found (issue 13), one strict xfail
mark per cause, naming the file and function at fault. Strict: once fixed, the test XPASSes and
fails, and the fixer removes the mark (and the ids from TABLE_BREAKS). Open: two, found when
the wrong-answer fixes of issue 18 (pinv's rank check, det's adjugate) met the stand-in."""
import pytest

PINV_RANK = pytest.mark.xfail(strict=True, reason=(
    "np.linalg.pinv's rank check _stable_rank (jaccli/numpy_api/linalg.py) mixes a NumPy "
    "rtol array with the device singular values"))
DET_SINGULAR = pytest.mark.xfail(strict=True, reason=(
    "det of a singular matrix: the adjugate path (jaccli/primitives/linalg.py) is CPU-only; "
    "on the GPU the rule still inverts"))

# test_gpu.py::test_cupy_matches_numpy: case name -> mark, for both modes unless "-fwd"/"-rev"
TABLE_BREAKS = {
    **dict.fromkeys(["pinv-hermitian-nonsym", "pinv-rank-deficient", "pinv-rank-deficient-wide",
                     "pinv-rcond", "pinv-square", "pinv-tall", "pinv-wide",
                     "tail-composite-svd-pinv"], PINV_RANK),
    "det-rank-n-2": DET_SINGULAR,
}


def table_marks(name, mode):
    return [m for key in (name, f"{name}-{mode}") for m in [TABLE_BREAKS.get(key)] if m]
