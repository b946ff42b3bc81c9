"""Table-driven derivative tests: every case in the case tables (tests/cases), in every
variant of tests/checks.py, against central finite differences at a fixed-seed random point
inside the function's domain.
"""
import numpy as np
import pytest

from cases import CASES
from checks import JACOBIAN_VARIANTS, VARIANTS, check_derivative, fd_jacobian, reference

jaccli = pytest.importorskip("jaccli")

# NumPy 2 deprecates np.cross of 2-vectors (one case checks them on purpose).
pytestmark = pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors:DeprecationWarning")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_derivative(case, variant):
    check_derivative(case, variant)


def test_case_names_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


def test_references_are_sane():
    """The finite-difference references themselves: finite, and not all zero except where the
    case is about a zero derivative."""
    zero_ok = ("sign_alone", "floor_alone", "prod-two_zeros")
    for c in CASES:
        args, y, J = reference(c)
        assert np.all(np.isfinite(y)), c.name
        assert all(np.all(np.isfinite(Jk)) for Jk in J.values()), c.name
        if not c.name.startswith(zero_ok):
            assert any(np.any(Jk != 0) for Jk in J.values()), c.name


# ---- ties: max/min split the derivative equally among tied entries (documented) ---------

TIES = [
    ("max", lambda x: np.max(x), [1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
    ("amax", lambda x: np.amax(x), [3.0, 1.0, 3.0, 3.0], [1 / 3, 0.0, 1 / 3, 1 / 3]),
    ("min", lambda x: x.min(), [2.0, 1.0, 1.0], [0.0, 0.5, 0.5]),
    ("max_axis", lambda x: np.max(x, axis=1), [[1.0, 2.0, 2.0], [5.0, 4.0, 3.0]],
     [[[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]]),
]


@pytest.mark.parametrize("variant", list(JACOBIAN_VARIANTS))
@pytest.mark.parametrize("fn,x,expected", [t[1:] for t in TIES], ids=[t[0] for t in TIES])
def test_tie_split_equally(fn, x, expected, variant):
    mode, chunk_size = JACOBIAN_VARIANTS[variant]
    J = jaccli.jacobian(fn, np.array(x), mode=mode, chunk_size=chunk_size)
    np.testing.assert_allclose(J, np.array(expected), rtol=1e-12, atol=1e-12)


# ---- forward equals reverse on composites, tightly (no finite differences involved) ------

# (rtol, atol); the decompositions' composites (tail-composite-) chain LAPACK calls
FWD_REV_TOLERANCE = {"composite-": (1e-12, 1e-12), "tail-composite-": (1e-9, 1e-10)}


@pytest.mark.parametrize("case", [c for c in CASES if c.name.startswith(tuple(FWD_REV_TOLERANCE))],
                         ids=lambda c: c.name)
def test_forward_equals_reverse(case):
    args, _, _ = reference(case)
    Jf = jaccli.jacobian(case.fn, *args, argnums=case.argnums, mode="fwd")
    Jr = jaccli.jacobian(case.fn, *args, argnums=case.argnums, mode="rev")
    if not isinstance(case.argnums, tuple):
        Jf, Jr = (Jf,), (Jr,)
    rtol, atol = FWD_REV_TOLERANCE["tail-composite-" if case.name.startswith("tail-")
                                   else "composite-"]
    for a, b in zip(Jf, Jr):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ---- output shapes, argnums, tuple outputs (JAX convention) ---------------------------

SHAPE_CASES = [
    ("scalar-scalar", lambda x: np.sin(x) * x, np.asarray(0.3), ()),
    ("vector-scalar", lambda x: np.sum(x ** 2), np.arange(1.0, 5.0), (4,)),
    ("scalar-vector", lambda x: x * np.arange(3.0), np.asarray(0.7), (3,)),
    ("vector-vector", lambda x: np.cumsum(x), np.arange(1.0, 4.0), (3, 3)),
    ("vector-matrix", lambda x: np.outer(x, x[:2]), np.arange(1.0, 4.0), (3, 2, 3)),
    ("matrix-scalar", lambda x: np.sum(np.sin(x)), np.ones((2, 3)), (2, 3)),
    ("matrix-matrix", lambda x: x.T * 2.0, np.ones((2, 3)), (3, 2, 2, 3)),
    ("matrix-vector", lambda x: x.sum(axis=0), np.ones((2, 3)), (3, 2, 3)),
]


@pytest.mark.parametrize("mode", ["fwd", "rev", "auto"])
@pytest.mark.parametrize("fn,x,shape", [c[1:] for c in SHAPE_CASES], ids=[c[0] for c in SHAPE_CASES])
def test_jacobian_shape(fn, x, shape, mode):
    J = jaccli.jacobian(fn, x, mode=mode)
    assert np.shape(J) == shape
    np.testing.assert_allclose(J, fd_jacobian(fn, (x,), 0), rtol=1e-6, atol=1e-7)


def _two_args(x, W):
    return np.tanh(W @ x) * x.sum()


_X2 = (np.array([0.3, -0.2, 0.5]), np.arange(6.0).reshape(2, 3) / 6.0 - 0.4)
_J2 = {k: fd_jacobian(_two_args, _X2, k) for k in (0, 1)}


@pytest.mark.parametrize("mode", ["fwd", "rev", "auto"])
@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1, 0), (1,)], ids=str)
def test_argnums(argnums, mode):
    J = jaccli.jacobian(_two_args, *_X2, argnums=argnums, mode=mode)
    if isinstance(argnums, int):
        assert not isinstance(J, tuple)
        assert J.shape == (2,) + _X2[argnums].shape
        np.testing.assert_allclose(J, _J2[argnums], rtol=1e-6, atol=1e-7)
    else:
        assert isinstance(J, tuple) and len(J) == len(argnums)
        for k, Jk in zip(argnums, J):
            np.testing.assert_allclose(Jk, _J2[k], rtol=1e-6, atol=1e-7)


def test_default_keywords():
    x = np.array([0.3, -0.2, 0.5])
    np.testing.assert_allclose(jaccli.jacobian(np.sin, x), np.diag(np.cos(x)), rtol=1e-12)


def _tuple_out(x, y):
    return x * y, np.sum(x) * np.ones(2), np.dot(x, y)


_XT = (np.array([0.3, -0.2, 0.5]), np.array([1.0, 2.0, -1.5]))


def _fd_tuple(k, i):
    return fd_jacobian(lambda *a: _tuple_out(*a)[i], _XT, k)


@pytest.mark.parametrize("mode", ["fwd", "rev", "auto"])
@pytest.mark.parametrize("argnums", [0, 1, (0, 1), (1, 0)], ids=str)
def test_tuple_outputs(argnums, mode):
    J = jaccli.jacobian(_tuple_out, *_XT, argnums=argnums, mode=mode)
    assert isinstance(J, tuple) and len(J) == 3, "one entry per output"
    for i, Ji in enumerate(J):
        if isinstance(argnums, int):
            np.testing.assert_allclose(Ji, _fd_tuple(argnums, i), rtol=1e-6, atol=1e-7)
        else:
            assert isinstance(Ji, tuple) and len(Ji) == len(argnums), "each output: one entry per argnum"
            for k, Jik in zip(argnums, Ji):
                np.testing.assert_allclose(Jik, _fd_tuple(k, i), rtol=1e-6, atol=1e-7)
