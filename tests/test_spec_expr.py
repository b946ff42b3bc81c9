"""The safe expression evaluator: what parses, what it computes, and what it refuses."""

import numpy as np
import pytest

from jaccli.spec import SpecError
from jaccli.spec.expr import FUNCTIONS, Expr, constant_number

X = np.array([-2.0, -1.0, 0.5, 1.0, 3.0])
A = np.array([[2.0, 1.0], [1.0, 3.0]])
ENV = {"x": X, "A": A, "s": 2.0}


def value(source):
    return Expr(source, "spec.yaml, outputs.f", ENV).evaluate(ENV)


@pytest.mark.parametrize("source, expected", [
    ("log(s) + s * 3 - sin(s)", np.log(2.0) + 6.0 - np.sin(2.0)),
    ("-x ** 2 + +s", -X ** 2 + 2.0),
    ("A @ A[:, 0]", A @ A[:, 0]),
    ("x[1:-1:2]", X[1:-1:2]),
    ("x[None, :][0, ::-1]", X[::-1]),
    ("A[..., 1]", A[:, 1]),
    ("sum(A, axis=-1)", A.sum(axis=-1)),
    ("sum(A, axis=(0, 1))", A.sum()),
    ("mean(x, keepdims=True)", X.mean(keepdims=True)),
    ("reshape(A, (4,))", A.reshape(4)),
    ("transpose(A, (1, 0))", A.T),
    ("stack([x, 2 * x])", np.stack([X, 2 * X])),
    ("concatenate([x, x[:2]])", np.concatenate([X, X[:2]])),
    ("einsum('ij,j->i', A, A[0])", A @ A[0]),
    ("where(x > 0, x, 0.1 * x)", np.where(X > 0, X, 0.1 * X)),
    ("where((x > -1) & ~(x >= 1), 1, 0)", np.where((X > -1) & ~(X >= 1), 1, 0)),
    ("where(0 < x < 2, x, 0)", np.where((X > 0) & (X < 2), X, 0)),
    ("maximum(x, 0) + minimum(x, 0)", X),
    ("solve(A, A[0])", np.linalg.solve(A, A[0])),
    ("det(inv(A))", 1 / np.linalg.det(A)),
    ("norm(x)", np.linalg.norm(X)),
    ("dot(x, x) / 2 ** 3", X @ X / 8),
    ("pi * s", 2 * np.pi),
])
def test_expressions_compute_like_numpy(source, expected):
    np.testing.assert_allclose(value(source), expected)


def test_names_lists_the_variables_read():
    assert Expr("sin(x) + s * pi", "w", ENV).names == {"x", "s"}


def test_every_whitelisted_name_is_a_numpy_callable():
    assert {"sin", "exp", "log", "sum", "mean", "where", "maximum", "dot", "stack",
            "concatenate", "reshape", "transpose", "tanh", "sqrt", "abs", "einsum", "solve",
            "inv", "det", "norm"} <= set(FUNCTIONS)
    special = {"expit", "logit", "log_expit", "erf", "erfc", "erfinv", "erfcinv", "gammaln",
               "digamma", "xlogy", "xlog1py", "ndtr", "log_ndtr", "ndtri", "entr", "logsumexp",
               "softmax", "log_softmax", "softplus"}
    assert special <= set(FUNCTIONS)
    assert all(callable(f) and f.__module__.startswith("numpy") for n, f in FUNCTIONS.items()
               if hasattr(f, "__module__") and f.__module__ and n not in special)
    assert all(FUNCTIONS[n].__module__.startswith("jaccli.") for n in special)


@pytest.mark.parametrize("source, words", [
    ("__import__('os').system('touch /tmp/pwned')", "attribute access"),
    ("__import__('os')", "names starting with '_'"),
    ("().__class__.__bases__", "attribute access"),
    ("x.T", "attribute access"),
    ("x.__class__", "attribute access"),
    ("open('/etc/passwd')", "unknown function 'open'"),
    ("eval('1')", "unknown function 'eval'"),
    ("exec('import os')", "unknown function 'exec'"),
    ("getattr(x, 'T')", "unknown function 'getattr'"),
    ("lambda: 1", "lambda"),
    ("[v for v in x]", "comprehension"),
    ("sum(v for v in x)", "comprehension"),
    ("{'a': 1}", "dict"),
    ("sum(x, axis=s)", "keyword argument axis= of sum must be a constant"),
    ("sum(x, **{'axis': 0})", "'**'"),
    ("sinn(x)", "did you mean 'sin'?"),
    ("y + 1", "undefined name 'y'"),
    ("x > 0", "comparisons are only allowed"),
    ("x if s else 0", "where(c, a, b)"),
    ("x and s", "'and'/'or'"),
    ("x // 2", "operator //"),
    ("x % 2", "operator %"),
    ("x[s]", "indices must be integer constants"),
    ("x[1:s]", "slice bounds"),
    ("(x, s)", "tuples and lists"),
    ("sum([x, x])", "a list [...] is only allowed"),
    ("stack((x, x))", "tuple arguments must hold constants"),
    ("'hello'", "the string 'hello'"),
    ("sin", "'sin' is a function"),
    ("x +", "not a valid expression"),
    ("(y := 2)", "':='"),
    ("x[0](1)", "only calls of named functions"),
    ("f'{x}'", "f-strings"),
    ("1j * x", "not a real number"),
])
def test_disallowed_syntax_is_refused_with_a_reason(source, words):
    with pytest.raises(SpecError) as caught:
        Expr(source, "spec.yaml, outputs.f", ENV)
    assert str(caught.value).startswith("spec.yaml, outputs.f: ")
    assert words in str(caught.value)


def test_refused_code_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for source in ["__import__('os').system('touch pwned')", "open('pwned', 'w')"]:
        with pytest.raises(SpecError):
            Expr(source, "w", ENV).evaluate(ENV)
    assert not (tmp_path / "pwned").exists()


def test_powers_of_plain_numbers_cannot_build_huge_integers():
    with pytest.raises(OverflowError):
        value("10 ** 10 ** 10")


def test_constant_numbers_for_shapes():
    assert constant_number("10**7", "w") == 1e7
    with pytest.raises(SpecError, match="undefined name"):
        constant_number("n * 2", "w")


# Every whitelisted name, differentiated by the engine at a point inside its domain.
A = np.array([[2.0, 1.0], [1.0, 3.0]])
CALLS = {
    "xlogy": "xlogy(x, x + 1)", "xlog1py": "xlog1py(x, 2 * x)", "softmax": "softmax(A * x)",
    "log_softmax": "log_softmax(A * x, axis=0)", "logsumexp": "logsumexp(A * x, axis=1)",
    "arctan2": "arctan2(x, x + 1)", "hypot": "hypot(x, x + 1)", "logaddexp": "logaddexp(x, 2 * x)",
    "power": "power(x, 3)", "maximum": "maximum(x, 0.5)", "minimum": "minimum(x, 0.5)",
    "fmax": "fmax(x, 0.5)", "fmin": "fmin(x, 0.5)", "clip": "clip(x, 0.4, 0.5)",
    "where": "where(x > 0.5, x, 2 * x)", "dot": "dot(A, x)", "matmul": "matmul(A, x)",
    "vdot": "vdot(x, x)", "inner": "inner(x, x)", "outer": "outer(x, x)",
    "tensordot": "tensordot(A, x, 1)", "einsum": "einsum('ij,j->i', A, x)", "kron": "kron(x, x)",
    "trace": "trace(A * x)", "diag": "diag(x)", "diagonal": "diagonal(A * x)",
    "reshape": "reshape(A * x, (4,))", "transpose": "transpose(A * x)",
    "swapaxes": "swapaxes(A * x, 0, 1)", "moveaxis": "moveaxis(A * x, 0, 1)",
    "squeeze": "squeeze(x[None])", "expand_dims": "expand_dims(x, 0)",
    "broadcast_to": "broadcast_to(x, (3, 2))", "stack": "stack([x, x])",
    "concatenate": "concatenate([x, x])", "hstack": "hstack([x, x])", "vstack": "vstack([x, x])",
    "tile": "tile(x, 2)", "repeat": "repeat(x, 2)", "solve": "solve(A * x, x)",
    "inv": "inv(A * x)", "det": "det(A * x)", "slogdet": "slogdet(A * x)[1]",
    "eye": "eye(2) * x", "zeros_like": "zeros_like(x) + x", "ones_like": "ones_like(x) * x",
    "roll": "roll(x, 1)", "arccosh": "arccosh(x + 1.5)",
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_is_differentiated_by_the_engine(name):
    from jaccli.api import flat_jacobian
    x = np.array([0.3, 0.6])
    expr = Expr(CALLS.get(name, f"{name}(x)"), name, {"x", "A"})
    result = flat_jacobian(lambda x: (expr.evaluate({"x": x, "A": A}),), [x], argnums=(0,))
    expected = np.asarray(expr.evaluate({"x": x, "A": A}))
    assert result.matrix.shape == (expected.size, 2)
