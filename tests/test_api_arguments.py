"""Engine arguments of the Python API (issues 18/19): argnums, chunk_size and memory_limit are
checked up front; a wrong one is an InputError saying what to pass, never a raw TypeError or
ValueError; memory_limit takes sizes as the command line does."""
import numpy as np
import pytest

import jaccli
from jaccli.memory import parse_size

X = np.array([1.0, 2.0])


def f(x):
    return np.sin(x)


@pytest.mark.parametrize("kwargs, pattern", [
    ({"argnums": None}, "pass an int or a tuple of ints"),
    ({"argnums": 0.0}, "pass an int or a tuple of ints"),
    ({"argnums": True}, "pass an int or a tuple of ints"),
    ({"argnums": (0.0,)}, "does not name an argument"),
    ({"chunk_size": 0}, "pass a positive int"),
    ({"chunk_size": -1}, "pass a positive int"),
    ({"chunk_size": "2"}, "pass a positive int"),
    ({"chunk_size": 2.0}, "pass a positive int"),
    ({"chunk_size": True}, "pass a positive int"),
    ({"memory_limit": float("inf")}, "positive finite number of bytes"),
    ({"memory_limit": float("nan")}, "positive finite number of bytes"),
    ({"memory_limit": -1}, "positive finite number of bytes"),
    ({"memory_limit": 0}, "positive finite number of bytes"),
    ({"memory_limit": [1]}, "positive finite number of bytes"),
    ({"memory_limit": "2 parsecs"}, "not a size; write e.g. 2GB"),
    ({"memory_limit": "-2GB"}, "not a size"),
    ({"memory_limit": "inf"}, "not a finite size"),
    ({"mode": ["fwd"]}, "not one of 'auto', 'fwd', 'rev'"),
], ids=lambda v: repr(v))
@pytest.mark.parametrize("call", ["jacobian", "batched", "plan"])
def test_engine_argument_errors(call, kwargs, pattern):
    with pytest.raises(jaccli.InputError, match=pattern):
        if call == "jacobian":
            jaccli.jacobian(f, X, **kwargs)
        elif call == "batched":
            jaccli.jacobian(f, X[None], batched=True, **kwargs)
        else:
            jaccli.api.plan(f, (X,), **kwargs)


@pytest.mark.parametrize("kwargs", [
    {"chunk_size": 1}, {"chunk_size": np.int64(1)}, {"argnums": np.int64(0)},
    {"memory_limit": 1e6}, {"memory_limit": np.int64(10**6)},
    {"memory_limit": "1MB"}, {"memory_limit": "64MiB"}, {"memory_limit": " 2 gb "},
], ids=lambda v: repr(v))
def test_engine_arguments_accepted(kwargs):
    J = np.diag(np.cos(X))
    np.testing.assert_allclose(jaccli.jacobian(f, X, **kwargs), J, rtol=1e-15)
    np.testing.assert_allclose(jaccli.jacobian(f, X[None], batched=True, **kwargs)[0], J,
                               rtol=1e-15)


def test_memory_limit_sizes_mean_what_the_cli_means():
    assert jaccli.api.plan(f, (X,), memory_limit="2GB").budget == parse_size("2GB") == 2 * 10**9
    assert jaccli.api.plan(f, (X,), memory_limit="64MiB").budget == 64 * 2**20
