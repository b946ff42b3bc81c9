"""scipy.special on traced arrays: the messages for what jaccli lacks, the registration of its
Python-level functions, the import cost, and the YAML expression language's special names
(the derivatives themselves are rows of tests/cases/special.py)."""
import subprocess
import sys

import numpy as np
import pytest
import scipy.special as sc
from click.testing import CliRunner

import jaccli
from jaccli.cli import main

X = np.array([0.3, 0.7, 0.2])


@pytest.mark.parametrize("fn, message", [
    (lambda x: sc.gamma(x), r"scipy\.special\.gamma is not supported"),
    (lambda x: sc.j0(x), r"scipy\.special\.j0 is not supported"),
    (lambda x: sc.xlogy.outer(x, x), r"scipy\.special\.xlogy\.outer is not supported"),
    (lambda x: sc.expit(x, dtype=np.float32), r"scipy\.special\.expit: keyword"),
    (lambda x: sc.polygamma(x, x), r"polygamma: the order is traced"),
    (lambda x: sc.polygamma(-1, x), r"one non-negative integer order"),
    (lambda x: sc.zeta(3.0, x, out=np.empty(3)), r"zeta\(s, q\) is, in q"),
    (lambda x: sc.zeta(x), r"Riemann"),
])
def test_what_jaccli_lacks_is_named_as_scipy_special(fn, message):
    for mode in ("fwd", "rev"):
        with pytest.raises(jaccli.TracingError, match=message):
            jaccli.jacobian(fn, X, mode=mode)


def test_the_zeta_order_is_not_differentiated_silently():
    with pytest.raises(jaccli.TracingError, match="the order is traced"):
        jaccli.jacobian(lambda s: sc.zeta(s, 2.0), X + 2.0)


def test_a_name_bound_before_registration_says_how_to_call_it():
    original = sc.logsumexp.__wrapped__       # what `from scipy.special import ...` gave
    with pytest.raises(jaccli.TracingError, match=r"scipy\.special\.logsumexp\(\.\.\.\)"):
        jaccli.jacobian(original, X)


def test_registered_functions_still_run_scipy_on_plain_arrays():
    assert sc.logsumexp.__wrapped__ is not None
    a = np.array([[1.0, 2.0], [3.0, -1.0]])
    np.testing.assert_array_equal(sc.logsumexp(a, axis=0), sc.logsumexp.__wrapped__(a, axis=0))
    np.testing.assert_array_equal(sc.softmax(a), sc.softmax.__wrapped__(a))


def test_logsumexp_of_minus_infinity_rows():
    J = jaccli.jacobian(lambda x: sc.logsumexp(np.stack([x, x - np.inf]), axis=0), X)
    np.testing.assert_allclose(J, np.eye(3))


def test_import_jaccli_does_not_import_scipy_special():
    code = "import sys, jaccli; print('scipy.special' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_a_spec_using_special_functions(write_spec, tmp_path):
    spec = write_spec("""
        inputs:
          x: [0.3, -1.2, 0.8]
          p: [0.2, 0.5, 0.7]
        outputs:
          loss: -sum(xlogy(p, expit(x))) + logsumexp(x) + sum(softmax(x) * log_softmax(x))
          g: erf(x) + erfc(x) * gammaln(p + 1) + digamma(p + 1) + softplus(x) + logit(p)
    """)
    out = tmp_path / "J.npy"
    result = CliRunner().invoke(main, ["jacobian", str(spec), "-o", str(out)])
    assert result.exit_code == 0, result.output

    def f(v):
        x, p = v[:3], v[3:]
        loss = -np.sum(sc.xlogy(p, sc.expit(x))) + sc.logsumexp(x) \
            + np.sum(sc.softmax(x) * sc.log_softmax(x))
        g = sc.erf(x) + sc.erfc(x) * sc.gammaln(p + 1) + sc.digamma(p + 1) \
            + np.logaddexp(0, x) + sc.logit(p)
        return np.concatenate([[loss], g])

    v, h = np.array([0.3, -1.2, 0.8, 0.2, 0.5, 0.7]), 1e-6
    fd = np.stack([(f(v + h * e) - f(v - h * e)) / (2 * h) for e in np.eye(6)], axis=1)
    np.testing.assert_allclose(np.load(out), fd, rtol=1e-6, atol=1e-8)


def test_a_spec_refuses_an_unknown_special_name(write_spec):
    spec = write_spec("""
        inputs: {x: [0.3]}
        outputs: {f: gamma(x)}
    """)
    result = CliRunner().invoke(main, ["jacobian", str(spec), "-o", "-"])
    assert result.exit_code == 2 and "unknown function" in result.output \
        and "Traceback" not in result.output


@pytest.mark.gpu
def test_on_the_gpu_special_functions_run_as_cupyx_scipy_special():
    import cupy
    f = lambda x: sc.expit(x) * sc.gammaln(x + 1.0) + sc.logsumexp(x) * sc.digamma(x + 1.0)  # noqa: E731
    J = jaccli.jacobian(f, X, device="cuda")
    assert isinstance(J, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(J), jaccli.jacobian(f, X), rtol=1e-9, atol=1e-11)
    with pytest.raises(jaccli.TracingError, match=r"scipy\.special\.gamma is not supported"):
        jaccli.jacobian(lambda x: sc.gamma(x), X, device="cuda")
