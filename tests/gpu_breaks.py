"""The breaks of the GPU path that the strict CuPy stand-in found (issue 13), one strict xfail
mark per cause, naming the file and function at fault. Strict: once fixed, the test XPASSes and
fails, and the fixer removes the mark (and the ids from TABLE_BREAKS). Open: one, found when
the wrong-answer fixes of issue 18 met the stand-in (det's adjugate at a singular matrix)."""
import pytest

DET_SINGULAR = pytest.mark.xfail(strict=True, reason=(
    "det of a singular matrix: the adjugate path (jaccli/primitives/linalg.py) is CPU-only; "
    "on the GPU the rule still inverts"))

# test_gpu.py::test_cupy_matches_numpy: case name -> mark, for both modes unless "-fwd"/"-rev"
TABLE_BREAKS = {
    "det-rank-n-2": DET_SINGULAR,
}


def table_marks(name, mode):
    return [m for key in (name, f"{name}-{mode}") for m in [TABLE_BREAKS.get(key)] if m]
