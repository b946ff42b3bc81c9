"""Second order for every derivative case (tests/cases), as autograd's check_grads(order=2):
the Hessian of a random scalar projection ``sum(w * f(x))`` of each case's output, by forward
over reverse (``jaccli.hessian``'s path), against

- central differences of the gradient (jaccli's reverse mode, checked to first order by
  tests/test_derivatives.py), and
- forward over forward on the same case (the tangent sweep traced, then forward sweeps),

plus its symmetry. Sizes are the case table's own (small: a few to a few dozen inputs); every
case runs, the whole table in about 15-20 s on the 2-core development machine.
"""
import zlib

import numpy as np
import pytest

from cases import CASES

import jaccli
from jaccli.hessian import flat_hessian

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _nums(case):
    return case.argnums if isinstance(case.argnums, tuple) else (case.argnums,)


def _projected(case):
    """(g, args): g(*args) = sum(w * f(*args)) with a fixed random w, and the case's point."""
    rng = np.random.default_rng(zlib.crc32(("order2" + case.name).encode()))
    args = tuple(np.asarray(a, dtype=np.float64) for a in case.sample(
        np.random.default_rng(zlib.crc32(case.name.encode()))))
    shape = np.shape(case.fn(*args))
    w = rng.standard_normal(shape)

    def g(*a):
        return np.sum(w * case.fn(*a))
    return g, args


def _gradient(g, args, nums):
    _, vjp_fn = jaccli.vjp(g, *args)
    cts = vjp_fn(np.ones(()))
    return np.concatenate([np.ravel(cts[k]) for k in nums])


def fd_hessian(g, args, nums):
    """Central differences of the gradient: column j is (grad(x + h e_j) - grad(x - h e_j)) /
    (2 h) over the flat layout of the arguments in ``nums``."""
    cols = []
    for k in nums:
        x = args[k]
        for j in range(x.size):
            h = 1e-6 * max(1.0, abs(x.flat[j]))
            xp, xm = x.copy(), x.copy()
            xp.flat[j] += h
            xm.flat[j] -= h
            plus = _gradient(g, args[:k] + (xp,) + args[k + 1:], nums)
            minus = _gradient(g, args[:k] + (xm,) + args[k + 1:], nums)
            cols.append((plus - minus) / (xp.flat[j] - xm.flat[j]))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_second_order(case):
    g, args = _projected(case)
    nums = _nums(case)
    H = flat_hessian(g, args, nums).matrix
    N = sum(args[k].size for k in nums)
    assert H.shape == (N, N)
    scale = max(1.0, float(np.max(np.abs(H), initial=0.0)))
    # forward over forward: the same second derivatives by another pair of rule sets
    H_ff = flat_hessian(g, args, nums, mode="fwd", inner="fwd").matrix
    np.testing.assert_allclose(H, H_ff, rtol=1e-9, atol=1e-10 * scale,
                               err_msg=f"{case.name}: forward over reverse vs forward over forward")
    np.testing.assert_allclose(H, H.T, rtol=1e-9, atol=1e-10 * scale,
                               err_msg=f"{case.name}: not symmetric")
    H_fd = fd_hessian(g, args, nums)
    np.testing.assert_allclose(H, H_fd, rtol=max(case.rtol, 1e-5) * 10,
                               atol=max(case.atol, 1e-6) * 10 * scale,
                               err_msg=f"{case.name}: against central differences of the "
                                       "gradient")
