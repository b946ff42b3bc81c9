"""Property tests (hypothesis): random shapes, broadcasting, axes and indices; forward equals
reverse equals central differences, and batched points equal a per-point loop. They probe the
leading-axes machinery (lift, unbroadcast, negative axes, prefixed indices) beyond the tables."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import jaccli

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True)
BINARY = [np.add, np.subtract, np.multiply, np.true_divide, np.maximum, np.hypot,
          np.arctan2, np.logaddexp]
REDUCE = [np.sum, np.prod, np.mean, np.max, np.min, np.std]

shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast: drop leading axes of one, set some axes to 1."""
    full = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    a = [d if draw(st.booleans()) else 1 for d in full]
    b = [d if draw(st.booleans()) else 1 for d in full][draw(st.integers(0, len(full))):]
    return tuple(a), tuple(b)


def fd(f, x, h=1e-6):
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e.flat[j] = h
        cols.append(((f(x + e) - f(x - e)) / (2 * h)).ravel())
    y = f(x)
    return np.stack(cols, -1).reshape(np.shape(y) + x.shape)


def check(f, x):
    Jf = jaccli.jacobian(f, x, mode="fwd")
    Jr = jaccli.jacobian(f, x, mode="rev", chunk_size=2)
    np.testing.assert_allclose(Jf, Jr, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Jf, fd(f, x), rtol=1e-5, atol=1e-6)


@SETTINGS
@given(broadcast_pair(), st.sampled_from(BINARY), st.integers(0, 2**16))
def test_binary_broadcasting(pair, op, seed):
    rng = np.random.default_rng(seed)
    sa, sb = pair
    a = rng.uniform(0.5, 1.5, sa)
    b = rng.uniform(2.0, 3.0, sb)              # apart from a: no max/min ties
    check(lambda a: op(a, b), a)
    check(lambda b: op(a, b) * np.sin(b), b)


@SETTINGS
@given(st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple),
       st.sampled_from(REDUCE), st.data())
def test_reductions_over_random_axes(shape, op, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    keepdims = data.draw(st.booleans())
    x = rng.permutation(np.arange(1, np.prod(shape) + 1)).reshape(shape) / 7.0 + 0.5  # no ties
    check(lambda x: op(np.sin(x) + x, axis=axis, keepdims=keepdims), x)


@st.composite
def index_for(draw, shape):
    parts = []
    for d in shape:
        kind = draw(st.sampled_from(["int", "slice", "array", "all"]))
        if kind == "int":
            parts.append(draw(st.integers(-d, d - 1)))
        elif kind == "slice":
            step = draw(st.sampled_from([1, 2, -1]))
            parts.append(slice(draw(st.integers(-d, d)), draw(st.integers(-d - 1, d)), step))
        elif kind == "array":
            parts.append(np.array(draw(st.lists(st.integers(0, d - 1), min_size=1,
                                                max_size=3))))
        else:
            parts.append(slice(None))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), None)
    return tuple(parts)


def selected(shape, index):
    """The flat positions ``index`` selects in an array of ``shape``; rejects (hypothesis
    assume) indices NumPy refuses (arrays that do not broadcast) or that select nothing."""
    flat = np.arange(int(np.prod(shape))).reshape(shape)
    try:
        picked = np.asarray(flat[index]).ravel()
    except IndexError:
        picked = np.zeros(0)
    assume(picked.size > 0)
    return picked


@SETTINGS
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), st.data())
def test_random_indexing(shape, data):
    index = data.draw(index_for(shape))
    x = np.random.default_rng(0).standard_normal(shape)
    selected(shape, index)
    check(lambda x: np.exp(x)[index] * 2.0, x)


@SETTINGS
@given(broadcast_pair(), st.integers(0, 2**16))
def test_points_equal_loop_under_broadcasting(pair, seed):
    rng = np.random.default_rng(seed)
    sa, sb = pair
    c = rng.uniform(2.0, 3.0, sb)
    X = rng.uniform(0.5, 1.5, (3,) + sa)

    def f(x):
        return np.sum(np.maximum(x, c) * np.tanh(x + c), axis=-1) + x.sum()
    for mode in ("fwd", "rev"):
        J = jaccli.jacobian(f, X, batched=True, mode=mode)
        np.testing.assert_allclose(J, [jaccli.jacobian(f, x, mode=mode) for x in X],
                                   rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_setitem_with_separated_advanced_indices(mode):
    x = np.random.default_rng(1).standard_normal((3, 4, 5))

    def f(x):
        y = np.zeros_like(x)
        y[[0, 2], :, [1, 3]] = x[[1, 0], :, [4, 2]] ** 2
        return y
    np.testing.assert_allclose(jaccli.jacobian(f, x, mode=mode), fd(f, x), rtol=1e-5,
                               atol=1e-6)


@st.composite
def matmul_shapes(draw):
    """Operand shapes np.matmul accepts: vectors, matrices, stacks that broadcast."""
    n, m, p = (draw(st.integers(1, 3)) for _ in range(3))
    stack = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
    a = draw(st.sampled_from([(n,), (m, n), stack + (m, n)]))
    b = draw(st.sampled_from([(n,), (n, p), stack[draw(st.integers(0, len(stack))):] + (n, p)]))
    return a, b


@SETTINGS
@given(matmul_shapes(), st.integers(0, 2**16))
def test_matmul_ranks(shapes_ab, seed):
    rng = np.random.default_rng(seed)
    A, B = (rng.standard_normal(s) for s in shapes_ab)
    check(lambda A: np.tanh(A @ B), A)
    check(lambda B: np.tanh(A @ B), B)


@SETTINGS
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), st.data())
def test_random_setitem(shape, data):
    index = data.draw(index_for(shape))
    x = np.random.default_rng(2).standard_normal(shape)
    targets = selected(shape, index)
    assume(len(np.unique(targets)) == targets.size)      # repeated targets: NumPy's last wins

    def f(x):
        y = np.sin(x)
        y[index] = np.cos(x)[index] * 3.0
        return y
    check(f, x)


@SETTINGS
@given(matmul_shapes(), st.integers(0, 2**16), st.booleans())
def test_points_matmul_ranks(shapes_ab, seed, batch_left):
    rng = np.random.default_rng(seed)
    A, B = (rng.standard_normal(s) for s in shapes_ab)
    if batch_left:
        X, f = rng.standard_normal((3,) + A.shape), (lambda a: np.tanh(a @ B))
    else:
        X, f = rng.standard_normal((3,) + B.shape), (lambda b: np.tanh(A @ b))
    for mode in ("fwd", "rev"):
        J = jaccli.jacobian(f, X, batched=True, mode=mode)
        np.testing.assert_allclose(J, [jaccli.jacobian(f, x, mode=mode) for x in X],
                                   rtol=1e-12, atol=1e-12)
