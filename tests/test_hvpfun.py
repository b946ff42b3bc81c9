"""jaccli.hvpfun: H(x) @ v by forward over reverse, traced once per signature (hessvec.py),
checked against central differences of the gradient and against the dense Hessian."""
import numpy as np
import pytest

import jaccli
from cases import CASES


def _fd_hvp(f, x, v, *args, h=1e-5):
    """Central differences of the gradient along v: (g(x + h v) - g(x - h v)) / 2h."""
    g = lambda y: jaccli.jacobian(f, y, *args)            # noqa: E731
    return (g(x + h * v) - g(x - h * v)) / (2 * h)


def _mlp(X, y):
    def loss(w, scale):
        h = np.tanh(X @ w[:12].reshape(3, 4))
        return np.mean((h @ w[12:] - y) ** 2) * scale[0] + np.sum(w ** 4) * 1e-3
    return loss


def test_hvpfun_matches_differences_and_the_hessian_and_traces_once():
    rng = np.random.default_rng(11)
    X, y = rng.standard_normal((20, 3)), rng.standard_normal(20)
    loss = _mlp(X, y)
    hessp = jaccli.hvpfun(loss)
    for _ in range(4):
        w, v, s = rng.standard_normal(16), rng.standard_normal(16), rng.uniform(1, 2, 1)
        hv = hessp(w, v, s)
        assert hv.shape == w.shape
        np.testing.assert_allclose(hv, _fd_hvp(loss, w, v, s), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(hv, jaccli.hessian(loss, w, s) @ v, rtol=1e-12,
                                   atol=1e-12)
    assert hessp.traces == 1


def test_hvpfun_follows_branches():
    def f(x):
        if x[0] > 0:
            return np.sum(np.sin(x) * x ** 3)
        return np.sum(np.exp(x) * x[::-1])

    hessp = jaccli.hvpfun(f)
    rng = np.random.default_rng(12)
    for first in (1.0, -1.0, 0.5, -0.5, 2.0):
        x = np.concatenate([[first], rng.standard_normal(4)])
        v = rng.standard_normal(5)
        np.testing.assert_allclose(hessp(x, v), _fd_hvp(f, x, v), rtol=1e-6, atol=1e-7)
    assert hessp.traces == 2


def test_hvpfun_of_a_linear_or_constant_function_is_zero():
    hessp = jaccli.hvpfun(lambda x: np.sum(3.0 * x))
    for _ in range(2):
        out = hessp(np.ones(3), np.arange(3.0))
        assert out.shape == (3,) and not out.any()


def test_hvpfun_falls_back_where_it_cannot_reuse():
    """A float argument read as a number, and an argument it cannot key on (a list): the
    answers are still H @ v."""
    def f(x, c):
        return np.sum(x ** 3) * float(c)

    def g(x, items):
        return np.sum(x ** 3) * items[0]

    rng = np.random.default_rng(13)
    x, v = rng.standard_normal(3), rng.standard_normal(3)
    expect = 6 * x * v * 2.0
    np.testing.assert_allclose(jaccli.hvpfun(f)(x, v, np.float64(2.0)), expect, rtol=1e-12)
    np.testing.assert_allclose(jaccli.hvpfun(g)(x, v, [2.0]), expect, rtol=1e-12)


def test_hvpfun_bad_input():
    hessp = jaccli.hvpfun(lambda x: np.sum(x ** 2))
    with pytest.raises(jaccli.InputError, match="shape"):
        hessp(np.ones(3), np.ones(4))
    with pytest.raises(jaccli.InputError, match="dtype int"):
        hessp(np.arange(3), np.ones(3))
    with pytest.raises(jaccli.InputError, match="scalar f"):
        jaccli.hvpfun(lambda x: x ** 2)(np.ones(3), np.ones(3))


def _table_case(case, seed):
    """(s, x, rest, k): s(x, *rest) = sum(w * f(...)) with f's differentiated argument k
    (its first) moved to the front, at the case's point number ``seed``."""
    import zlib
    rng = np.random.default_rng(zlib.crc32(("hvp" + case.name).encode()) + seed)
    args = tuple(np.asarray(a, dtype=np.float64) for a in case.sample(rng))
    k = case.argnums[0] if isinstance(case.argnums, tuple) else case.argnums
    w = np.random.default_rng(zlib.crc32(case.name.encode())).standard_normal(
        np.shape(case.fn(*args)))

    def s(x, *rest):
        call = list(rest)
        call.insert(k, x)
        return np.sum(w * case.fn(*call))
    return s, args[k], args[:k] + args[k + 1:], k


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_table_case_hvp_at_new_points(case):
    """Every case of the derivative table, projected to a scalar: H v from hvpfun (traced at
    the first point, compiled from the second) equals the dense Hessian (checked against
    central differences of the gradient in tests/test_hessian_cases.py) times v."""
    from jaccli.hessian import flat_hessian
    s, _, _, _ = _table_case(case, 0)
    points = [_table_case(case, seed)[1:] for seed in range(3)]
    shapes = {np.shape(case.fn(*(rest[:k] + (x,) + rest[k:]))) for x, rest, k in points}
    if len(shapes) > 1:
        pytest.skip("the output's shape depends on the point (a boolean mask): no fixed w")
    hessp = jaccli.hvpfun(s)
    for seed in range(3):
        _, x, rest, _ = _table_case(case, seed)      # s (and its w) from the first
        v = np.random.default_rng(seed).standard_normal(x.shape)
        try:
            H = flat_hessian(s, (x,) + rest, 0).matrix
        except jaccli.TracingError:   # f writes x into an array made from another argument
            every = tuple(range(1 + len(rest)))       # (like=u): traced with x, as hvpfun does
            H = np.asarray(jaccli.hessian(s, x, *rest, argnums=every)[0][0]).reshape(
                x.size, x.size)
        want = (H @ v.ravel()).reshape(x.shape)
        scale = max(1.0, float(np.max(np.abs(H), initial=0.0)))
        with np.errstate(all="ignore"):
            got = hessp(x, v, *rest)
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10 * scale * max(1, x.size))
