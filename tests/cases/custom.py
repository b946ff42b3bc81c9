"""Derivative cases of user-defined primitives (jaccli.primitive): each function is called,
never traced, and differentiated by its rules only -- a JVP rule, a VJP rule, or both; every
checker of the table (both modes, chunks, second order, sparse, jacfun, the GPU stand-in)
then reaches the rules the way a user's primitive does. The functions use NumPy calls that
CuPy has too, so that the GPU stand-in can run them."""
import numpy as np

import jaccli

from .table import M, case, normal, uniform, well_conditioned


@jaccli.primitive
def solve_by_jvp(A, b):
    return np.linalg.solve(A, b)


@solve_by_jvp.defjvp
def _solve_jvp(primals, tangents):
    (A, b), (A_dot, b_dot) = primals, tangents
    x = solve_by_jvp(A, b)
    return x, np.linalg.solve(A, b_dot - A_dot @ x)


@jaccli.primitive
def solve_by_vjp(A, b):
    return np.linalg.solve(A, b)


@solve_by_vjp.defvjp
def _solve_vjp(primals, out, cotangent):
    A, _ = primals
    b_bar = np.linalg.solve(A.T, cotangent)
    return -np.outer(b_bar, out), b_bar


@jaccli.primitive
def logsumexp(x):
    m = x.max()
    return m + np.log(np.sum(np.exp(x - m)))


@logsumexp.defvjp
def _logsumexp_vjp(primals, out, cotangent):
    return (cotangent * np.exp(primals[0] - out),)


@jaccli.primitive(sparsity="elementwise", vectorized=True)
def softplus(x):
    return np.logaddexp(0.0, x)


@softplus.defjvp
def _softplus_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return softplus(x), t / (1.0 + np.exp(-x))


@softplus.defvjp
def _softplus_vjp(primals, out, cotangent):
    return (cotangent / (1.0 + np.exp(-primals[0])),)


case("custom-solve-jvp", lambda A, b: np.sin(solve_by_jvp(A, b)), well_conditioned(3, (3,)),
     argnums=M)
case("custom-solve-vjp", lambda A, b: np.sin(solve_by_vjp(A, b)) * b[0],
     well_conditioned(3, (3,)), argnums=M)
case("custom-solve-matrix-rhs", lambda A, B: solve_by_jvp(A, B) ** 2,
     well_conditioned(3, (3, 2)), argnums=M)
case("custom-logsumexp", lambda x: logsumexp(x) * x, normal((4,)))
case("custom-logsumexp-composite", lambda W, x: logsumexp(np.tanh(W @ x)),
     normal((3, 4), (4,)), argnums=M)
case("custom-softplus", lambda x: softplus(x) * np.cos(x), uniform(-2.0, 2.0, (2, 3)))
case("custom-softplus-in-solve", lambda A, b: solve_by_vjp(A, softplus(b)),
     well_conditioned(3, (3,)), argnums=M)

# cases whose primitives are not vectorized=True: batched= (many points) refuses them with an
# InputError (tests/test_custom_rules.py), so the many-points tables leave them out
ONE_POINT_ONLY = {"custom-solve-jvp", "custom-solve-vjp", "custom-solve-matrix-rhs",
                  "custom-logsumexp", "custom-logsumexp-composite", "custom-softplus-in-solve"}
