"""jaccli.jacfun as SciPy's jac= callback: root, least_squares, minimize (BFGS: a scalar f's
jacfun gives the gradient, shaped as x) and solve_ivp with a stiff ODE (BDF)."""
import numpy as np
import pytest

import jaccli

so = pytest.importorskip("scipy.optimize")
si = pytest.importorskip("scipy.integrate")


def bratu(u, lam=6.0):
    """The 2-D Bratu problem Δu + λ e^u = 0 on the unit square, u = 0 on the boundary, on
    an n x n grid of interior points."""
    n = u.shape[0]
    h2 = (1.0 / (n + 1)) ** 2
    U = np.pad(u, 1)
    lap = (U[:-2, 1:-1] + U[2:, 1:-1] + U[1:-1, :-2] + U[1:-1, 2:] - 4 * u) / h2
    return lap + lam * np.exp(u)


def test_root_newton_on_bratu():
    n = 10
    F = lambda x: bratu(x.reshape(n, n)).ravel()      # noqa: E731
    jac = jaccli.jacfun(F)
    sol = so.root(F, np.zeros(n * n), jac=jac, method="hybr")
    assert sol.success
    assert np.max(np.abs(F(sol.x))) < 1e-9
    assert jac.traces == 1


def test_hand_written_newton_loop():
    jac = jaccli.jacfun(bratu)
    u = np.zeros((8, 8))
    for _ in range(10):
        J = jac(u).reshape(64, 64)              # (8, 8, 8, 8) as jacobian: out + in shape
        u = u - np.linalg.solve(J, bratu(u).ravel()).reshape(u.shape)
    assert np.max(np.abs(bratu(u))) < 1e-10
    assert jac.traces == 1


def test_least_squares_with_dense_jac():
    t = np.linspace(0, 3, 40)
    y = 2.5 * np.exp(-1.3 * t) + 0.5

    def residual(p):
        return p[0] * np.exp(-p[1] * t) + p[2] - y

    jac = jaccli.jacfun(residual)
    sol = so.least_squares(residual, np.array([1.0, 1.0, 0.0]), jac=jac)
    np.testing.assert_allclose(sol.x, [2.5, 1.3, 0.5], rtol=1e-7)
    assert jac.traces == 1


def test_minimize_bfgs_takes_the_gradient_shape():
    def rosen(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    grad = jaccli.jacfun(rosen)
    x0 = np.array([1.3, 0.7, 0.8, 1.9])          # SciPy's tutorial point
    assert grad(x0).shape == x0.shape
    res = so.minimize(rosen, x0, jac=grad, method="BFGS", options={"gtol": 1e-8})
    ref = so.minimize(rosen, x0, jac=so.rosen_der, method="BFGS", options={"gtol": 1e-8})
    assert res.success and res.nit == ref.nit
    np.testing.assert_allclose(res.x, np.ones(4), atol=1e-5)
    np.testing.assert_allclose(grad(res.x), so.rosen_der(res.x), atol=1e-9)
    assert grad.traces == 1


def test_minimize_with_extra_args():
    """SciPy passes args=(...) after x: a float array argument is a graph input, so a new
    value changes the answer without a new trace."""
    def f(x, c):
        return np.sum((x - c) ** 2) + np.sum(x ** 4)

    grad = jaccli.jacfun(f)
    for c in (np.array([1.0, -2.0]), np.array([0.5, 0.5])):
        res = so.minimize(f, np.zeros(2), args=(c,), jac=grad, method="BFGS")
        assert res.success
        np.testing.assert_allclose(grad(res.x, c), 0, atol=1e-5)
    assert grad.traces == 1


def test_solve_ivp_bdf_on_a_stiff_ode():
    """Robertson's chemical kinetics (stiff); jac(t, y) = d rhs / d y: argnums=1."""
    def rhs(t, y):
        return np.stack([-0.04 * y[0] + 1e4 * y[1] * y[2],
                         0.04 * y[0] - 1e4 * y[1] * y[2] - 3e7 * y[1] ** 2,
                         3e7 * y[1] ** 2])

    def exact_jac(t, y):
        return np.array([[-0.04, 1e4 * y[2], 1e4 * y[1]],
                         [0.04, -1e4 * y[2] - 6e7 * y[1], -1e4 * y[1]],
                         [0.0, 6e7 * y[1], 0.0]])

    jac = jaccli.jacfun(rhs, argnums=1)
    y0 = np.array([1.0, 0.0, 0.0])
    np.testing.assert_allclose(jac(0.3, np.array([0.9, 1e-5, 0.1])),
                               exact_jac(0.3, np.array([0.9, 1e-5, 0.1])), rtol=1e-12)
    sol = si.solve_ivp(rhs, (0, 40), y0, method="BDF", jac=jac, rtol=1e-6, atol=1e-10)
    ref = si.solve_ivp(rhs, (0, 40), y0, method="BDF", jac=exact_jac, rtol=1e-6, atol=1e-10)
    assert sol.success
    np.testing.assert_allclose(sol.y[:, -1], ref.y[:, -1], rtol=1e-6, atol=1e-12)
    assert sol.njev == ref.njev
    assert jac.traces == 1


def test_solve_ivp_with_time_dependent_rhs():
    """t changes at every call; it is a graph input (not differentiated), never a stale
    constant."""
    def rhs(t, y):
        return -50.0 * (y - np.cos(t))

    jac = jaccli.jacfun(rhs, argnums=1)
    sol = si.solve_ivp(rhs, (0, 2), np.array([0.0]), method="BDF", jac=jac)
    assert sol.success
    assert jac.traces == 1


def test_least_squares_with_a_sparse_jac():
    """jac=jacfun(F, sparse=True): a csr_array each call, for SciPy's trust-region solver
    with a sparse Jacobian (lsmr)."""
    import scipy.sparse as sp
    n = 200

    def F(u):
        r = u ** 3 + 2.0 * u - 1.0
        r[1:] -= 0.5 * u[:-1]
        r[:-1] -= 0.5 * u[1:]
        return r

    jac = jaccli.jacfun(F, sparse=True)
    assert isinstance(jac(np.zeros(n)), sp.csr_array)
    sol = so.least_squares(F, np.zeros(n), jac=jac, tr_solver="lsmr")
    assert sol.success and np.max(np.abs(F(sol.x))) < 1e-8
    assert jac.traces == 1


@pytest.mark.parametrize("method", ["trust-exact", "trust-ncg", "Newton-CG"])
def test_minimize_with_hessfun_and_hvpfun(method):
    def rosen(x):
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    x0 = np.array([1.3, 0.7, 0.8, 1.9])
    extra = dict(hess=jaccli.hessfun(rosen)) if method == "trust-exact" else \
        dict(hessp=jaccli.hvpfun(rosen))
    res = so.minimize(rosen, x0, jac=jaccli.jacfun(rosen), method=method, **extra)
    assert res.success
    np.testing.assert_allclose(res.x, np.ones(4), atol=1e-4)
    (fun,) = extra.values()
    assert fun.traces == 1
