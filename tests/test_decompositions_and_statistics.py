"""NumPy's decompositions, statistics and signal functions beyond the derivative table:
Jacobians at many points (batched=True, the eval
rules) equal a loop over the points; the clear errors; NumPy's named results. (Their rows of
the derivative table are in tests/cases, checked by tests/test_derivatives.py, which also
checks forward against reverse on their composites.)"""
import numpy as np
import pytest

from cases.table import real_spectrum, spd, sv_distinct, sym_distinct

import jaccli
from jaccli.errors import TracingError

# NumPy 2 deprecates np.cross of 2-vectors (one case checks them on purpose).
pytestmark = pytest.mark.filterwarnings("ignore:Arrays of 2-dimensional vectors:DeprecationWarning")




# ---- many points at once: the decompositions' rules with a point axis -------------------

def _points(sampler, count=4, seed=0):
    rng = np.random.default_rng(seed)
    return np.stack([sampler(rng)[0] for _ in range(count)])


def _fix(V):
    return V * np.sign(V[..., :1, :])


BATCHED = {
    "cholesky": (lambda a: np.linalg.cholesky(a) * 2.0, spd(3)),
    "qr": (lambda a: _fix(np.linalg.qr(a)[0]) + np.linalg.qr(a)[1][0, 0], lambda r: (r.standard_normal((4, 3)),)),
    "qr-wide": (lambda a: np.linalg.qr(a)[1], lambda r: (r.standard_normal((2, 3)),)),
    "eigh": (lambda a: _fix(np.linalg.eigh(a)[1]) * np.linalg.eigh(a)[0], sym_distinct(3)),
    "svd-tall": (lambda a: (lambda U, s, Vh: _fix(U) * s + _fix(Vh.T).sum())(
        *np.linalg.svd(a, full_matrices=False)), sv_distinct((4, 3))),
    "svd-wide": (lambda a: (lambda U, s, Vh: _fix(Vh.T) * s + _fix(U).sum())(
        *np.linalg.svd(a, full_matrices=False)), sv_distinct((2, 3))),
    "eig": (lambda a: _fix(np.linalg.eig(a)[1]) * np.linalg.eig(a)[0], real_spectrum(3)),
    "norms": (lambda a: np.stack([np.linalg.norm(a, 2), np.linalg.norm(a, "nuc"),
                                  np.linalg.cond(a)]), sv_distinct((3, 3))),
    "pinv-lstsq": (lambda a: np.linalg.pinv(a).ravel() + np.linalg.lstsq(a, a[:, 0] ** 2)[0].sum(),
                   lambda r: (r.standard_normal((4, 2)),)),
    "stats": (lambda x: np.stack([np.median(x), np.percentile(x, 30.0), np.ptp(x),
                                  np.average(x, weights=np.exp(x)), np.nanmean(x)]),
              lambda r: (r.standard_normal(5),)),
    "signal": (lambda x: np.concatenate([np.convolve(x, x[:3], "same"), np.gradient(x),
                                         np.cross(x[:3], x[2:])]),
               lambda r: (r.standard_normal(5),)),
}


@pytest.mark.parametrize("mode", ["fwd", "rev"])
@pytest.mark.parametrize("name", sorted(BATCHED))
def test_batched_equals_loop(name, mode):
    f, sampler = BATCHED[name]
    X = _points(sampler)
    J = jaccli.jacobian(f, X, batched=True, mode=mode)
    loop = np.stack([jaccli.jacobian(f, x, mode=mode) for x in X])
    np.testing.assert_allclose(J, loop, rtol=1e-9, atol=1e-10)


def test_interp_batched_groups_points_by_interval():
    """interp reads which interval x falls in: points in the same intervals share a trace."""
    xp = np.array([0.0, 1.0, 2.0, 3.0])
    f = lambda x: np.interp(x, xp, np.array([0.0, 2.0, 1.0, 5.0])) * x    # noqa: E731
    X = np.array([[0.5, 2.5], [0.7, 2.2], [1.5, 0.2], [0.1, 2.9]])
    with pytest.warns(UserWarning, match="2 groups"):
        J = jaccli.jacobian(f, X, batched=True)
    np.testing.assert_allclose(J, np.stack([jaccli.jacobian(f, x) for x in X]), rtol=1e-12)


# ---- clear errors --------------------------------------------------------------------

ERRORS = [
    ("eig-complex", lambda a: np.linalg.eig(a)[0], np.array([[0.0, -1.0], [1.0, 0.0]]),
     "complex eigenvalues"),
    ("pinv-rank-ambiguous", lambda a: np.linalg.pinv(a * np.array([1.0, 1e-10])), np.eye(2),
     "rank is not locally constant"),
    ("lstsq-rank-deficient", lambda a: np.linalg.lstsq(a, a[:, 0])[0], np.ones((3, 2)),
     "full column rank"),
    ("cholesky-not-pd", np.linalg.cholesky, -np.eye(2), "not positive definite"),
    ("svd-full-matrices", np.linalg.svd, np.ones((3, 2)), "full_matrices=False"),
    ("qr-complete-tall", lambda a: np.linalg.qr(a, mode="complete")[0], np.ones((3, 2)),
     "complete"),
    ("quantile-method", lambda x: np.quantile(x, 0.5, method="nearest"), np.ones(3), "linear"),
    ("nanmedian-with-nan", lambda x: np.nanmedian(x / np.array([1.0, 0.0, 1.0]) * 0.0),
     np.ones(3), "NaN"),
    ("interp-period", lambda x: np.interp(x, [0.0, 1.0], [0.0, 1.0], period=1.0), np.ones(2),
     "period"),
    ("r_", lambda x: np.r_[x, x], np.ones(2), "plain NumPy array"),
    ("put_along_axis-plain", lambda x: np.put_along_axis(np.zeros(3), np.array([0]), x[:1], 0),
     np.ones(2), "plain NumPy array"),
]


@pytest.mark.parametrize("fn,x,match", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_clear_errors(fn, x, match):
    with pytest.raises(TracingError, match=match):
        jaccli.jacobian(fn, x)


def test_linspace_of_traced_endpoints_inside_a_graph():
    """np.linspace used to reach the like= table and recurse; now it is a composition."""
    J = jaccli.jacobian(lambda x: np.linspace(x[0], x[1], 3) * x[0], np.array([2.0, 3.0]))
    np.testing.assert_allclose(J, [[4.0, 0.0], [2.5 + 2.0 * 0.5, 1.0], [3.0, 2.0]])


def test_named_results():
    a = sv_distinct((3, 3))(np.random.default_rng(1))[0]
    J = jaccli.jacobian(lambda a: np.linalg.svd(a).S + np.linalg.qr(a).R[0]
                        + np.linalg.eigh(a @ a.T).eigenvalues, a, mode="rev")
    assert J.shape == (3, 3, 3)
