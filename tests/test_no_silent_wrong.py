"""Issue 18: no silently wrong answer, no raw exception. Expected values come from NumPy
itself or from central differences (tests/checks.fd_jacobian), never from jaccli's output."""
import numpy as np
import pytest

import jaccli
from jaccli.errors import TracingError
from tests.checks import fd_jacobian


def _fd(f, x):
    return fd_jacobian(f, (np.asarray(x, dtype=float),), 0)


def _value(f, *args):
    """f's value as jaccli's tracer computed it (the jvp's primal output)."""
    y, _ = jaccli.jvp(f, args, tuple(np.zeros_like(a) for a in args))
    return y


def _check(f, x, modes=("fwd", "rev"), **tol):
    x = np.asarray(x, dtype=float)
    np.testing.assert_allclose(_value(f, x), f(x), rtol=1e-12, atol=1e-12)
    for mode in modes:
        np.testing.assert_allclose(jaccli.jacobian(f, x, mode=mode), _fd(f, x),
                                   rtol=tol.get("rtol", 1e-6), atol=tol.get("atol", 1e-7))


_RNG = np.random.default_rng(18)
_A6 = _RNG.standard_normal((6, 6))


# ---- 1, 2: UPLO and hermitian= ----------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda a: np.linalg.eigh(a, "U")[1], lambda a: np.linalg.eigh(a, "U")[0],
    lambda a: np.linalg.eigh(a, "u").eigenvectors,
    lambda a: np.linalg.svd(a, hermitian=True)[0], lambda a: np.linalg.svd(a, hermitian=True)[1],
    lambda a: np.linalg.svd(a, hermitian=True)[2],
    lambda a: np.linalg.svd(a, hermitian=True, compute_uv=False),
    lambda a: np.linalg.pinv(a, hermitian=True)], ids=["eigh-U-V", "eigh-U-w", "eigh-u-V",
                                                        "svd-h-U", "svd-h-S", "svd-h-Vh",
                                                        "svd-h-s", "pinv-h"])
def test_uplo_and_hermitian_follow_numpy(fn):
    _check(fn, _A6)


# ---- 13: det at singular matrices, pinv of any locally constant rank ---------------------

@pytest.mark.parametrize("fn", [
    lambda a: np.linalg.det(a[:, :5] @ a[:5]), lambda a: np.linalg.det(a[:, :4] @ a[:4]),
    lambda a: np.linalg.pinv(a[:, :2] @ a[:2]), lambda a: np.linalg.pinv(a[:3, :2] @ a[:2]),
    lambda a: np.linalg.pinv(a[:, :3]), lambda a: np.linalg.pinv(a, rcond=1e-6)],
    ids=["det-rank5", "det-rank4", "pinv-rank2", "pinv-rank2-wide", "pinv-tall", "pinv-rcond"])
def test_singular_and_rank_deficient(fn):
    _check(fn, _A6)


def test_pinv_zero_size():
    for shape in [(0, 3), (3, 0), (0, 0)]:
        a = np.zeros(shape)
        J = jaccli.jacobian(np.linalg.pinv, a)
        assert J.shape == np.linalg.pinv(a).shape + shape


def test_pinv_unstable_rank_says_so():
    a = np.diag([1.0, 1e-10, 0.5])   # kept by the cut-off 6.7e-16, yet below sqrt(eps)
    with pytest.raises(TracingError, match="rank"):
        jaccli.jacobian(np.linalg.pinv, a)
