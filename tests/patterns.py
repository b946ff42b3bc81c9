"""Sparsity patterns of known structure, shared by the colouring tests and
scripts/bench_coloring.py (SciPy 1.10 constructors only: the dependency floor)."""
import numpy as np
import scipy.sparse as sp


def banded(n, offsets):
    return sp.csr_array(sp.diags([np.ones(n - abs(k)) for k in offsets], offsets, shape=(n, n),
                                 format="csr") != 0)


def laplacian(N, periodic=False):
    """5-point stencil on an N x N grid, Dirichlet (or periodic): (N^2, N^2)."""
    T = sp.diags([np.ones(N - 1), np.ones(N - 1)], [-1, 1], shape=(N, N), format="lil")
    if periodic:
        T[0, N - 1] = T[N - 1, 0] = 1
    I = sp.identity(N)
    return sp.csr_array((sp.kron(I, T) + sp.kron(T, I) + sp.identity(N * N)) != 0)


def brusselator(N):
    """2-D Brusselator on a periodic N x N grid, species u then v: (2 N^2, 2 N^2). Each residual
    entry depends on the 5-point stencil of its own species and on the other one at its point."""
    L, I = laplacian(N, periodic=True), sp.identity(N * N)
    return sp.csr_array(sp.bmat([[L, I], [I, L]]) != 0)


def arrowhead(n):
    """Dense first row and column plus the diagonal: (n, n)."""
    rows = np.concatenate([np.zeros(n), np.arange(n), np.arange(n)])
    cols = np.concatenate([np.arange(n), np.zeros(n), np.arange(n)])
    return sp.csr_array(sp.coo_array((np.ones(3 * n, bool), (rows, cols)), shape=(n, n)))


def rosenbrock_hessian(x):
    """The analytic Hessian of sum(100 (x[1:] - x[:-1]^2)^2 + (1 - x[:-1])^2): tridiagonal."""
    n = len(x)
    H = np.zeros((n, n))
    i = np.arange(n - 1)
    H[i, i] += 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    H[i + 1, i + 1] += 200.0
    H[i, i + 1] = H[i + 1, i] = -400.0 * x[:-1]
    return H
