"""Complex intermediates (rules.py, "complex intermediates"): the issue's examples with their
exact Jacobians in both modes, the batched path, the CLI, and the errors at the edges
(complex inputs and outputs, primitives without a complex rule). The derivative tables
(tests/cases/complex.py) check every complex path against central differences."""
import numpy as np
import pytest
from click.testing import CliRunner

import jaccli
from jaccli.cli import main
from jaccli.errors import InputError, TracingError

X = np.array([0.7, -1.3, 2.1])
MODES = ("fwd", "rev")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fn, expected", [
    (lambda x: (x * (1 + 2j)).imag, lambda x: 2.0 * np.eye(x.size)),
    (lambda x: np.abs(x * (1 + 1j)), lambda x: np.sqrt(2.0) * np.diag(np.sign(x))),
    (lambda x: np.real(np.exp(1j * x)), lambda x: np.diag(-np.sin(x))),
    (lambda x: np.imag(np.exp(1j * x)), lambda x: np.diag(np.cos(x))),
    (lambda x: np.angle(np.exp(1j * x)), lambda x: np.eye(x.size)),       # |x| < pi
    (lambda x: np.abs(np.exp(1j * x) * x), lambda x: np.diag(np.sign(x))),
    (lambda x: x.astype(complex).real * 3.0, lambda x: 3.0 * np.eye(x.size)),
], ids=["imag_scaled", "abs_scaled", "real_exp", "imag_exp", "angle_exp", "abs_phase", "astype"])
def test_issue_examples_exact(fn, expected, mode):
    J = jaccli.jacobian(fn, X, mode=mode)
    assert J.dtype == np.float64
    np.testing.assert_allclose(J, expected(X), rtol=1e-13, atol=1e-13)


def test_vjp_of_a_holomorphic_step_follows_jax():
    """For y = Re(c z), z = x + 0j: the cotangent of z is ct * c (JAX: no conjugate), whose
    real part reaches x: d y / d x = Re(c)."""
    c = 2.0 - 3.0j
    _, pull = jaccli.vjp(lambda x: np.real(c * x), X)
    np.testing.assert_allclose(pull(np.ones(3))[0], np.full(3, 2.0))
    _, pull = jaccli.vjp(lambda x: np.imag(c * x), X)
    np.testing.assert_allclose(pull(np.ones(3))[0], np.full(3, -3.0))


@pytest.mark.parametrize("mode", MODES)
def test_batched_points(mode):
    def f(x):
        z = x * (0.8 + 0.6j) + np.exp(0.5j * x)
        return np.abs(np.cumsum(z)) + np.real(z * z)
    pts = np.random.default_rng(3).standard_normal((4, 3))
    J = jaccli.jacobian(f, pts, batched=True, mode=mode)
    loop = np.stack([jaccli.jacobian(f, p, mode=mode) for p in pts])
    assert J.dtype == np.float64
    np.testing.assert_allclose(J, loop, rtol=1e-12, atol=1e-13)


def test_hessian_of_complex_composite():
    f = lambda x: np.real(np.sum(np.exp(1j * x) * x))           # sum x cos x
    H = jaccli.hessian(f, X)
    np.testing.assert_allclose(H, np.diag(-2 * np.sin(X) - X * np.cos(X)), rtol=1e-12, atol=1e-12)


def test_queries():
    def f(x):
        z = x * 1j
        assert np.iscomplexobj(z) and not np.isrealobj(z) and not np.iscomplexobj(x)
        assert not np.any(np.isreal(z)) and np.all(np.iscomplex(z))
        return np.iscomplex(z) * x + np.isreal(z.real) * x
    np.testing.assert_allclose(jaccli.jacobian(f, X), 2 * np.eye(3))


def test_complex_argument_is_an_input_error():
    with pytest.raises(InputError, match="real and imaginary parts"):
        jaccli.jacobian(np.sin, np.array([1.0 + 1j]))


@pytest.mark.parametrize("fn", [lambda x: x * 1j, lambda x: (np.real(x * 1j), np.exp(1j * x))])
def test_complex_output_is_an_input_error(fn):
    for mode in MODES:
        with pytest.raises(InputError, match=r"np.real\(y\), np.imag\(y\)"):
            jaccli.jacobian(fn, X, mode=mode)


@pytest.mark.parametrize("fn, name", [
    (lambda x: np.real(np.sort(x * (1 + 1j))), "sort_last"),
    (lambda x: np.real(np.maximum(x * 1j, 0.5)), "max"),
    (lambda x: np.real(np.max(x * 1j)), "reduce_max"),
    (lambda x: np.real(np.sign(x * 1j)), "sign"),
    (lambda x: np.real(np.linalg.det(np.outer(x, x) * 1j + np.eye(3))), "det"),
    (lambda x: np.real(np.linalg.eig(np.array([[0.0, 1.0], [-1.0, 0.0]]) * x[0])[0]), "eig"),
    (lambda x: np.real(np.floor(x * 1j)), "floor"),
    (lambda x: np.real(np.arccosh(x * 1j + 3)), "arccosh"),
])
def test_primitive_without_a_complex_rule_raises(fn, name):
    for mode in MODES:
        with pytest.raises(TracingError, match=name):
            jaccli.jacobian(fn, X, mode=mode)


def test_assigning_complex_into_a_real_array_raises():
    def f(x):
        y = np.zeros_like(x)
        y[0] = 1j * x[1]
        return y
    with pytest.raises(TracingError, match="complex"):
        jaccli.jacobian(f, X)


def test_cli_module_spec_with_complex_math(tmp_path):
    (tmp_path / "spectral.py").write_text(
        "import numpy as np\n"
        "def f(x):\n"
        "    z = x * np.exp(1j * x)\n"
        "    return np.abs(z * (1 + 1j)), np.real(z)\n")
    spec = tmp_path / "spec.yaml"
    spec.write_text("inputs: {x: [0.5, -1.5, 2.0]}\nfunction: spectral.py:f\n")
    target = tmp_path / "J.npy"
    result = CliRunner().invoke(main, ["jacobian", str(spec), "-o", str(target)])
    assert result.exit_code == 0, result.output
    J = np.load(target)
    x = np.array([0.5, -1.5, 2.0])
    expected = np.concatenate([np.sqrt(2) * np.diag(np.sign(x)),
                               np.diag(np.cos(x) - x * np.sin(x))])
    np.testing.assert_allclose(J, expected, rtol=1e-12, atol=1e-12)
