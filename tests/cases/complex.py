"""Derivative cases: complex intermediates of real -> real functions (rules.py, "complex
intermediates"). Every case maps real arrays to real arrays, so its Jacobian is real and the
central differences of the real function are the reference."""
import numpy as np

from .table import away, case, normal, uniform

W = np.array([[1.0 + 2.0j, -0.5j, 0.3], [0.7 - 1.0j, 2.0, 1.0j]])   # a complex constant (2, 3)
C = np.array([0.5 + 1.5j, -1.0 + 0.25j, 2.0j])                        # (3,)


def _z(x):
    """A complex intermediate from a real x: real and imaginary parts both vary with x."""
    return x * (0.8 + 0.6j) + np.exp(0.5j * x)


# The examples first; then each family of operations on a complex operand.
case("complex-imag_of_scaled", lambda x: (x * (1 + 2j)).imag, normal((4,)))
case("complex-abs_of_scaled", lambda x: np.abs(x * (1 + 1j)), away(0.2, 2.0, (4,)))
case("complex-real_exp_ix", lambda x: np.real(np.exp(1j * x)), normal((4,)))
case("complex-attr_real_imag", lambda x: _z(x).real * _z(x).imag, normal((2, 3)))
case("complex-conj", lambda x: np.real(np.conj(_z(x)) * (1 + 2j)) + np.imag(_z(x).conj()),
     normal((4,)))
case("complex-conjugate_ufunc", lambda x: np.imag(np.conjugate(_z(x)) * C), normal((3,)))
case("complex-angle", lambda x: np.angle(_z(x)) + np.angle(_z(x), deg=True) * 0.01,
     uniform(0.3, 2.0, (4,)))
case("complex-abs_z", lambda x: np.abs(_z(x)) + np.absolute(_z(x) * C[:1]), normal((3,)))
case("complex-arith", lambda x: np.real((_z(x) + 1j) * (_z(x) - 2.0) / (_z(x) + 3.0 + 1j)
                                         - (-_z(x))), normal((2, 3)))
case("complex-powers", lambda x: np.imag(_z(x) ** 2 + _z(x) ** 1.5 + np.square(_z(x))
                                         + np.reciprocal(_z(x)) + _z(x) ** _z(x)),
     uniform(0.3, 2.0, (4,)))
case("complex-exp_log_sqrt", lambda x: np.real(np.log(_z(x)) + np.sqrt(_z(x)) + np.exp(_z(x))
                                               + np.log1p(_z(x)) + np.expm1(_z(x))),
     uniform(0.3, 2.0, (4,)))
case("complex-trig", lambda x: np.imag(np.sin(_z(x)) + np.cos(_z(x)) + np.tan(0.3 * _z(x))
                                       + np.sinh(_z(x)) + np.cosh(_z(x)) + np.tanh(_z(x))),
     normal((4,)))
case("complex-inverse_trig", lambda x: np.real(np.arctan(_z(x)) + np.arcsinh(_z(x))
                                               + np.arcsin(0.3 * _z(x))) + np.imag(
    np.arctanh(0.3 * _z(x))), uniform(0.3, 1.5, (4,)))
case("complex-astype", lambda x: np.imag(x.astype(complex) * C), normal((3,)))
case("complex-where", lambda x: np.real(np.where(x > 0, _z(x), 1j * x) * (1 - 1j)),
     away(0.2, 2.0, (4,)))
case("complex-matmul_const", lambda x: np.abs(W @ _z(x)), normal((3,)))
case("complex-matmul_both", lambda x: np.real(np.outer(_z(x), C) @ _z(x)), normal((3,)))
case("complex-einsum", lambda x: np.imag(np.einsum("ij,j->i", W, _z(x)) * np.einsum(
    "i,i->", _z(x), C)), normal((3,)))
case("complex-sum_mean_prod", lambda x: np.real(np.sum(_z(x), axis=0) * np.mean(_z(x))
                                                + np.prod(_z(x), axis=0)), normal((2, 3)))
case("complex-cumsum_cumprod", lambda x: np.imag(np.cumsum(_z(x)) + np.cumprod(_z(x))),
     uniform(0.3, 1.5, (4,)))
case("complex-reshape_transpose", lambda x: np.real(_z(x).reshape(3, 2).T * W), normal((6,)))
case("complex-indexing", lambda x: np.imag(_z(x)[::-1][np.array([0, 2, 2])] * C), normal((4,)))
case("complex-concatenate", lambda x: np.abs(np.concatenate([_z(x), 1j * x, C])), normal((3,)))
case("complex-setitem", lambda x: _set_complex(x), normal((4,)))
case("complex-two_args", lambda x, y: np.real((x + 1j * y) ** 2 * np.exp(1j * y)),
     normal((3,), (3,)), argnums=(0, 1))
case("complex-broadcast", lambda x: np.imag(_z(x)[:, None] * C[None, :] + _z(x).sum()),
     normal((2,)))


def _set_complex(x):
    y = np.zeros(4, dtype=complex) + 0j * x
    y[1:] = _z(x[:3])
    y[0] = 2j * x[3]
    return np.real(y * (1 + 1j)) + np.abs(y + 0.5)


case("complex-var_std", lambda x: np.var(_z(x), axis=0) + np.std(_z(x)), normal((2, 3)))
case("complex-norms", lambda x: np.linalg.norm(_z(x)) + np.linalg.norm(_z(x), 1)
     + np.linalg.norm(_z(x).reshape(2, 2), "fro") + np.linalg.vector_norm(_z(x), ord=3),
     normal((4,)))
case("complex-vdot_cov", lambda x: np.real(np.vdot(_z(x), C[:2] * _z(x)) + np.cov(np.stack(
    [_z(x), x]))).ravel(), normal((2,)))
