"""The NumPy names of issue 17 beyond the derivative table (tests/cases/surface.py): what is
refused and how, unique's integer outputs, the recorded decisions, in-place writers."""
import numpy as np
import pytest

import jaccli

X = np.array([0.3, -0.7, 1.1, 0.4])


@pytest.mark.parametrize("fn, message", [
    (lambda x: np.pad(x, 1, mode="linear_ramp"), r"mode='linear_ramp'.*'edge'"),
    (lambda x: np.pad(x, 1, mode="reflect", reflect_type="odd"), r"reflect_type"),
    (lambda x: np.maximum.at(np.zeros_like(x), [0, 0], x), r"np\.maximum\.at is not supported"),
    (lambda x: np.multiply.at(np.ones_like(x), [0], x), r"np\.multiply\.at is not supported"),
    (lambda x: np.add.at(np.zeros(4), [0, 1], x[:2]), r"plain NumPy array.*zeros_like"),
    (lambda x: np.put(np.zeros(4), [0], x[:1]), r"plain NumPy array"),
    (lambda x: np.put(x.copy(), [0, 0], x[:2]), r"repeated indices"),
    (lambda x: np.add.reduce(x, out=np.empty(())), r"out="),
    (lambda x: np.maximum.reduce(x, initial=0.0), r"initial"),
    (lambda x: np.compress([True, False], x, out=np.empty(1)), r"np\.compress\(\.\.\., out"),
    (lambda x: np.polynomial.Chebyshev(x)(0.5), r"polynomial\.polyval\(x, c\)"),
    (lambda x: np.polynomial.Polynomial(x).deriv()(0.5), r"nothing else \(no arithmetic"),
    (lambda x: np.polyfit(np.arange(4.0), x, 1, full=True), r"full="),
])
def test_refused_with_a_message(fn, message):
    for mode in ("fwd", "rev"):
        with pytest.raises(jaccli.TracingError, match=message):
            jaccli.jacobian(fn, X, mode=mode)


def test_put_out_of_range_is_numpys_error():
    with pytest.raises(IndexError):
        jaccli.jacobian(lambda x: np.put(x.copy(), [7], x[:1]) or x, X)


def test_unique_counts_and_indices_are_integers_without_derivative():
    def f(x):
        values, index, inverse, counts = np.unique(np.concatenate([x, x[:2]]), True, True, True)
        assert all(type(r) is np.ndarray and r.dtype.kind == "i" for r in (index, inverse, counts))
        return values * counts
    J = jaccli.jacobian(f, X)
    # the sorted distinct values, each counted twice or once: gathers at first occurrences
    order = np.argsort(X)
    expected = np.zeros((4, 4))
    expected[np.arange(4), order] = np.where(order < 2, 2.0, 1.0)
    np.testing.assert_allclose(J, expected)
    # counts alone are an integer constant here (as argmax): the derivative is 0, not an error
    np.testing.assert_array_equal(
        jaccli.jacobian(lambda x: np.unique(x, return_counts=True)[1], X), np.zeros((4, 4)))


def test_unique_pattern_is_local_and_jacfun_rechecks():
    f = lambda x: np.unique(np.concatenate([x, x[:1]])) ** 2     # noqa: E731
    assert jaccli.plan(f, (X,), sparse=True).to_dict()["pattern"] == "local"
    jac = jaccli.jacfun(f)
    for x in (X, X[::-1].copy(), X + np.array([2.0, 0, 0, 0])):
        np.testing.assert_allclose(jac(x), jaccli.jacobian(f, x))
        assert np.all(np.diff(np.sort(x)) > 0)
        order = np.argsort(x)
        np.testing.assert_allclose(jac(x)[np.arange(4), order], 2 * np.sort(x))


def test_pad_modes_match_numpy_values():
    A = np.arange(12.0).reshape(3, 4)
    for mode in ("edge", "reflect", "symmetric", "wrap"):
        width = ((2, 1), (3, 5))
        J = jaccli.jacobian(lambda a: np.pad(a, width, mode=mode), A)
        np.testing.assert_array_equal(J.reshape(-1, 12) @ A.reshape(-1),
                                      np.pad(A, width, mode=mode).reshape(-1))


def test_add_at_accumulates_repeats_as_numpy():
    idx = np.array([0, 3, 0, 0, 1])

    def f(x):
        y = np.zeros_like(x)
        np.add.at(y, idx, np.concatenate([x, x[:1]]))
        return y
    J = jaccli.jacobian(f, X, mode="rev")
    expected = np.zeros((4, 4))
    np.add.at(expected, (idx, np.array([0, 1, 2, 3, 0])), 1.0)
    np.testing.assert_array_equal(J, expected)
    np.testing.assert_array_equal(jaccli.jacobian(f, X, mode="fwd"), expected)


def test_unwrap_holds_at_every_point():
    p = np.array([0.1, 3.0, 6.5, 0.2])
    assert jaccli.plan(lambda p: np.unwrap(p), (p,), sparse=True).to_dict()["pattern"] \
        == "global"
    np.testing.assert_allclose(jaccli.jacobian(np.unwrap, p), np.eye(4))


def test_sum_and_mean_where_match_numpy():
    w = np.array([True, False, True, True])
    np.testing.assert_allclose(jaccli.jacobian(lambda x: np.mean(x, where=w), X),
                               w / w.sum())
    np.testing.assert_allclose(jaccli.jacobian(lambda x: np.sum(x, where=w, initial=3.0), X),
                               w.astype(float))
