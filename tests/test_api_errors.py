"""Every argument error of the public API is an InputError whose message names the problem."""
import numpy as np
import pytest

import jaccli

X = np.array([1.0, 2.0])


def f(x):
    return np.sin(x)


@pytest.mark.parametrize("call, pattern", [
    (lambda: jaccli.jacobian(f, X, argnums=()), "argnums is empty"),
    (lambda: jaccli.jacobian(f, X, argnums=3), "does not name an argument"),
    (lambda: jaccli.jacobian(f, X, argnums=(0, 0)), "names an argument twice"),
    (lambda: jaccli.jacobian(f, X, argnums="x"), "does not name an argument"),
    (lambda: jaccli.jacobian(f, X, mode="forward"), "not one of 'auto', 'fwd', 'rev'"),
    (lambda: jaccli.jacobian(f, np.array([1 + 2j])), "complex128"),
    (lambda: jaccli.jacobian(f, np.array(["a"])), "dtype"),
    (lambda: jaccli.jacobian(f, X[None], batched=True, device="cuda"), "CuPy|CPU only"),
    (lambda: jaccli.jvp(f, (X,), ()), "1 primals but 0 tangents"),
    (lambda: jaccli.jvp(f, (X,), (np.ones(3),)), "tangent 0 has shape"),
    (lambda: jaccli.vjp(f, X)[1](np.ones(3)), "cotangent 0 has shape"),
    (lambda: jaccli.vjp(lambda x: (x, x), X)[1]((np.ones(2),)), "expects 2 cotangent"),
    (lambda: jaccli.jacobian(f, np.ones((0, 2)), batched=True), "batch is empty"),
    (lambda: jaccli.jacobian(f, np.float64(1.0), batched=True), "no leading batch axis"),
], ids=lambda v: "" if callable(v) else str(v))
def test_argument_errors(call, pattern):
    with pytest.raises(jaccli.InputError, match=pattern):
        call()
