"""The breaks of the GPU path that the strict CuPy stand-in found (issue 13), one strict xfail
mark per cause, naming the file and function at fault. Strict: once fixed, the test XPASSes and
fails, and the fixer removes the mark (and the ids from TABLE_BREAKS). None are open: add the
next one here, as a mark with its cause, when the stand-in (or a real GPU) finds it."""

# test_gpu.py::test_cupy_matches_numpy: case name -> mark, for both modes unless "-fwd"/"-rev"
TABLE_BREAKS = {}


def table_marks(name, mode):
    return [m for key in (name, f"{name}-{mode}") for m in [TABLE_BREAKS.get(key)] if m]
