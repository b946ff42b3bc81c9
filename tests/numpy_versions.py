"""Tests known to fail on a newer NumPy than the code was written for, as non-strict xfails
conditioned on the NumPy version (conftest.py applies them by test id), so that CI on the newest
supported NumPy is green and the list of fixes is explicit. Remove an entry with its fix."""
import numpy as np
import pytest

NUMPY_25 = np.lib.NumpyVersion(np.__version__) >= "2.5.0"

# (substring of the test id, reason)
NUMPY_25_BREAKS = [
    ("::test_tail_derivative[eig-", "NumPy 2.5: np.linalg.eig returns complex arrays even for a real spectrum; _eig "
              "(jaccli/primitives/decompositions.py) tests np.iscomplexobj(w) and raises "
              "'complex eigenvalues'"),
    ("::test_tail_derivative[eigvals-", "NumPy 2.5: np.linalg.eigvals returns complex for a real spectrum; _eig "
                  "(jaccli/primitives/decompositions.py) raises 'complex eigenvalues'"),
    ("::test_cupy_matches_numpy[eig-", "NumPy 2.5: np.linalg.eig always complex (_eig, "
                                       "jaccli/primitives/decompositions.py)"),
    ("::test_cupy_matches_numpy[eigvals-", "NumPy 2.5: np.linalg.eigvals always complex (_eig, "
                                           "jaccli/primitives/decompositions.py)"),
    ("::test_tail_batched_equals_loop[eig-", "NumPy 2.5: np.linalg.eig always complex (_eig, "
                                           "jaccli/primitives/decompositions.py)"),
    ("::test_tail_derivative[cross-2-3-", "NumPy 2.5: np.cross refuses 2-element vectors (ValueError), so the NumPy "
                  "reference of the case cannot be computed (tests/tail_cases.py cross-2-3; "
                  "jaccli's np.cross should refuse them too)"),
    ("test_tail_references_are_sane", "NumPy 2.5: np.cross refuses 2-element vectors in the "
                                      "cross-2-3 case's reference"),
    ("test_committed_coverage_table_is_up_to_date", "docs/coverage.md is generated against "
        "NumPy 2.4: on 2.5 scripts/coverage.py lists a different NumPy namespace"),
    ("test_check_flag_agrees", "docs/coverage.md is generated against NumPy 2.4: "
                               "scripts/coverage.py --check differs on 2.5"),
]


def mark_numpy_breaks(items):
    for item in items:
        for pattern, reason in NUMPY_25_BREAKS:
            if pattern in item.nodeid:
                item.add_marker(pytest.mark.xfail(condition=NUMPY_25, strict=False,
                                                  reason=reason))
                break
