"""Regressions found in review: each once gave a silently wrong derivative or a crash."""
import warnings

import numpy as np
import pytest

import jaccli
from jaccli.errors import TracingError
from jaccli.points import BranchWarning

rng = np.random.default_rng(11)


def fd(f, x, h=1e-6):
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e.flat[j] = h
        cols.append(((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h)).ravel())
    return np.stack(cols, -1).reshape(np.shape(f(x)) + x.shape)


def row_view_write(x):
    y = x.reshape(2, 3).copy()
    row = y[0]                      # a view in NumPy: an int index on a matrix
    row[1] = 5 * x[2]
    return y


def rows_scaled_in_loop(x):
    y = x.reshape(2, 3).copy()
    for row in y:
        row *= 2
    return y


def chained_index_write(x):
    y = x.reshape(2, 3).copy()
    y[0][1] = 5 * x[2]
    return y


def ravel_of_transpose_is_a_copy(x):
    y = x.reshape(2, 3).copy()
    z = y.T.ravel()                 # a copy in NumPy: writing it leaves y alone
    z[0] = 3 * x[1]
    return y + z.sum()


def tile_is_writable(x):
    t = np.tile(x, 2)
    t[0] = 5 * x[1]
    return t


@pytest.mark.parametrize("f", [row_view_write, rows_scaled_in_loop, chained_index_write,
                               ravel_of_transpose_is_a_copy, tile_is_writable],
                         ids=lambda f: f.__name__)
@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_views_follow_numpy(f, mode):
    x = rng.standard_normal(6)
    np.testing.assert_allclose(jaccli.jacobian(f, x, mode=mode), fd(f, x), rtol=1e-6,
                               atol=1e-7)


def test_stale_view_copy_raises():
    def f(x):
        y = x.copy()
        v = y[1:]
        y[1] = 5 * x[0]
        return v.copy()
    with pytest.raises(jaccli.TracingError, match="view"):
        jaccli.jacobian(f, rng.standard_normal(4))


def test_value_readers_record_every_traced_argument():
    grid = np.linspace(-2, 2, 9)

    def interp(x):
        i = np.searchsorted(grid, x) - 1          # x is the second argument
        return x * grid[i]
    assert jaccli.trace(interp, np.array([0.3])).point_dependent
    X = np.array([[-1.7], [0.3], [1.9]])
    with pytest.warns(BranchWarning):
        J = jaccli.jacobian(interp, X, batched=True)
    np.testing.assert_allclose(J, [jaccli.jacobian(interp, x) for x in X])


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_fmax_fmin_ignore_nan_operand(mode):
    c = np.array([np.nan, 0.0, np.nan])
    x = np.array([1.0, 2.0, -3.0])
    for fn in (np.fmax, np.fmin):
        J = jaccli.jacobian(lambda x: fn(x, c), x, mode=mode)
        expect = np.diag([1.0, 1.0 if fn is np.fmax else 0.0, 1.0])
        np.testing.assert_array_equal(J, expect)


def test_jvp_vjp_with_a_constant_scalar_output():
    f = lambda x: (x * 2, np.sum(np.ones_like(x)))  # noqa: E731
    x = np.ones(3)
    (y0, y1), (t0, t1) = jaccli.jvp(f, (x,), (np.ones(3),))
    assert y1 == 3 and t1 == 0
    _, vjp_fn = jaccli.vjp(f, x)
    (g,) = vjp_fn((np.ones(3), np.array(1.0)))
    np.testing.assert_array_equal(g, 2 * np.ones(3))


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_einsum_size_one_label_broadcasts(mode):
    B = rng.standard_normal((1, 3))
    f = lambda A: np.einsum("...i,...i->...", A, B)  # noqa: E731
    A = rng.standard_normal((2, 3))
    np.testing.assert_allclose(jaccli.jacobian(f, A, mode=mode), fd(f, A), rtol=1e-6, atol=1e-8)
    g = lambda b: np.einsum("...i,...i->...", A, b)  # noqa: E731
    np.testing.assert_allclose(jaccli.jacobian(g, B, mode=mode), fd(g, B), rtol=1e-6, atol=1e-8)


def test_writing_a_constant_after_using_it_raises():
    def f(x):
        buf = np.zeros(3)
        buf[:] = 1.0
        y = x * buf
        buf[:] = 2.0                 # the recorded product would see this
        return y
    with pytest.raises(jaccli.TracingError, match="wrote into a NumPy array"):
        jaccli.jacobian(f, np.ones(3))


def test_constants_are_writable_again_after_tracing():
    W = np.eye(3)
    jaccli.jacobian(lambda x: W @ x, np.ones(3))
    assert W.flags.writeable

    def fails_midway(x):
        y = W @ x
        raise ValueError("the user's own error")
    with pytest.raises(ValueError, match="own error"):
        jaccli.jacobian(fails_midway, np.ones(3))
    assert W.flags.writeable


def _row_then_matrix(W):
    return lambda x: x * W[0] + (x * W).sum(0)        # freezes the view W[0] before W


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_constants_and_their_views_are_writable_again(mode):
    """A view and the array it views were made writable again in the order they were frozen:
    NumPy refuses a writable view of a read-only array, so the trace raised a ValueError and
    left the user's W read-only."""
    W = np.ones((2, 3))
    row = W[1]                                           # the user's own view, used too
    f = _row_then_matrix(W)
    J = jaccli.jacobian(lambda x: f(x) + x * row, np.ones(3), mode=mode)
    np.testing.assert_allclose(J, np.diag(W[0] + W.sum(0) + row))       # diag(4, 4, 4)
    J = jaccli.jacobian(f, np.ones(3), mode=mode)
    np.testing.assert_allclose(J, np.diag([3.0, 3.0, 3.0]))
    assert W.flags.writeable and row.flags.writeable
    W[0, 0] = 5.0
    row[0] = 6.0


def test_constants_and_their_views_are_writable_again_after_a_failed_trace():
    W = np.ones((2, 3))
    row = W[1]

    def fails_midway(x):
        y = _row_then_matrix(W)(x) * row
        raise ValueError("the user's own error")
    with pytest.raises(ValueError, match="own error"):
        jaccli.jacobian(fails_midway, np.ones(3))
    assert W.flags.writeable and row.flags.writeable
    W[0, 0] = 5.0
    row[0] = 6.0


def test_matmul_results_nothing_reads_are_not_computed():
    W = rng.standard_normal((4, 3))
    x = rng.standard_normal(3)
    g = jaccli.trace(lambda x: W @ np.tanh(x), x)
    out = g.outputs[0]
    assert out not in g.values                      # recorded, not computed
    np.testing.assert_allclose(g.values[out], W @ np.tanh(x))   # computed when read
    y, ydot = jaccli.jvp(lambda x: W @ np.tanh(x), (x,), (np.ones(3),))
    np.testing.assert_allclose(y, W @ np.tanh(x))


@pytest.mark.parametrize("fn", [np.cross, np.linalg.cross], ids=["cross", "linalg.cross"])
@pytest.mark.parametrize("da, db", [(2, 3), (3, 2), (2, 2), (3, 3)])
def test_cross_takes_the_vectors_the_installed_numpy_takes(fn, da, db):
    """NumPy 2.5 refuses 2-element vectors in np.cross (2.0 deprecated them; np.linalg.cross
    never took them): jaccli refuses them where NumPy does, with NumPy's kind of error."""
    a, b = rng.standard_normal(da), rng.standard_normal(db)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            expected, reference = fn(a, b), fd(lambda a: fn(a, b), a)
    except ValueError:
        with pytest.raises(ValueError, match="3-dimensional vectors"):
            jaccli.jacobian(fn, a, b, argnums=(0, 1))
        return
    J = jaccli.jacobian(lambda a: fn(a, b), a)
    np.testing.assert_allclose(J, reference, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(jaccli.jvp(lambda a: fn(a, b), (a,), (np.zeros(da),))[0],
                               expected, rtol=1e-12)


def test_jvp_of_a_lower_rank_operand_broadcast_against_a_constant():
    """One tangent without a seed axis, of lower rank than the output (x (2, 2) + c (2, 1, 1)):
    the tangent broadcast to the output's shape, (2, 2, 2), not (2, 2, 2, 2)."""
    c = np.arange(2.0).reshape(2, 1, 1)
    x, t = np.ones((2, 2)), np.array([[1.0, 2.0], [3.0, 4.0]])
    f = lambda x: x * 3.0 + c
    y, dy = jaccli.jvp(f, (x,), (t,))
    assert dy.shape == y.shape == (2, 2, 2)
    np.testing.assert_allclose(dy, np.broadcast_to(3.0 * t, (2, 2, 2)))


def test_an_inner_derivative_cannot_write_into_an_outer_array():
    """jacobian inside jacobian: writing the inner trace's values into an array created from
    an outer argument would lose their derivative: a TracingError that says so."""
    def inner(w, u):
        K = np.zeros(3, like=u)                    # belongs to the outer trace
        K[1:] = w[1:] * 2.0
        return K * u
    w, u = np.ones(3), np.linspace(0.5, 1.5, 3)
    with pytest.raises(TracingError, match="belongs to the outer one"):
        jaccli.jacobian(lambda w, u: jaccli.jacobian(inner, w, u), w, u, argnums=(0, 1))


def test_hvpfun_traces_every_float_argument_so_writes_stay_in_its_trace():
    """hvpfun(f)(x, v, u) where f writes x's values into np.zeros(n, like=u): the HVP in x
    (u traced with it, its cotangent unused), equal to the dense Hessian's block times v."""
    def f(w, u):
        K = np.zeros((4, 4), like=u)
        for e in range(3):
            K[e:e + 2, e:e + 2] = K[e:e + 2, e:e + 2] + w[e] * np.array([[2.0, -1.0],
                                                                       [-1.0, 3.0]])
        return np.sum((K @ u) ** 2 * w.sum())
    w, u = np.linspace(0.5, 1.5, 3), np.linspace(0.1, 1.0, 4)
    v = np.array([1.0, -0.5, 2.0])
    H = jaccli.hessian(f, w, u, argnums=(0, 1))[0][0]
    hessp = jaccli.hvpfun(f)
    for _ in range(2):                             # traced, then compiled
        np.testing.assert_allclose(hessp(w, v, u), H @ v, rtol=1e-10)


def test_augmented_assignment_into_a_slice_records_one_setitem():
    """``r[1:] -= u[:-1]`` is a view's in-place update (written through) and then the same
    view written back where it came from: one setitem in the graph, not two; J unchanged."""
    def stencil(u):
        r = 3.0 * u
        r[1:] -= u[:-1]
        r[:-1] -= 2.0 * u[1:] ** 2
        r[::2] += np.sin(u[::2])
        return r
    u = np.linspace(0.2, 1.1, 6)
    graph = jaccli.trace(stencil, u)
    assert sum(e.prim.name == "setitem" for e in graph.eqns) == 3
    expected = 3.0 * np.eye(6) - np.eye(6, k=-1) - np.diag(4.0 * u[1:], k=1)
    expected[::2] += np.diag(np.cos(u))[::2]
    for mode in ("fwd", "rev"):
        np.testing.assert_allclose(jaccli.jacobian(stencil, u, mode=mode), expected,
                                   rtol=1e-13, atol=1e-13)


def test_a_view_written_back_after_its_base_changed_is_not_skipped():
    """``t = y[1:]; y[0] = ...; y[1:] = t``: the base changed after the view was taken, so
    the write-back is not a no-op to skip (jaccli then refuses the stale view, as before)."""
    def f(x):
        y = x * 1.0
        t = y[1:]
        y[0] = 5.0 * x[0]
        y[1:] = t
        return y
    with pytest.raises(TracingError, match="view"):
        jaccli.jacobian(f, np.ones(3))
