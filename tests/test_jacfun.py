"""jaccli.jacfun: a reusable Jacobian function. Every case of the derivative table, at a
second and third point (the cached, compiled path), equals jacobian at that point; the cache
keys, re-checks decisions and traces again where it must; closures are taken as at the
first call (documented)."""
import warnings

import numpy as np
import pytest

import jaccli
from cases import CASES
from checks import rng_for

pytestmark = pytest.mark.filterwarnings(
    "ignore:Arrays of 2-dimensional vectors:DeprecationWarning")


def _same(a, b):
    import scipy.sparse as sp
    if sp.issparse(b):
        assert sp.issparse(a) and a.format == "csr" and a.shape == b.shape
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a.indptr, b.indptr)
        np.testing.assert_array_equal(a.indices, b.indices)
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12, atol=1e-12)
        return
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
        return
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode,chunk_size", [("fwd", None), ("rev", None), ("fwd", 3),
                                             ("rev", 3), ("auto", None)])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_table_case_at_new_points(case, mode, chunk_size):
    rng = rng_for(case.name + "/jacfun")
    jac = jaccli.jacfun(case.fn, argnums=case.argnums, mode=mode, chunk_size=chunk_size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            args = case.sample(rng)
            want = jaccli.jacobian(case.fn, *args, argnums=case.argnums, mode=mode,
                                   chunk_size=chunk_size)
            _same(jac(*args), want)


@pytest.mark.parametrize("mode", ["auto", "fwd", "rev"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_table_case_sparse(case, mode):
    """sparse=True: the flat csr_array of jacobian(..., sparse=True), the same pattern."""
    rng = rng_for(case.name + "/jacfun-sparse")
    jac = jaccli.jacfun(case.fn, argnums=case.argnums, mode=mode, sparse=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(3):
            args = case.sample(rng)
            want = jaccli.jacobian(case.fn, *args, argnums=case.argnums, mode=mode,
                                   sparse=True)
            _same(jac(*args), want)


# ---------------------------------------------------------------- the cache

def test_traces_once_for_one_signature():
    calls = []

    def f(x, W):
        calls.append(1)
        return np.tanh(W @ x) * np.sin(x[:3]).sum()

    rng = np.random.default_rng(0)
    W = rng.standard_normal((4, 5))
    jac = jaccli.jacfun(f)
    for _ in range(5):
        x = rng.standard_normal(5)
        _same(jac(x, W), jaccli.jacobian(f, x, W))
    assert jac.traces == 1


def test_non_differentiated_float_argument_is_an_input_not_a_constant():
    """Changing an argument always changes the answer: W is not differentiated, yet a new W
    gives the Jacobian at the new W, without a new trace."""
    def f(x, W):
        return np.tanh(W @ x)

    rng = np.random.default_rng(1)
    x = rng.standard_normal(3)
    jac = jaccli.jacfun(f)
    for _ in range(3):
        W = rng.standard_normal((2, 3))
        _same(jac(x, W), jaccli.jacobian(f, x, W))
    assert jac.traces == 1


def test_new_shape_or_dtype_traces_again():
    jac = jaccli.jacfun(lambda x: np.sin(x) * x.sum())
    for n in (2, 3, 2, 3):
        x = np.linspace(0.1, 1, n)
        _same(jac(x), jaccli.jacobian(lambda x: np.sin(x) * x.sum(), x))
    assert jac.traces == 2
    x32 = np.linspace(0.1, 1, 3, dtype=np.float32)
    _same(jac(x32), jaccli.jacobian(lambda x: np.sin(x) * x.sum(), x32))
    assert jac.traces == 3


def test_lru_cache_is_small():
    jac = jaccli.jacfun(lambda x: x * x)
    for n in range(1, 20):
        jac(np.ones(n))
    assert len(jac._cache) <= 8


def test_integer_and_string_arguments_are_keyed_by_value():
    def f(x, k, how):
        y = x[:k] ** 2
        return y.sum() if how == "sum" else y

    x = np.arange(1.0, 6.0)
    jac = jaccli.jacfun(f)
    for k, how in [(2, "sum"), (3, "sum"), (2, "all"), (2, "sum")]:
        _same(jac(x, k, how), jaccli.jacobian(f, x, k, how))
    assert jac.traces == 3


def test_integer_array_argument_keyed_by_value():
    def f(x, idx):
        return x[idx] * 2.0

    x = np.arange(1.0, 6.0)
    jac = jaccli.jacfun(f)
    for idx in ([0, 1], [3, 4], [0, 1]):
        idx = np.array(idx)
        _same(jac(x, idx), jaccli.jacobian(f, x, idx))
    assert jac.traces == 2


def test_unkeyable_argument_traces_every_call():
    def f(x, opts):
        return x * opts["scale"]

    x = np.ones(3)
    jac = jaccli.jacfun(f)
    _same(jac(x, {"scale": 2.0}), 2.0 * np.eye(3))
    _same(jac(x, {"scale": 3.0}), 3.0 * np.eye(3))


def test_float_argument_used_as_a_number_falls_back_to_tracing():
    """f reads a float argument with math (not differentiated): it cannot be a graph input;
    every call then traces, as jacobian does, with the right answer."""
    import math

    def f(x, t):
        return x * math.exp(t)

    x = np.ones(2)
    jac = jaccli.jacfun(f)
    for t in (0.0, 1.0, 2.0):
        _same(jac(x, t), jaccli.jacobian(f, x, t))


# ---------------------------------------------------------------- never stale

def test_branch_is_rechecked_and_each_path_kept():
    def f(x):
        if x[0] > 0:
            return np.sin(x) * 2.0
        return np.cos(x) * x

    jac = jaccli.jacfun(f)
    points = [np.array([1.0, 2.0]), np.array([-1.0, 2.0]), np.array([0.5, 1.0]),
              np.array([-2.0, 3.0])]
    for x in points + points:
        _same(jac(x), jaccli.jacobian(f, x))
    assert jac.traces == 2          # one per path, then both reused


def test_traced_index_is_rechecked():
    def f(x, ix):
        k = (ix * 0 + np.floor(ix)).astype(int)[0]     # a traced integer used as an index
        return x[k] * x

    x = np.arange(1.0, 5.0)
    jac = jaccli.jacfun(f)
    for i in (1.2, 2.7, 1.5, 3.1):
        ix = np.array([i])
        _same(jac(x, ix), jaccli.jacobian(f, x, ix))


def test_unverifiable_read_traces_every_call():
    def f(x):
        return x * x[np.argmax(x)]

    jac = jaccli.jacfun(f)
    for x in ([1.0, 3.0, 2.0], [5.0, 1.0, 2.0], [1.0, 2.0, 7.0]):
        x = np.array(x)
        _same(jac(x), jaccli.jacobian(f, x))
    assert jac.traces == 3


def test_changing_an_argument_always_changes_the_answer():
    def f(x, a):
        return np.exp(a * x) + x ** 3

    jac = jaccli.jacfun(f)
    rng = np.random.default_rng(2)
    seen = []
    for _ in range(4):
        x, a = rng.standard_normal(3), rng.standard_normal(3)
        J = jac(x, a)
        _same(J, jaccli.jacobian(f, x, a))
        assert not any(np.allclose(J, K) for K in seen)
        seen.append(J)


def test_closure_arrays_are_taken_as_at_the_first_call():
    """Documented, as jax.jit: an array f reads that is not an argument is a constant of the
    graph made at the first call; rebinding it later does not reach the cached Jacobian.
    Pass it as an argument instead (previous test)."""
    state = {"A": np.diag([1.0, 2.0])}

    def f(x):
        return state["A"] @ x

    x = np.ones(2)
    jac = jaccli.jacfun(f)
    _same(jac(x), np.diag([1.0, 2.0]))
    state["A"] = np.diag([5.0, 7.0])
    _same(jac(x), np.diag([1.0, 2.0]))                  # as at the first call
    _same(jaccli.jacobian(f, x), np.diag([5.0, 7.0]))   # jacobian reads it afresh


# ---------------------------------------------------------------- the contract of jacobian

def test_shapes_as_jacobian():
    def f(x, W):
        return np.tanh(W @ x), (x ** 2).sum()

    x, W = np.ones(3), np.ones((2, 3))
    for argnums in (0, 1, (0, 1), (1,)):
        jac = jaccli.jacfun(f, argnums=argnums)
        jac(x, W)
        _same(jac(x * 0.5, W), jaccli.jacobian(f, x * 0.5, W, argnums=argnums))


def test_scalar_function_gives_the_gradient_shape():
    jac = jaccli.jacfun(lambda x: (x ** 2).sum())
    x = np.arange(3.0)
    jac(x)
    g = jac(x + 1)
    assert g.shape == (3,)
    _same(g, 2 * (x + 1))


def test_python_scalars():
    def f(x1, x2):
        return np.log(x1) + x1 * x2 - np.sin(x2)

    jac = jaccli.jacfun(f, argnums=(0, 1))
    for p in [(2.0, 5.0), (3.0, 1.0), (2.0, 5.0)]:
        _same(jac(*p), jaccli.jacobian(f, *p, argnums=(0, 1)))
    assert jac.traces == 1


@pytest.mark.parametrize("bad", [dict(mode="sideways"), dict(chunk_size=0),
                                 dict(memory_limit="lots")])
def test_bad_options_raise_at_once(bad):
    with pytest.raises(jaccli.InputError):
        jaccli.jacfun(lambda x: x, **bad)


def test_same_errors_as_jacobian():
    jac = jaccli.jacfun(lambda x: x * 2)
    with pytest.raises(jaccli.InputError, match="dtype int"):
        jac(np.arange(3))
    jac2 = jaccli.jacfun(lambda x: x * 2, argnums=3)
    with pytest.raises(jaccli.InputError, match="argnums"):
        jac2(np.ones(2))
    jac(np.ones(2))
    with pytest.raises(jaccli.InputError, match="dtype int"):   # also once cached
        jac(np.arange(2))


def test_bad_sparse_option():
    with pytest.raises(jaccli.InputError, match="True or False"):
        jaccli.jacfun(lambda x: x, sparse="yes")
    with pytest.raises(jaccli.InputError, match="argnums=0"):
        jaccli.hvpfun(lambda x: x.sum(), argnums=1)


def test_hessfun_as_hessian():
    def f(x, W):
        return np.tanh(W @ x).sum() * x[0] + np.sum(W ** 3) * x[1]

    rng = np.random.default_rng(8)
    W = rng.standard_normal((3, 3))
    for argnums in (0, 1, (0, 1)):
        hess = jaccli.hessfun(f, argnums=argnums)
        for _ in range(3):
            x = rng.standard_normal(3)
            _same(hess(x, W), jaccli.hessian(f, x, W, argnums=argnums))
        assert hess.traces == 1


def test_hessfun_of_a_vector_function_and_a_branch():
    def f(x):
        if x[0] > 0:
            return np.sin(x) * x.sum()
        return x ** 3

    hess = jaccli.hessfun(f)
    for first in (1.0, -1.0, 0.5, -0.5):
        x = np.array([first, 0.3, -0.2])
        _same(hess(x), jaccli.hessian(f, x))
    assert hess.traces == 2


def test_hvpfun_is_the_hessian_times_v():
    def f(x, c):
        return np.sum(np.exp(c * x) * x ** 2)

    rng = np.random.default_rng(9)
    hvp = jaccli.hvpfun(f)
    for _ in range(3):
        x, v, c = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4)
        np.testing.assert_allclose(hvp(x, v, c), jaccli.hessian(f, x, c) @ v, rtol=1e-12,
                                   atol=1e-12)
    assert hvp.traces == 1


def test_large_chunked_and_memory_limited():
    rng = np.random.default_rng(3)
    A = rng.standard_normal((40, 30))

    def f(x):
        return np.tanh(A @ x) + x[:40 if x.size >= 40 else x.size].sum()

    jac = jaccli.jacfun(f, chunk_size=7, mode="fwd")
    for _ in range(3):
        x = rng.standard_normal(30)
        _same(jac(x), jaccli.jacobian(f, x, chunk_size=7, mode="fwd"))
    jac = jaccli.jacfun(f, memory_limit="64MB", mode="rev", chunk_size=9)
    for _ in range(3):
        x = rng.standard_normal(30)
        _same(jac(x), jaccli.jacobian(f, x, mode="rev", chunk_size=9))


# ---------------------------------------------------------------- compressed sweeps

def _bratu(n, lam=1.0):
    h = 1.0 / (n + 1)

    def F(u):
        up = np.concatenate([np.zeros(1), u, np.zeros(1)])
        return (up[:-2] - 2 * up[1:-1] + up[2:]) / h ** 2 + lam * np.exp(u)
    return F


@pytest.fixture
def compress_at_once(monkeypatch):
    """Look for the pattern at the first reuse (normally once the path has cost about as
    much as the analysis is estimated to: ``analysis_seconds``)."""
    import sys
    module = sys.modules["jaccli.jacfun_sweeps"]
    for name in ("COMPRESS_BASE_SECONDS", "COMPRESS_PER_EQUATION", "COMPRESS_PER_ENTRY",
                 "COMPRESS_IMPORT_SECONDS"):
        monkeypatch.setattr(module, name, 0.0)


@pytest.mark.parametrize("mode", ["auto", "fwd", "rev"])
def test_sparse_pattern_gives_the_same_dense_jacobian(mode, compress_at_once):
    """A stencil's J (tridiagonal) is swept with 3 colours instead of n seeds from the second
    call on; the dense result equals jacobian's."""
    F = _bratu(120)
    jac = jaccli.jacfun(F, mode=mode)
    rng = np.random.default_rng(4)
    for _ in range(3):
        u = rng.uniform(0, 1, 120)
        _same(jac(u), jaccli.jacobian(F, u, mode=mode))
    sweeper = jac._cache[next(iter(jac._cache))].paths[0].sweeper
    assert sweeper.compressed is not None and sweeper.compressed[2] <= 4


def test_compressed_with_branches_and_two_inputs(compress_at_once):
    def F(u, v):
        if u[0] > 0:
            return np.sin(u) * v + np.roll(u, 1)
        return u * u - v

    jac = jaccli.jacfun(F, argnums=(0, 1))
    rng = np.random.default_rng(5)
    for _ in range(6):
        u, v = rng.standard_normal(64), rng.standard_normal(64)
        _same(jac(u, v), jaccli.jacobian(F, u, v, argnums=(0, 1)))
    assert jac.traces == 2


def test_compression_waits_for_costly_sweeps(monkeypatch):
    """No pattern analysis while the path has cost less than the analysis would (an
    estimate of 1 s here: three calls of a 120 x 120 stencil cost far less)."""
    import sys
    monkeypatch.setattr(sys.modules["jaccli.jacfun_sweeps"], "COMPRESS_BASE_SECONDS", 1.0)
    F = _bratu(120)
    jac = jaccli.jacfun(F)
    for _ in range(3):
        jac(np.full(120, 0.5))
    assert jac._cache[next(iter(jac._cache))].paths[0].sweeper.compressed is None


@pytest.mark.parametrize("mode", ["auto", "fwd", "rev"])
def test_sparse_true_reuses_pattern_and_colouring(mode):
    import scipy.sparse as sp
    F = _bratu(300)
    jac = jaccli.jacfun(F, mode=mode, sparse=True)
    rng = np.random.default_rng(7)
    for _ in range(4):
        u = rng.uniform(0, 1, 300)
        S = jac(u)
        assert isinstance(S, sp.csr_array) and S.nnz == 3 * 300 - 2
        _same(S, jaccli.jacobian(F, u, mode=mode, sparse=True))
    path = jac._cache[next(iter(jac._cache))].paths[0]
    assert jac.traces == 1 and path.sweeper.compressed[2] == 3
    _same(jac.flat(u), S)


def test_sparse_true_with_a_branch_has_one_pattern_per_path():
    def F(u):
        if u[0] > 0:
            return u * np.roll(u, 1)
        return np.sin(u)

    jac = jaccli.jacfun(F, sparse=True)
    for first in (1.0, -1.0, 2.0, -2.0):
        u = np.linspace(0.1, 1, 50)
        u[0] = first
        _same(jac(u), jaccli.jacobian(F, u, sparse=True))
    assert jac.traces == 2


def test_dense_pattern_stays_dense(compress_at_once):
    A = np.random.default_rng(6).standard_normal((50, 50))
    jac = jaccli.jacfun(lambda x: np.tanh(A @ x))
    x = np.ones(50)
    jac(x)
    _same(jac(x * 0.5), jaccli.jacobian(lambda x: np.tanh(A @ x), x * 0.5))
    assert jac._cache[next(iter(jac._cache))].paths[0].sweeper.compressed is None
