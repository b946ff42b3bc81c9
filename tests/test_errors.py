"""What jaccli cannot record faithfully must raise a JaccliError naming the offending call,
never return a wrong answer: in every entry point (jacobian fwd and rev, jvp, vjp)."""
import math

import numpy as np
import pytest

jaccli = pytest.importorskip("jaccli")
from jaccli.errors import InputError, JaccliError, TracingError  # noqa: E402


def call_jacobian_fwd(f, *args):
    return jaccli.jacobian(f, *args, mode="fwd")


def call_jacobian_rev(f, *args):
    return jaccli.jacobian(f, *args, mode="rev")


def call_jvp(f, *args):
    return jaccli.jvp(f, args, tuple(np.ones(np.shape(a)) for a in args))


def call_vjp(f, *args):
    y, vjp_fn = jaccli.vjp(f, *args)
    return vjp_fn(np.ones(np.shape(y)))


ENTRY_POINTS = {"jacobian-fwd": call_jacobian_fwd, "jacobian-rev": call_jacobian_rev,
                "jvp": call_jvp, "vjp": call_vjp}


def _plain_array_write(x):
    a = np.zeros(3)
    a[0] = x[0]
    return a * x


def _stale_view_read(x):
    y = np.zeros_like(x)
    v = y[1:]
    y[1] = x[0]          # NumPy: v[0] now sees x[0]
    return v * 2.0


def _stale_sibling_view(x):
    y = x.copy()
    a, b = y[:2], y[1:]
    a[1] = x[0] ** 2     # NumPy: b[0] changes too
    return b


def _stale_transpose(x):
    y = np.zeros((2, 2), like=x)
    t = y.T
    y[0, 1] = x[0]       # NumPy: t[1, 0] changes too
    return t.ravel()


# (id, function, message pattern): the pattern names the offending call or its remedy
TRACING_ERRORS = [
    ("float", lambda x: np.sin(x) * float(x[0]), r"float"),
    ("float-of-sum", lambda x: x * float(x.sum()), r"float"),
    ("math.sin", lambda x: x * math.sin(x[0]), r"float"),
    ("np.asarray", lambda x: np.asarray(x) * x, r"np\.asarray|np\.array"),
    ("int", lambda x: x[: int(x[0]) + 2], r"int"),
    ("item", lambda x: x * x[1].item(), r"item"),
    ("tolist", lambda x: np.sum(x.tolist()), r"tolist"),
    ("np.array-of-tracers", lambda x: np.array([x[0], x[1]]), r"np\.stack"),
    ("np.array-of-tracers-2d", lambda x: np.array([[x[0], 1.0], [x[1], x[2]]]) @ x[:2], r"np\.stack"),
    ("write-into-plain-array", _plain_array_write, r"like=|zeros_like"),
    ("unsupported-hfft", lambda x: np.fft.hfft(x), r"np\.fft\.hfft"),
    ("unsupported-histogram", lambda x: np.histogram(x)[0], r"histogram"),
    # writes *through* a view are supported (derivative table, setitem_view_*); reading a view
    # taken before its base changed cannot alias, so it must raise
    ("stale-view-read", _stale_view_read, r"(?i)view"),
    ("stale-sibling-view", _stale_sibling_view, r"(?i)view"),
    ("stale-transpose-view", _stale_transpose, r"(?i)view"),
]


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@pytest.mark.parametrize("fn,pattern", [t[1:] for t in TRACING_ERRORS], ids=[t[0] for t in TRACING_ERRORS])
def test_tracing_error(fn, pattern, entry):
    x = np.array([0.5, 1.5, -0.7, 2.0])
    with pytest.raises(JaccliError, match=pattern) as info:
        ENTRY_POINTS[entry](fn, x)
    assert isinstance(info.value, (TracingError, InputError)), type(info.value)


INPUT_ERRORS = [
    ("int-array", np.array([1, 2, 3]), r"(?i)int"),
    ("int-scalar", np.int64(3), r"(?i)int"),
    ("python-int", 3, r"(?i)int"),
    ("bool-array", np.array([True, False]), r"(?i)bool"),
]


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
@pytest.mark.parametrize("x,pattern", [t[1:] for t in INPUT_ERRORS], ids=[t[0] for t in INPUT_ERRORS])
def test_non_float_input(x, pattern, entry):
    with pytest.raises(InputError, match=pattern):
        ENTRY_POINTS[entry](lambda x: x * 2.0, x)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_integer_input_in_second_argnum(mode):
    x = np.array([1.0, 2.0])
    with pytest.raises(InputError, match=r"(?i)int"):
        jaccli.jacobian(lambda x, k: x * k, x, np.array([1, 2]), argnums=(0, 1), mode=mode)


def test_error_is_not_a_plain_numpy_error():
    """The message comes from jaccli, not a TypeError/ValueError leaking out of NumPy."""
    with pytest.raises(JaccliError):
        jaccli.jacobian(lambda x: np.array([x[0], x[1]]), np.array([1.0, 2.0]))
