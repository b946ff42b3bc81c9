"""The derivative checker of the case tables (tests/cases): central-difference references and
the comparison of jaccli's Jacobian, JVP and VJP with them.

Variants: jacobian fwd/rev with chunk_size None (all seeds batched), 1 (one seed per sweep) and
3 (partial last chunk); jvp with a random tangent against J @ v; vjp with a random cotangent
against u @ J.
"""
import zlib

import numpy as np

import jaccli

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


def check_derivative(case, variant):
    """One case in one variant against the central-difference reference."""
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
