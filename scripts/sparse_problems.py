"""Sparse residuals shared by scripts/bench_sparse.py and the sparse tests: plain NumPy, as a
user would write them (grids with np.roll and slices, no special imports).

brusselator(N)  2-D Brusselator reaction-diffusion on a periodic N x N grid, n = 2 N^2
bratu(N)        2-D Bratu problem -lap(u) - lambda exp(u) on an N x N Dirichlet grid, n = N^2
broyden(n)      Broyden's tridiagonal function, n unknowns
Each returns (f, x0).
"""
import numpy as np


def brusselator(N, A=3.4, B=1.0, alpha=0.002):
    h2 = (1.0 / (N - 1)) ** 2

    def f(y):
        u, v = y[:N * N].reshape(N, N), y[N * N:].reshape(N, N)

        def lap(z):
            return (np.roll(z, 1, 0) + np.roll(z, -1, 0) + np.roll(z, 1, 1) + np.roll(z, -1, 1)
                    - 4.0 * z) / h2
        du = B + u * u * v - (A + 1.0) * u + alpha * lap(u)
        dv = A * u - u * u * v + alpha * lap(v)
        return np.concatenate([du.ravel(), dv.ravel()])

    xs = np.linspace(0.0, 1.0, N)
    u0 = 22.0 * (xs[None, :] * (1 - xs[None, :]) * xs[:, None] * (1 - xs[:, None])) ** 1.5
    v0 = 27.0 * (xs[None, :] * (1 - xs[None, :]) * xs[:, None] * (1 - xs[:, None])) ** 1.5
    return f, np.concatenate([u0.ravel(), v0.ravel()])


def bratu(N, lam=6.0):
    h2 = (1.0 / (N + 1)) ** 2

    def f(x):
        u = x.reshape(N, N)
        r = 4.0 * u - h2 * lam * np.exp(u)
        r[1:, :] -= u[:-1, :]
        r[:-1, :] -= u[1:, :]
        r[:, 1:] -= u[:, :-1]
        r[:, :-1] -= u[:, 1:]
        return r.ravel()

    return f, np.full(N * N, 0.1)


def broyden(n):
    def f(x):
        r = (3.0 - 2.0 * x) * x + 1.0
        r[1:] -= x[:-1]
        r[:-1] -= 2.0 * x[1:]
        return r

    return f, np.full(n, -1.0)
