"""np.fft on traced arrays beyond the derivative tables (tests/cases/fft.py): many points in
one batched sweep, second order, exact sparsity along untransformed axes, NumPy's errors, and
the hand-derived adjoints against the explicit DFT matrices."""
import numpy as np
import pytest

import jaccli
from jaccli.errors import TracingError

RNG = np.random.default_rng(17)
MODES = ("fwd", "rev")


def _spectral(x):
    """du/dx of a periodic signal by the FFT, then a nonlinearity: a spectral solver's step."""
    k = 2j * np.pi * np.fft.rfftfreq(x.shape[-1])
    return np.fft.irfft(k * np.fft.rfft(x * x, axis=-1), n=x.shape[-1], axis=-1) + np.sin(x)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn", [
    _spectral,
    lambda x: np.abs(np.fft.fft2(x.reshape(2, 3), norm="ortho")).ravel(),
    lambda x: np.fft.irfftn(np.fft.fftn(x.reshape(2, 3)) * (1 + 1j), s=(2, 4)).ravel(),
], ids=["spectral", "fft2_abs", "irfftn_of_fftn"])
def test_batched_points_equal_a_loop(fn, mode):
    pts = RNG.standard_normal((4, 6))
    J = jaccli.jacobian(fn, pts, batched=True, mode=mode)
    loop = np.stack([jaccli.jacobian(fn, p, mode=mode) for p in pts])
    np.testing.assert_allclose(J, loop, rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("n", [5, 6])
def test_jacobians_are_the_dft_matrices(n):
    """J of rfft / irfft against the explicit DFT matrix: for irfft the weights 1, 2, ..., 2,
    (1 when n is even) of the half spectrum, read off the matrix itself."""
    j = np.arange(n)
    E = np.exp(-2j * np.pi * np.outer(j, j) / n)                # fft matrix
    m = n // 2 + 1
    x = RNG.standard_normal(n)
    for mode in MODES:
        Jr = jaccli.jacobian(lambda v: np.real(np.fft.rfft(v)), x, mode=mode)
        Ji = jaccli.jacobian(lambda v: np.imag(np.fft.rfft(v)), x, mode=mode)
        np.testing.assert_allclose(Jr + 1j * Ji, E[:m], atol=1e-12)
        # irfft(y) for y = a + i b: the derivative in a and in b
        Ja = jaccli.jacobian(lambda a: np.fft.irfft(a + 0j, n=n), x[:m], mode=mode)
        Jb = jaccli.jacobian(lambda b: np.fft.irfft(1j * b, n=n), x[:m], mode=mode)
        w = np.full(m, 2.0)
        w[0] = 1.0
        if n % 2 == 0:
            w[-1] = 1.0
        G = np.conj(E[:, :m]) * w / n                           # irfft = Re(G y)
        np.testing.assert_allclose(Ja, G.real, atol=1e-12)
        np.testing.assert_allclose(Jb, -G.imag, atol=1e-12)


def test_hessian_of_a_spectral_energy():
    f = lambda x: np.sum(np.abs(np.fft.rfft(x)) ** 2)
    x = RNG.standard_normal(6)
    # sum_k |X_k|^2 over the half spectrum: a quadratic form x^T Q x, Q = Re(R^H R)
    j = np.arange(6)
    R = np.exp(-2j * np.pi * np.outer(j[:4], j) / 6)
    np.testing.assert_allclose(jaccli.hessian(f, x), 2 * np.real(R.conj().T @ R), atol=1e-10)


def test_sparsity_is_dense_only_along_the_transformed_axis():
    f = lambda x: np.real(np.fft.fft(x, axis=1)).ravel()
    P = jaccli.sparsity(f, RNG.standard_normal((3, 4))).toarray()
    np.testing.assert_array_equal(P, np.kron(np.eye(3, dtype=bool), np.ones((4, 4), bool)))
    g = lambda x: np.fft.irfft(np.fft.rfft(x, axis=0), n=3, axis=0).ravel()
    P = jaccli.sparsity(g, RNG.standard_normal((3, 2))).toarray()
    np.testing.assert_array_equal(P, np.kron(np.ones((3, 3), bool), np.eye(2, dtype=bool)))


@pytest.mark.parametrize("fn, err, match", [
    (lambda x: np.fft.rfft(x * 1j).real, TracingError, "discards the imaginary part"),
    (lambda x: np.fft.fft(x, norm="unitary").real, ValueError, "Invalid norm"),
    (lambda x: np.fft.fftn(x.reshape(2, 2), axes=(0, 0)).real, TracingError, "repeated axes"),
    (lambda x: np.fft.fft(x, n=0).real, ValueError, "Invalid number of FFT data points"),
    (lambda x: np.fft.fft(x, axis=2).real, np.exceptions.AxisError, "axis 2"),
    (lambda x: np.fft.fft(x), jaccli.InputError, r"np.real\(y\)"),
])
def test_errors(fn, err, match):
    with pytest.raises(err, match=match):
        jaccli.jacobian(fn, np.arange(4.0))


def test_float32_stays_float32():
    x = RNG.standard_normal(6).astype(np.float32)
    J = jaccli.jacobian(lambda v: np.fft.irfft(np.fft.rfft(v) * 2, n=6), x)
    assert J.dtype == np.float32
    np.testing.assert_allclose(J, 2 * np.eye(6), atol=1e-5)
