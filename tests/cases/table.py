"""The derivative case table: each case is a plain NumPy function of one or two float arrays,
a sampler that draws arguments inside the function's domain (away from kinks, jumps and ties
by more than the finite-difference step), and the arguments to differentiate. The topic
modules of this package add their rows to ``CASES`` with ``case``; the samplers here are
shared by them."""
from typing import Callable, NamedTuple

import numpy as np


class Case(NamedTuple):
    name: str
    fn: Callable
    sample: Callable  # rng -> tuple of float arrays
    argnums: object = 0  # int or tuple of ints
    rtol: float = 1e-6
    atol: float = 1e-7


CASES: list = []


def case(name, fn, sample, argnums=0, **tols):
    CASES.append(Case(name, fn, sample, argnums, **tols))


# ---- samplers ---------------------------------------------------------------------------

def _arr(a):
    return np.asarray(a, dtype=np.float64)


def normal(*shapes):
    return lambda rng: tuple(_arr(rng.standard_normal(s)) for s in shapes)


def uniform(lo, hi, *shapes):
    return lambda rng: tuple(_arr(rng.uniform(lo, hi, s)) for s in shapes)


def away(lo, hi, *shapes):
    """|value| in [lo, hi], random sign: away from zero."""
    return lambda rng: tuple(_arr(rng.uniform(lo, hi, s) * rng.choice([-1.0, 1.0], s)) for s in shapes)


def off_integers(*shapes):
    """k + f with f in [0.1, 0.4] or [0.6, 0.9]: away from integers and half-integers."""
    def sample(rng):
        out = []
        for s in shapes:
            k = rng.integers(-3, 3, s)
            f = rng.uniform(0.1, 0.4, s) + rng.choice([0.0, 0.5], s)
            out.append(_arr(k + f))
        return tuple(out)
    return sample


def until(sample, ok):
    """Redraw until ok(*args): keeps points away from ties and discontinuities."""
    def draw(rng):
        for _ in range(1000):
            args = sample(rng)
            if ok(*args):
                return args
        raise RuntimeError("sampler never satisfied its condition")
    return draw


def fixed(*arrays):
    return lambda rng: tuple(_arr(a) for a in arrays)


M = (0, 1)


def well_conditioned(n, *rest_shapes):
    """A = random + n*I (well conditioned), then standard normal arrays of rest_shapes."""
    def sample(rng):
        A = rng.standard_normal((n, n)) + n * np.eye(n)
        return (A,) + normal(*rest_shapes)(rng)
    return sample


def distinct(x, gap=0.05):
    """All entries pairwise apart by more than ``gap`` (sorting is differentiable there)."""
    v = np.sort(np.ravel(x))
    return v.size < 2 or np.min(np.diff(v)) > gap


def spd(n, *rest):
    """A symmetric positive definite matrix (with a random, ignored upper triangle for the
    cases that read only the lower one) and standard normal arrays of ``rest`` shapes."""
    def sample(rng):
        B = rng.standard_normal((n, n))
        return (B @ B.T + n * np.eye(n),) + normal(*rest)(rng)
    return sample


def sym_distinct(n):
    """A symmetric matrix with eigenvalues at least 0.3 apart."""
    def sample(rng):
        Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
        w = np.cumsum(rng.uniform(0.3, 1.5, n)) - 2.0
        return (Q @ np.diag(w) @ Q.T,)
    return sample


def real_spectrum(n):
    """A nonsymmetric matrix with real eigenvalues at least 0.3 apart: V diag(w) V^-1."""
    def sample(rng):
        V = rng.standard_normal((n, n)) + 2 * np.eye(n)
        w = np.cumsum(rng.uniform(0.3, 1.5, n)) - 2.0
        return (V @ np.diag(w) @ np.linalg.inv(V),)
    return sample


def sv_distinct(shape):
    """A matrix with singular values at least 0.3 apart and away from 0."""
    m, n = shape

    def sample(rng):
        k = min(m, n)
        U, _ = np.linalg.qr(rng.standard_normal((m, k)))
        V, _ = np.linalg.qr(rng.standard_normal((n, k)))
        s = 0.5 + np.cumsum(rng.uniform(0.3, 1.0, k))
        return (U @ np.diag(s[::-1]) @ V.T,)
    return sample


def signfix(V):
    """Eigen/singular vectors up to LAPACK's (locally constant) sign: make row 0 positive."""
    return V * np.sign(V[..., :1, :])
