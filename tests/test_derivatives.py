"""Table-driven derivative tests: every case in the case tables, in every mode, against central
finite differences at a fixed-seed random point inside the function's domain.

Variants: jacobian fwd/rev with chunk_size None (all seeds batched), 1 (one seed per sweep) and
3 (partial last chunk); jvp with a random tangent against J @ v; vjp with a random cotangent
against u @ J.
"""
import zlib

import numpy as np
import pytest

import derivative_cases_more  # noqa: F401  (fills the table)
from derivative_cases import CASES

jaccli = pytest.importorskip("jaccli")

JACOBIAN_VARIANTS = {
    "fwd-batched": ("fwd", None),
    "fwd-unbatched": ("fwd", 1),
    "fwd-chunk3": ("fwd", 3),
    "rev-batched": ("rev", None),
    "rev-unbatched": ("rev", 1),
    "rev-chunk3": ("rev", 3),
}
VARIANTS = list(JACOBIAN_VARIANTS) + ["jvp", "vjp"]


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def as_tuple(argnums):
    return argnums if isinstance(argnums, tuple) else (argnums,)


def fd_jacobian(f, args, k):
    """Central differences of f with respect to args[k]; shape f(*args).shape + args[k].shape."""
    y = np.asarray(f(*args))
    x = args[k]
    cols = []
    for j in range(x.size):
        h = 1e-6 * max(1.0, abs(x.flat[j]))
        xp, xm = x.copy(), x.copy()
        xp.flat[j] += h
        xm.flat[j] -= h
        step = xp.flat[j] - xm.flat[j]
        yp = np.asarray(f(*args[:k], xp, *args[k + 1:]), dtype=float)
        ym = np.asarray(f(*args[:k], xm, *args[k + 1:]), dtype=float)
        cols.append((yp - ym).ravel() / step)
    J = np.stack(cols, axis=-1) if cols else np.zeros((y.size, 0))
    return J.reshape(y.shape + x.shape)


_REFERENCE = {}


def reference(case):
    """(args, y, {argnum: J}) for a case, computed once."""
    if case.name not in _REFERENCE:
        args = tuple(np.asarray(a, dtype=np.float64) for a in case.sample(rng_for(case.name)))
        y = np.asarray(case.fn(*args), dtype=np.float64)
        J = {k: fd_jacobian(case.fn, args, k) for k in as_tuple(case.argnums)}
        _REFERENCE[case.name] = (args, y, J)
    return _REFERENCE[case.name]


def assert_close(actual, expected, case, what):
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, f"{case.name} {what}: shape {actual.shape}, expected {expected.shape}"
    err = np.max(np.abs(actual - expected), initial=0.0)
    np.testing.assert_allclose(actual, expected, rtol=case.rtol, atol=case.atol,
                               err_msg=f"{case.name} {what}: max abs error {err:.3g}")


def contract(J, v, n_out_dims):
    """J (out + in) applied to v (in) -> out."""
    return np.tensordot(J, v, axes=J.ndim - n_out_dims)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_derivative(case, variant):
    args, y, J_ref = reference(case)
    argnums = as_tuple(case.argnums)
    rng = np.random.default_rng(zlib.crc32((case.name + variant).encode()))
    if variant in JACOBIAN_VARIANTS:
        mode, chunk_size = JACOBIAN_VARIANTS[variant]
        J = jaccli.jacobian(case.fn, *args, argnums=case.argnums, mode=mode, chunk_size=chunk_size)
        if not isinstance(case.argnums, tuple):
            J = (J,)
        assert isinstance(J, tuple) and len(J) == len(argnums), f"{case.name}: got {type(J)}"
        for k, Jk in zip(argnums, J):
            assert_close(Jk, J_ref[k], case, f"{variant} d/darg{k}")
            assert np.asarray(Jk).dtype == np.float64, f"{case.name} {variant}: dtype {np.asarray(Jk).dtype}"
    elif variant == "jvp":
        tangents = tuple(rng.standard_normal(a.shape) if k in argnums else np.zeros(a.shape)
                         for k, a in enumerate(args))
        y_out, ydot = jaccli.jvp(case.fn, args, tangents)
        assert_close(y_out, y, case, "jvp primal out")
        expected = sum(contract(J_ref[k], tangents[k], y.ndim) for k in argnums)
        assert_close(ydot, np.asarray(expected), case, "jvp tangent out")
    else:
        y_out, vjp_fn = jaccli.vjp(case.fn, *args)
        assert_close(y_out, y, case, "vjp primal out")
        ybar = rng.standard_normal(y.shape)
        cotangents = vjp_fn(ybar)
        assert len(cotangents) == len(args)
        for k in argnums:
            expected = np.tensordot(ybar, J_ref[k], axes=y.ndim)
            assert_close(cotangents[k], np.asarray(expected), case, f"vjp cotangent arg{k}")


def test_case_names_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


def test_references_are_sane():
    """The finite-difference references themselves: finite, and not all zero except where the
    case is about a zero derivative."""
    zero_ok = ("sign_alone", "floor_alone", "prod-two_zeros")
    for c in CASES:
        args, y, J = reference(c)
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

@pytest.mark.parametrize("case", [c for c in CASES if c.name.startswith("composite-")],
                         ids=lambda c: c.name)
def test_forward_equals_reverse(case):
    args, _, _ = reference(case)
    Jf = jaccli.jacobian(case.fn, *args, argnums=case.argnums, mode="fwd")
    Jr = jaccli.jacobian(case.fn, *args, argnums=case.argnums, mode="rev")
    if not isinstance(case.argnums, tuple):
        Jf, Jr = (Jf,), (Jr,)
    for a, b in zip(Jf, Jr):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


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
