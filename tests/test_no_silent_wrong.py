"""Issue 18: no silently wrong answer, no raw exception. Expected values come from NumPy
itself or from central differences (tests/checks.fd_jacobian), never from jaccli's output."""
import numpy as np
import pytest

import jaccli
from jaccli.errors import JaccliError, TracingError
from tests.checks import fd_jacobian


def _fd(f, x):
    return fd_jacobian(f, (np.asarray(x, dtype=float),), 0)


def _value(f, *args):
    """f's value as jaccli's tracer computed it (the jvp's primal output)."""
    y, _ = jaccli.jvp(f, args, tuple(np.zeros_like(a) for a in args))
    return y


def _check(f, x, modes=("fwd", "rev"), **tol):
    x = np.asarray(x, dtype=float)
    np.testing.assert_allclose(_value(f, x), f(x), rtol=1e-12, atol=1e-12)
    for mode in modes:
        np.testing.assert_allclose(jaccli.jacobian(f, x, mode=mode), _fd(f, x),
                                   rtol=tol.get("rtol", 1e-6), atol=tol.get("atol", 1e-7))


_RNG = np.random.default_rng(18)
_A6 = _RNG.standard_normal((6, 6))


# ---- 1, 2: UPLO and hermitian= ----------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda a: np.linalg.eigh(a, "U")[1], lambda a: np.linalg.eigh(a, "U")[0],
    lambda a: np.linalg.eigh(a, "u").eigenvectors,
    lambda a: np.linalg.svd(a, hermitian=True)[0], lambda a: np.linalg.svd(a, hermitian=True)[1],
    lambda a: np.linalg.svd(a, hermitian=True)[2],
    lambda a: np.linalg.svd(a, hermitian=True, compute_uv=False),
    lambda a: np.linalg.pinv(a, hermitian=True)], ids=["eigh-U-V", "eigh-U-w", "eigh-u-V",
                                                        "svd-h-U", "svd-h-S", "svd-h-Vh",
                                                        "svd-h-s", "pinv-h"])
def test_uplo_and_hermitian_follow_numpy(fn):
    _check(fn, _A6)


# ---- 13: det at singular matrices, pinv of any locally constant rank ---------------------

@pytest.mark.parametrize("fn", [
    lambda a: np.linalg.det(a[:, :5] @ a[:5]), lambda a: np.linalg.det(a[:, :4] @ a[:4]),
    lambda a: np.linalg.pinv(a[:, :2] @ a[:2]), lambda a: np.linalg.pinv(a[:3, :2] @ a[:2]),
    lambda a: np.linalg.pinv(a[:, :3]), lambda a: np.linalg.pinv(a, rcond=1e-6)],
    ids=["det-rank5", "det-rank4", "pinv-rank2", "pinv-rank2-wide", "pinv-tall", "pinv-rcond"])
def test_singular_and_rank_deficient(fn):
    _check(fn, _A6)


def test_pinv_zero_size():
    for shape in [(0, 3), (3, 0), (0, 0)]:
        a = np.zeros(shape)
        J = jaccli.jacobian(np.linalg.pinv, a)
        assert J.shape == np.linalg.pinv(a).shape + shape


def test_pinv_unstable_rank_says_so():
    a = np.diag([1.0, 1e-10, 0.5])   # kept by the cut-off 6.7e-16, yet below sqrt(eps)
    with pytest.raises(TracingError, match="rank"):
        jaccli.jacobian(np.linalg.pinv, a)


# ---- 3: a complex value where jaccli has no complex rule raises, naming the operation ----
# (complex intermediates with rules are checked in tests/test_complex.py and the case tables)

_X2 = np.array([1.0, 2.0])


def _write_complex(x):
    y = np.zeros_like(x)
    y[0] = 1j * np.ones(())
    return y + x


@pytest.mark.parametrize("fn", [
    lambda x: np.linalg.eig(np.array([[0.0, 1.0], [-1.0, 0.0]]) * x[0])[0].real,
    lambda x: np.real(np.sort(x * 1j)), lambda x: np.real(np.clip(x * 1j, 0, 1)),
    lambda x: np.real(np.linalg.solve(np.eye(2) * 1j, x)), _write_complex])
def test_complex_intermediates_raise(fn):
    for mode in ("fwd", "rev"):
        with pytest.raises(TracingError, match="complex"):
            jaccli.jacobian(fn, _X2, mode=mode)


def test_complex_argument_raises():
    with pytest.raises(JaccliError, match="complex"):
        jaccli.jacobian(np.sin, np.array([1.0 + 1j]))


# ---- 7: dtype= in reductions and scans -------------------------------------------------

def test_astype_keeps_order_k():
    """x.astype(same dtype) copies in order 'K' (np.copy's), so a reshape of it is a view or
    a copy as in NumPy."""
    _check(_copy_then_write_through_view(lambda v: v.astype(float)), np.arange(6.0).reshape(2, 3))
    _check(_copy_then_write_through_view(lambda v: v.astype(float, order="C")),
           np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("fn", [
    lambda x: np.sum(x, dtype=np.int64) * x, lambda x: x.sum(dtype=int) + x,
    lambda x: np.cumsum(30 * x, dtype=np.int8) * 1.0, lambda x: np.cumprod(x * 3, dtype=np.int16) + x.ravel(),
    lambda x: np.prod(x * 10, dtype=np.int16) * x, lambda x: np.trace(5 * x, dtype=int) * x,
    lambda x: np.nansum(x, dtype=np.int32) * x, lambda x: np.nancumsum(3 * x, dtype=np.int64) + x.ravel(),
    lambda x: np.linalg.trace(5 * x, dtype=np.int64) * x],
    ids=["sum-int", "sum-method", "cumsum-int8", "cumprod-int16", "prod-int16", "trace",
         "nansum", "nancumsum", "linalg-trace"])
def test_integer_dtype_truncates_like_numpy(fn):
    x = np.array([[1.23, 2.61], [-3.37, 4.44]])      # scaled, away from integers
    np.testing.assert_array_equal(_value(fn, x), fn(x))
    for mode in ("fwd", "rev"):
        np.testing.assert_allclose(jaccli.jacobian(fn, x, mode=mode), _fd(fn, x), atol=1e-7)


@pytest.mark.parametrize("fn, fn64", [
    (lambda x: np.sum(x, dtype=np.float32), np.sum),
    (lambda x: np.cumsum(x, axis=0, dtype=np.float32), lambda x: np.cumsum(x, axis=0)),
    (lambda x: np.mean(x, dtype=np.float32), np.mean),
    (lambda x: np.std(x, axis=1, dtype=np.float32), lambda x: np.std(x, axis=1))])
def test_float_dtype_is_honoured(fn, fn64):
    """The value in float32 as NumPy's; the derivative that of the float64 function to float32
    precision (central differences of a float32 computation are noise)."""
    x = np.array([[1.7, 2.6], [-3.3, 4.45]])
    y = _value(fn, x)
    assert np.asarray(y).dtype == fn(x).dtype
    np.testing.assert_allclose(y, fn(x), rtol=1e-6)
    np.testing.assert_allclose(jaccli.jacobian(fn, x), _fd(fn64, x), rtol=1e-5, atol=1e-6)


def test_mean_integer_dtype_refused():
    with pytest.raises(TracingError, match="dtype"):
        jaccli.jacobian(lambda x: np.mean(x, dtype=int), _X2)


# ---- 11: einsum's sublist form -----------------------------------------------------------

@pytest.mark.parametrize("fn", [
    lambda x: np.einsum(x, [0, 1], [1, 0]), lambda x: np.einsum(x, [Ellipsis, 1], x, [Ellipsis, 1]),
    lambda x: np.einsum(x, [0, 1], x, [0, 2]),
    lambda x: np.einsum(x, [0, 1], x, [2, 1], [Ellipsis, 0, 2]),
    lambda x: np.einsum(x, [0, 0]), lambda x: np.einsum("ij,ij->i", x, x, dtype=np.float64)])
def test_einsum_sublists(fn):
    _check(fn, _RNG.standard_normal((3, 3)))


# ---- 4: np.unique's values carry their derivative; a function without return raises -------

def test_unique_of_floats():
    x = np.array([3.0, 1.0, 2.5, -1.0])
    _check(lambda x: np.unique(x) * np.arange(4.0), x)
    _check(lambda x: np.unique(x, return_counts=True)[0] ** 2, x)
    # repeated values: each distinct value is its first occurrence (issue 17), so a constant
    # stays constant and duplicates made by the function differentiate as a gather
    np.testing.assert_array_equal(jaccli.jacobian(lambda x: np.unique(np.round(x * 0)), x),
                                  np.zeros((1, 4)))
    _check(lambda x: np.unique(np.concatenate([x, x[::-1]])) * np.arange(4.0), x)


@pytest.mark.parametrize("fn", [lambda x: None, lambda x: (x, None)])
def test_function_without_return_raises(fn):
    with pytest.raises(TracingError, match="None"):
        jaccli.jacobian(fn, _X2)


# ---- 5: d/dx x**0 is 0, at 0 too ---------------------------------------------------------

@pytest.mark.parametrize("fn", [lambda x: x ** 0, lambda x: np.power(x, 0.0),
                                lambda x: np.float_power(x, 0), lambda x: x ** np.zeros(3)])
def test_power_zero_exponent_at_zero(fn):
    x = np.array([0.0, 2.0, -1.5])
    for mode in ("fwd", "rev"):
        np.testing.assert_array_equal(jaccli.jacobian(fn, x, mode=mode), np.zeros((3, 3)))


# ---- 6: a copy is C-ordered (method) or K-ordered (np.copy), so its views follow NumPy -----

def _copy_then_write_through_view(copy):
    def f(a):
        b = copy(a.T)
        w = b.reshape(-1)        # a view exactly when b is C-contiguous
        w[0] = 10 * a[1, 1]
        return b
    return f


@pytest.mark.parametrize("copy", [lambda v: v.copy(), lambda v: v.copy(order="F"),
                                  lambda v: v.copy(order="K"), lambda v: v.copy(order="A"),
                                  np.copy, lambda v: np.copy(v, order="C")],
                         ids=["method", "method-F", "method-K", "method-A", "np.copy", "np.copy-C"])
def test_copy_order_decides_views(copy):
    _check(_copy_then_write_through_view(copy), np.arange(9.0).reshape(3, 3) + 1)


def test_copy_then_slice_view_add():
    def f(a):
        v2 = a.T
        v3 = v2.copy()
        w1 = v3[-1:, ...]
        w1 += a[0, 0]
        return v3 + v2
    _check(f, _RNG.standard_normal((3, 3)))


# ---- 8: a module function writing into its argument is taken at the spec's point ------------

def test_module_function_mutating_its_argument(tmp_path):
    from click.testing import CliRunner
    from jaccli.cli import main
    (tmp_path / "mut.py").write_text("def f(x):\n    x *= 2\n    return x ** 2\n")
    out = tmp_path / "J.npy"
    res = CliRunner().invoke(main, ["jacobian", f"{tmp_path}/mut.py:f", "--input", "x=[1, 2]",
                                    "-o", str(out)])
    assert res.exit_code == 0, res.output
    np.testing.assert_allclose(np.load(out), _fd(lambda x: (2 * x) ** 2, [1.0, 2.0]), rtol=1e-6)


# ---- 9: spec names as Python reads them; .npz block names never collide ---------------------

def _load(write_spec, text):
    from jaccli.spec import load_spec
    return load_spec(str(write_spec(text)))


def test_fullwidth_let_name_is_the_same_name(write_spec):
    from jaccli.spec import SpecError
    with pytest.raises(SpecError, match="already defined"):
        _load(write_spec, "inputs: {x: 3.0}\nlet: {ｘ: x * x}\noutputs: {f: ｘ}\n")
    with pytest.raises(SpecError, match="same name"):
        _load(write_spec, "inputs: {x: 3.0, ｘ: 2.0}\noutputs: {f: x}\n")


def test_normalised_names_evaluate(write_spec):
    spec = _load(write_spec, "inputs: {x: 3.0}\nlet: {ｙ: x * x}\noutputs: {f: y * 2}\n")
    assert spec.input_names == ["x"]
    J = jaccli.jacobian(lambda x: spec.function(x)[0], np.array(3.0))
    np.testing.assert_allclose(J, 12.0)


def test_npz_block_names_cannot_collide(write_spec):
    from jaccli.spec import SpecError
    with pytest.raises(SpecError, match="__"):
        _load(write_spec, "inputs: {c: 3.0, b__c: 2.0}\noutputs: {a__b: c, a: b__c}\n")


# ---- 10: list and scalar operands of every binary operator and function ------------------

_OPS = {
    "matmul-r": lambda x: x @ [1.0, 2.0], "matmul-l": lambda x: [[1.0, 2.0], [0.5, 1.0]] @ x,
    "np.matmul-r": lambda x: np.matmul(x, [1.0, 2.0]), "np.matmul-l": lambda x: np.matmul([1.0, 2.0], x),
    "add": lambda x: x + [1.0, 2.0], "rsub": lambda x: [1.0, 2.0] - x, "mul": lambda x: [2.0, 3.0] * x,
    "div": lambda x: x / [2.0, 3.0], "rdiv": lambda x: [2.0, 3.0] / x, "pow": lambda x: x ** [2.0, 3.0],
    "rpow": lambda x: [2.0, 3.0] ** x, "mod": lambda x: x % [5.0, 7.0], "np.add": lambda x: np.add([1.0, 2.0], x),
    "maximum": lambda x: np.maximum([0.05, 9.0], x), "where": lambda x: np.where([True, False], x, [0.0, 1.0]),
    "dot": lambda x: np.dot(x, [1.0, 2.0]), "einsum": lambda x: np.einsum("ij,j->i", x, [1.0, 2.0]),
    "solve": lambda x: np.linalg.solve(x + 3 * np.eye(2), [1.0, 2.0]), "outer": lambda x: np.outer(x, [1.0, 2.0]),
    "arctan2": lambda x: np.arctan2([1.0, 2.0], x), "hypot": lambda x: np.hypot(x, [1.0, 2.0]),
    "scalar-l": lambda x: 2.0 ** x + 3 - x, "numpy-scalar": lambda x: np.float64(2.0) * x,
}


@pytest.mark.parametrize("name", list(_OPS))
def test_list_and_scalar_operands(name):
    _check(_OPS[name], np.array([[1.2, 2.3], [3.1, 0.4]]))


# ---- 12: the complex helpers on real arrays, ldexp / frexp, fft shifts ---------------------

@pytest.mark.parametrize("fn", [
    lambda x: np.imag(x) + x, lambda x: np.angle(x) + x, lambda x: np.angle(x, deg=True) * x,
    lambda x: np.real_if_close(x), lambda x: np.iscomplex(x) * x + np.isreal(x) * x,
    lambda x: np.iscomplexobj(x) + np.isrealobj(x) * x, lambda x: np.ldexp(x, 3),
    lambda x: np.ldexp(x, np.array([1, -2])), lambda x: np.frexp(x)[0],
    lambda x: np.frexp(x)[1] * x, lambda x: np.fft.fftshift(x),
    lambda x: np.fft.ifftshift(x, axes=0), lambda x: np.fft.fftshift(x, axes=(1,))])
def test_real_helpers(fn):
    _check(fn, np.array([[1.3, -2.2], [3.1, 4.7], [-0.55, 6.1]]))   # off powers of 2


# ---- 14, 15: lists of traced scalars (a known limit: a clear error); scalar-type casts -----

@pytest.mark.parametrize("fn", [lambda x: np.mean([x[0], x[1]]), lambda x: np.std([x[0], x[1]]),
                                lambda x: np.linalg.norm([x[0], x[1]])])
def test_list_of_traced_scalars_says_what_to_write(fn):
    with pytest.raises(TracingError, match="np.stack"):
        jaccli.jacobian(fn, _X2)


@pytest.mark.parametrize("fn", [lambda x: np.int64(x[0]) * x, lambda x: np.int8(x[1] * 3) + x,
                                lambda x: np.bool_(x[0]) * x, lambda x: np.uint16(x[0]) * x,
                                lambda x: np.asarray(x, dtype=int) * x])
def test_integer_scalar_casts(fn):
    _check(fn, np.array([1.5, 2.75]))


@pytest.mark.parametrize("fn", [lambda x: np.float32(x[0]) * x, lambda x: np.float64(x[0]) * x])
def test_float_scalar_casts_say_astype(fn):
    with pytest.raises(TracingError, match="astype|float"):
        jaccli.jacobian(fn, _X2)


# ---- 18: zero-size inputs -----------------------------------------------------------------

@pytest.mark.parametrize("fn, x", [(np.sin, np.zeros(0)), (np.sum, np.zeros(0)),
                                   (lambda x: x * 2, np.zeros((0, 3)))])
def test_zero_size_input_api(fn, x):
    for mode in ("fwd", "rev", "auto"):
        J = jaccli.jacobian(fn, x, mode=mode)
        assert J.shape == np.shape(fn(x)) + x.shape


@pytest.mark.parametrize("fmt", ["npy", "npz", "csv"])
def test_zero_size_input_cli(write_spec, tmp_path, fmt):
    from click.testing import CliRunner
    from jaccli.cli import main
    path = write_spec("inputs: {x: [], y: 2.0}\noutputs: {f: sum(x) * y, g: y * y}\n")
    out = tmp_path / f"J.{fmt}"
    res = CliRunner().invoke(main, ["jacobian", str(path), "-o", str(out)])
    assert res.exit_code == 0, res.output
    if fmt == "npy":
        np.testing.assert_allclose(np.load(out), [[0.0], [4.0]])
    path = write_spec("inputs: {x: []}\noutputs: {f: sin(x)}\n", name="empty.yaml")
    res = CliRunner().invoke(main, ["jacobian", str(path), "-o", str(out)])
    assert res.exit_code == 0, res.output


def test_astype_with_an_order_copies_in_it():
    _check(_copy_then_write_through_view(lambda v: v.astype(np.float64, order="C")),
           np.arange(6.0).reshape(2, 3))
    _check(_copy_then_write_through_view(lambda v: v.astype(np.float64, order="F")),
           np.arange(6.0).reshape(2, 3))
