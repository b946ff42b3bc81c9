"""Tests known to fail on another NumPy than the code was written for (2.4), as non-strict xfails
conditioned on the NumPy version (conftest.py applies them by test id), so that CI on the newest
supported NumPy is green and the list of fixes is explicit. Remove an entry with its fix."""
import numpy as np
import pytest

NUMPY_25 = np.lib.NumpyVersion(np.__version__) >= "2.5.0"
# docs/coverage.md lists the NumPy names jaccli handles that exist in the NumPy that rendered it
COVERAGE_DOC_NUMPY = "2.4"
OTHER_NUMPY = ".".join(np.__version__.split(".")[:2]) != COVERAGE_DOC_NUMPY
COVERAGE_REASON = (f"docs/coverage.md is rendered with NumPy {COVERAGE_DOC_NUMPY}; on NumPy "
                   f"{np.__version__} scripts/coverage.py counts the names that NumPy has")

# (substring of the test id, reason)
NUMPY_25_BREAKS = [
    ("::test_derivative[eig-", "NumPy 2.5: np.linalg.eig returns complex arrays even for "
                                    "a real spectrum; _eig "
              "(jaccli/primitives/decompositions.py) tests np.iscomplexobj(w) and raises "
              "'complex eigenvalues'"),
    ("::test_derivative[eigvals-", "NumPy 2.5: np.linalg.eigvals returns complex for a "
                                        "real spectrum; _eig "
                  "(jaccli/primitives/decompositions.py) raises 'complex eigenvalues'"),
    ("::test_cupy_matches_numpy[eig-", "NumPy 2.5: np.linalg.eig always complex (_eig, "
                                       "jaccli/primitives/decompositions.py)"),
    ("::test_cupy_matches_numpy[eigvals-", "NumPy 2.5: np.linalg.eigvals always complex (_eig, "
                                           "jaccli/primitives/decompositions.py)"),
    ("::test_batched_equals_loop[eig-", "NumPy 2.5: np.linalg.eig always complex (_eig, "
                                           "jaccli/primitives/decompositions.py)"),
    ("::test_derivative[cross-2-3-", "NumPy 2.5: np.cross refuses 2-element vectors "
        "(ValueError), so the NumPy reference of the case cannot be computed (tests/cases/products "
        "cross-2-3; jaccli's np.cross should refuse them too)"),
    ("test_references_are_sane", "NumPy 2.5: np.cross refuses 2-element vectors in the "
                                      "cross-2-3 case's reference"),
]


NUMPY_25_BREAKS += [(f"::{test}[{name}-", reason) for test in ("test_forward_equals_reverse",
                    "test_sparse_equals_dense", "test_pattern_holds_every_nonzero",
                    "test_sweep_traces_again", "test_kinds_keep_their_promises")
                    for name, reason in (("eig", NUMPY_25_BREAKS[0][1]),
                                         ("eigvals", NUMPY_25_BREAKS[1][1]),
                                         ("cross-2-3", NUMPY_25_BREAKS[5][1]))]


def mark_numpy_breaks(items):
    for item in items:
        if item.name in ("test_committed_coverage_table_is_up_to_date", "test_check_flag_agrees"):
            item.add_marker(pytest.mark.xfail(condition=OTHER_NUMPY, strict=False,
                                              reason=COVERAGE_REASON))
        for pattern, reason in NUMPY_25_BREAKS:
            if pattern in item.nodeid:
                item.add_marker(pytest.mark.xfail(condition=NUMPY_25, strict=False,
                                                  reason=reason))
                break
