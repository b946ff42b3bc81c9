"""jaccli.hessian and jaccli.hvp (DESIGN.md 6.2): shapes as JAX's hessian, argnums blocks, the
inner-mode choice, sparse Hessians against dense ones, and bad input."""
import numpy as np
import pytest
import scipy.sparse as sp

import jaccli
from jaccli.hessian import ACYCLIC_EDGES, derivative_graph, flat_hessian, sparse_hessian
from jaccli.sparse.coloring import star_color
from jaccli.sparse.pattern import output_pattern
from patterns import rosenbrock_hessian


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)




def arrowhead(x):
    """x0 couples with every other entry: a dense first row and column plus the diagonal."""
    return x[0] * np.sum(x[1:] ** 2) + np.sum(x ** 4)


def arrowhead_hessian(x):
    H = np.diag(12.0 * x ** 2)
    H[0, 1:] = H[1:, 0] = 2.0 * x[1:]
    H[1:, 1:] += np.diag(np.full(len(x) - 1, 2.0 * x[0]))
    return H


RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 3))


# ---------------------------------------------------------------- dense

def test_scalar_function_shape_is_twice_the_input_shape():
    x = RNG.standard_normal(7)
    H = jaccli.hessian(rosenbrock, x)
    assert H.shape == (7, 7)
    np.testing.assert_allclose(H, rosenbrock_hessian(x), rtol=1e-12, atol=1e-10)


def test_matrix_input():
    X = RNG.standard_normal((2, 3))
    H = jaccli.hessian(lambda X: np.sum(X ** 3), X)
    assert H.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(H.reshape(6, 6), np.diag(6.0 * X.ravel()), atol=1e-14)


@pytest.mark.parametrize("shape", [(4,), (2, 2)])
def test_vector_function_gives_out_shape_plus_twice_x_shape(shape):
    x = RNG.standard_normal(3)
    B = A.reshape(shape + (3,))
    H = jaccli.hessian(lambda x: B @ x ** 2, x)
    assert H.shape == shape + (3, 3)
    expected = 2.0 * B[..., :, None] * np.eye(3)
    np.testing.assert_allclose(H, expected, atol=1e-14)


def test_tall_function_traces_the_tangent_sweep_instead():
    """Many outputs, few inputs: the inner derivative is forward (N tangent seeds)."""
    x = RNG.standard_normal(3)
    big = RNG.standard_normal((50, 3))
    flat = flat_hessian(lambda x: big @ np.sin(x), (x,))
    assert flat.inner == "fwd"
    expected = -big[:, :, None] * np.eye(3) * np.sin(x)
    np.testing.assert_allclose(flat.tensor, expected, atol=1e-13)
    assert "over forward" in flat.plan.reason


@pytest.mark.parametrize("inner", ["fwd", "rev"])
@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_every_order_of_modes_agrees(inner, mode):
    x = RNG.standard_normal(6)
    flat = flat_hessian(rosenbrock, (x,), mode=mode, inner=inner, chunk_size=4)
    np.testing.assert_allclose(flat.matrix, rosenbrock_hessian(x), rtol=1e-12, atol=1e-10)
    assert flat.mode == mode and flat.inner == inner


def test_argnums_tuple_gives_nested_blocks():
    x, W = RNG.standard_normal(3), RNG.standard_normal((2, 3))

    def f(x, W):
        return np.sum(np.tanh(W @ x))
    H = jaccli.hessian(f, x, W, argnums=(0, 1))
    assert [[b.shape for b in row] for row in H] == [[(3, 3), (3, 2, 3)],
                                                     [(2, 3, 3), (2, 3, 2, 3)]]
    flat = flat_hessian(f, (x, W), (0, 1)).matrix
    rebuilt = np.block([[H[0][0], H[0][1].reshape(3, 6)],
                        [H[1][0].reshape(6, 3), H[1][1].reshape(6, 6)]])
    np.testing.assert_allclose(rebuilt, flat, atol=0)
    np.testing.assert_allclose(flat, flat.T, atol=1e-14)
    np.testing.assert_allclose(H[0][0], jaccli.hessian(f, x, W), atol=0)


def test_second_argument_and_a_tuple_of_outputs():
    x, y = RNG.standard_normal(2), RNG.standard_normal(2)
    H = jaccli.hessian(lambda x, y: (np.sum(x * y ** 2), y ** 3), x, y, argnums=1)
    assert isinstance(H, tuple) and H[0].shape == (2, 2) and H[1].shape == (2, 2, 2)
    np.testing.assert_allclose(H[0], np.diag(2 * x), atol=1e-14)
    np.testing.assert_allclose(H[1], 6 * y[:, None, None] * np.eye(2) * np.eye(2)[:, :, None],
                               atol=1e-14)


def test_linear_and_constant_functions_have_zero_hessians():
    x = RNG.standard_normal(3)
    np.testing.assert_array_equal(jaccli.hessian(lambda x: np.sum(2 * x), x), np.zeros((3, 3)))
    np.testing.assert_array_equal(jaccli.hessian(lambda x: np.float64(1.0), x), np.zeros((3, 3)))


def test_integer_argument_is_the_same_input_error_as_jacobian():
    with pytest.raises(jaccli.InputError) as h:
        jaccli.hessian(lambda x: np.sum(x ** 2), np.arange(3))
    with pytest.raises(jaccli.InputError) as j:
        jaccli.jacobian(lambda x: np.sum(x ** 2), np.arange(3))
    assert str(h.value) == str(j.value) and "floating-point" in str(h.value)


def test_point_dependent_hessian_says_so():
    x = np.array([0.5, -1.0])
    flat = flat_hessian(lambda x: np.sum(x ** 3) if x[0] > 0 else np.sum(x), (x,))
    assert flat.point_dependent
    np.testing.assert_allclose(flat.matrix, np.diag(6 * x), atol=1e-14)


# ---------------------------------------------------------------- hvp

def test_hvp_is_hessian_times_vector():
    x, v = RNG.standard_normal(9), RNG.standard_normal(9)
    y, (hv,) = jaccli.hvp(rosenbrock, (x,), (v,))
    assert y == pytest.approx(rosenbrock(x), rel=1e-15)
    np.testing.assert_allclose(hv, rosenbrock_hessian(x) @ v, rtol=1e-12, atol=1e-10)


def test_hvp_with_several_primals():
    x, W = RNG.standard_normal(3), RNG.standard_normal((2, 3))
    vx, vW = RNG.standard_normal(3), RNG.standard_normal((2, 3))

    def f(x, W):
        return np.sum(np.sin(W @ x) ** 2)
    _, (hx, hW) = jaccli.hvp(f, (x, W), (vx, vW))
    H = flat_hessian(f, (x, W), (0, 1)).matrix
    hv = H @ np.concatenate([vx, vW.ravel()])
    assert hx.shape == (3,) and hW.shape == (2, 3)
    np.testing.assert_allclose(np.concatenate([hx, hW.ravel()]), hv, rtol=1e-12, atol=1e-12)


def test_hvp_bad_input():
    x = np.ones(3)
    with pytest.raises(jaccli.InputError, match="one scalar output"):
        jaccli.hvp(lambda x: x ** 2, (x,), (x,))
    with pytest.raises(jaccli.InputError, match="tangent 0 has shape"):
        jaccli.hvp(rosenbrock, (x,), (np.ones(2),))
    with pytest.raises(jaccli.InputError, match="1 primals but 2 tangents"):
        jaccli.hvp(rosenbrock, (x,), (x, x))
    with pytest.raises(jaccli.InputError, match="floating-point"):
        jaccli.hvp(rosenbrock, (np.arange(3),), (x,))


# ---------------------------------------------------------------- sparse

@pytest.mark.parametrize("n", [5, 40, 3000])
def test_sparse_rosenbrock_against_dense(n):
    x = np.linspace(-1.2, 1.0, n)
    result = sparse_hessian(rosenbrock, x)
    H = result.matrix
    assert isinstance(H, sp.csr_array) and H.shape == (n, n)
    assert (H != H.T).nnz == 0                                  # symmetric exactly
    assert H.nnz <= 3 * n
    np.testing.assert_allclose(H.toarray(), rosenbrock_hessian(x), rtol=1e-12, atol=1e-9)
    assert result.pattern_kind == "global"
    edges = result.pattern.nnz - n
    if edges > ACYCLIC_EDGES:                         # star colouring only: exact, 3 colours
        assert (result.method, result.colors) == ("star", 3)
    else:                                             # a path is a tree: acyclic needs 2
        assert result.colors == 2


@pytest.mark.parametrize("n", [4, 50, 400])
def test_rosenbrock_star_colouring_has_three_colours_at_any_n(n):
    P = output_pattern(derivative_graph(rosenbrock, (np.ones(n),)).dgraph)
    assert star_color(P).count == 3


@pytest.mark.parametrize("n", [6, 100])
def test_sparse_arrowhead(n):
    x = RNG.standard_normal(n)
    result = sparse_hessian(arrowhead, x)
    assert 2 <= result.colors <= 3
    np.testing.assert_allclose(result.matrix.toarray(), arrowhead_hessian(x), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(jaccli.hessian(arrowhead, x), arrowhead_hessian(x), rtol=1e-12,
                               atol=1e-12)


def test_sparse_over_several_arguments_is_flat():
    x, y = RNG.standard_normal(4), RNG.standard_normal(3)

    def f(x, y):
        return np.sum(x ** 2 * np.sin(x)) + np.sum(y[:2] * x[:2]) + np.sum(np.exp(y))
    H = jaccli.hessian(f, x, y, argnums=(0, 1), sparse=True)
    assert H.shape == (7, 7)
    np.testing.assert_allclose(H.toarray(), flat_hessian(f, (x, y), (0, 1)).matrix,
                               rtol=1e-12, atol=1e-12)


def test_sparse_dense_pattern_falls_back_to_dense_sweeps():
    x = RNG.standard_normal(5)
    result = sparse_hessian(lambda x: np.sum(x) ** 3, x)
    assert result.colors >= 5 or result.method == "dense"
    np.testing.assert_allclose(result.matrix.toarray(), 6 * np.sum(x) * np.ones((5, 5)),
                               rtol=1e-12)


def test_sparse_needs_a_scalar_function():
    with pytest.raises(jaccli.InputError, match="one scalar output"):
        jaccli.hessian(lambda x: x ** 3, np.ones(3), sparse=True)


def test_dense_hessian_of_a_sparse_function_uses_compressed_sweeps():
    """Many inputs and a sparse pattern: the dense H comes from 3 star-coloured sweeps,
    recovered directly: the same entries as the N-seed sweeps."""
    x = np.linspace(-1.2, 1.0, 600)
    flat = flat_hessian(rosenbrock, (x,), compress=True)
    assert getattr(flat.plan, "colors", None) == 3 and "compressed" in flat.plan.reason
    np.testing.assert_allclose(flat.matrix, rosenbrock_hessian(x), rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(jaccli.hessian(rosenbrock, x), flat.matrix)
    dense = flat_hessian(rosenbrock, (x,))
    assert not hasattr(dense.plan, "colors")
    np.testing.assert_allclose(dense.matrix, flat.matrix, rtol=1e-13, atol=1e-10)
