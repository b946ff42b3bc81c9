"""The dtype rule (float32 in, float32 out on every path; float16 computed in float32 with a
PrecisionWarning; mixed float32/float64 promote to float64) and the engine arguments'
errors (memory_limit as a size string, chunk_size that is not a positive int)."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import jaccli


def f(x):
    return np.sin(x) * x.sum()


def g(x):
    return (x ** 2).sum() * x[0]


X = np.linspace(0.1, 1.0, 4)
PATHS = {
    "jacobian-fwd": lambda x: jaccli.jacobian(f, x, mode="fwd"),
    "jacobian-rev": lambda x: jaccli.jacobian(f, x, mode="rev"),
    "jacobian-sparse": lambda x: jaccli.jacobian(f, x, sparse=True),
    "jacobian-batched": lambda x: jaccli.jacobian(f, np.stack([x, x + 1]), batched=True),
    "jacobian-batched-sparse": lambda x: jaccli.jacobian(
        f, np.stack([x, x + 1]), batched=True, sparse=True)[1],
    "jvp": lambda x: jaccli.jvp(f, (x,), (x,))[1],
    "vjp": lambda x: jaccli.vjp(f, x)[1](np.ones(4))[0],
    "hessian": lambda x: jaccli.hessian(g, x),
    "hessian-sparse": lambda x: jaccli.hessian(g, x, sparse=True),
    "hessian-batched": lambda x: jaccli.hessian(g, np.stack([x, x + 1]), batched=True),
    "hvp": lambda x: jaccli.hvp(g, (x,), (x,))[1][0],
    "jacfun": lambda x: jaccli.jacfun(f)(x),
    "jacfun-sparse": lambda x: jaccli.jacfun(f, sparse=True)(x),
    "hessfun": lambda x: jaccli.hessfun(g)(x),
}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_float32_in_float32_out(path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # no warning for float32
        out = PATHS[path](X.astype(np.float32))
    assert out.dtype == np.float32, f"{path}: {out.dtype}"
    ref = PATHS[path](X)
    assert ref.dtype == np.float64
    a, b = (m.toarray() if sp.issparse(m) else np.asarray(m) for m in (out, ref))
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("path", sorted(PATHS))
def test_float16_computed_in_float32_with_a_warning(path):
    with pytest.warns(jaccli.PrecisionWarning, match="float16.*float32"):
        out = PATHS[path](X.astype(np.float16))
    assert out.dtype == np.float32, f"{path}: {out.dtype}"


def test_mixed_float32_float64_promotes():
    a, b = np.ones(3, np.float32), np.ones(3)
    Ja, Jb = jaccli.jacobian(lambda u, v: u * v, a, b, argnums=(0, 1))
    assert Ja.dtype == Jb.dtype == np.float64
    assert jaccli.jacobian(lambda u, v: u * v, a, a).dtype == np.float32


@pytest.mark.parametrize("size, expect", [("2GB", 2 * 10 ** 9), ("64MiB", 64 * 2 ** 20),
                                          (10 ** 6, 10 ** 6)])
def test_memory_limit_sizes(size, expect):
    from jaccli.api import _check_memory_limit
    assert _check_memory_limit(size) == expect
    J = jaccli.jacobian(f, X, memory_limit=size)
    np.testing.assert_allclose(J, jaccli.jacobian(f, X))
    Xs = np.stack([X, X + 1])
    np.testing.assert_allclose(jaccli.jacobian(f, Xs, batched=True, memory_limit=size),
                               jaccli.jacobian(f, Xs, batched=True))
    np.testing.assert_allclose(jaccli.hessian(g, X, memory_limit=size), jaccli.hessian(g, X))


@pytest.mark.parametrize("bad", ["lots", "-2GB", 0, -5, float("nan")])
def test_bad_memory_limit_names_the_argument(bad):
    with pytest.raises(jaccli.InputError, match="memory_limit"):
        jaccli.jacobian(f, X, memory_limit=bad)


@pytest.mark.parametrize("bad", [0, -1, 2.5, "4", True])
@pytest.mark.parametrize("call", ["jacobian", "batched", "hessian", "jacfun"])
def test_bad_chunk_size_names_the_argument(bad, call):
    run = {"jacobian": lambda: jaccli.jacobian(f, X, chunk_size=bad),
           "batched": lambda: jaccli.jacobian(f, np.stack([X, X]), batched=True,
                                              chunk_size=bad),
           "hessian": lambda: jaccli.hessian(g, X, chunk_size=bad),
           "jacfun": lambda: jaccli.jacfun(f, chunk_size=bad)(X)}[call]
    with pytest.raises(jaccli.InputError, match="chunk_size"):
        run()


@pytest.mark.parametrize("path", ["jacobian-fwd", "jacobian-batched", "vjp", "hessian",
                                  "jacfun", "jacobian-batched-sparse"])
def test_bfloat16_computed_in_float32_with_a_warning(path):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    with pytest.warns(jaccli.PrecisionWarning, match="bfloat16.*float32"):
        out = PATHS[path](X.astype(ml_dtypes.bfloat16))
    assert out.dtype == np.float32, f"{path}: {out.dtype}"


def test_complex_and_object_arguments_are_still_refused():
    for bad in (X.astype(complex), X.astype(object)):
        with pytest.raises(jaccli.InputError, match="dtype"):
            jaccli.jacobian(f, bad)
