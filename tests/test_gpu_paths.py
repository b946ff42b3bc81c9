"""device='cuda' beyond the derivative table: the command line, memmap output, traced decisions,
constant array operands through NumPy functions, linalg errors, and host transfers. Marked
``gpu``: real CuPy on a GPU, the strict stand-in (tests/strict_cupy.py) elsewhere. Breaks the
stand-in finds are xfailed by cause (gpu_breaks.py); strict, so a fix turns them into XPASS."""
import numpy as np
import pytest

import jaccli
from jaccli.api import flat_jacobian
from test_gpu import cli_run

pytestmark = pytest.mark.gpu

RNG = np.random.default_rng(13)
W = RNG.standard_normal((3, 4))
A = RNG.standard_normal((4, 4)) + 4 * np.eye(4)
C = RNG.standard_normal(4)
X = RNG.uniform(0.5, 1.5, 4)


def jac_both(f, *args, **kw):
    """(CPU J, GPU J as NumPy): the GPU run must give a device array equal to the CPU's."""
    import cupy
    cpu = jaccli.jacobian(f, *args, **kw)
    gpu = jaccli.jacobian(f, *args, device="cuda", **kw)
    assert isinstance(gpu, cupy.ndarray)
    gpu = cupy.asnumpy(gpu)
    np.testing.assert_allclose(gpu, cpu, rtol=1e-9, atol=1e-11)
    return cpu, gpu


# ---------------------------------------------------------------- constant array operands

CONSTANT_OPS = {
    "dot": lambda x, W: np.dot(W, x),            # dot, matmul forward: the W @ x seed rule
    "matmul": lambda x, W: W @ x,
    "einsum": lambda x, W: np.einsum("ij,j->i", W, x),
    "concatenate": lambda x, W: np.concatenate([x, W[0]]),
    "where": lambda x, W: np.where(x > 1.0, x, W[1]),
    "solve": lambda x, W: np.linalg.solve(A, x),
    "add": lambda x, W: x + W[2],
}


def _constant_params():
    for name in CONSTANT_OPS:
        for mode in ("fwd", "rev"):
            for how in ("argument", "closure"):
                yield pytest.param(name, mode, how, id=f"{name}-{mode}-{how}")


@pytest.mark.parametrize("name, mode, how", list(_constant_params()))
def test_constant_array_operands(name, mode, how):
    op = CONSTANT_OPS[name]
    if how == "argument":          # a non-differentiated argument: jaccli moves it to the GPU
        jac_both(op, X, W, argnums=0, mode=mode)
    else:                          # a NumPy array the function closes over
        jac_both(lambda x: op(x, W), X, mode=mode)


# ---------------------------------------------------------------- traced decisions

DECISIONS = {
    "python-if": lambda x: x * 2.0 if x[0] > 0 else -x,
    "bool-mask": lambda x: np.sum(x[x > 1.0] ** 2) * x,
    "traced-int-index": lambda x: x * x[np.argmax(x)],
    "traced-index-array": lambda x: x[np.argsort(x)] ** 2,
    "slice-at-a-read-value": lambda x: x[np.searchsorted(np.sort(x), 1.0):] ** 2 * x[0],
}


@pytest.mark.parametrize("mode", ["fwd", "rev"])
@pytest.mark.parametrize("name", list(DECISIONS))
def test_traced_decisions(name, mode):
    jac_both(DECISIONS[name], X, mode=mode)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_integer_element_is_a_zero_d_view_not_a_stale_one(mode):
    def f(x):
        y = x * 1.0
        a = y[0]                   # CuPy: a 0-d view of y; NumPy: a copy
        y[1] = 0.0
        return a * y
    jac_both(f, X, mode=mode)


@pytest.mark.parametrize("kw", [{}, {"hermitian": True}, {"rtol": 0.5}, {"tol": 1e-3}],
                         ids=["default", "hermitian", "rtol", "tol"])
def test_matrix_rank_reads_a_traced_value(kw):
    """cupy.linalg.matrix_rank(M, tol=None) takes no hermitian or rtol: the GPU agrees anyway."""
    jac_both(lambda x: x * np.linalg.matrix_rank(x.reshape(2, 2), **kw), X, mode="rev")


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_an_output_that_is_a_device_constant(mode):
    """np.unique reads a value: on a GPU its result is a device array, an output like any."""
    jac_both(lambda x: np.unique(x) * 2.0, X, mode=mode)


# ---------------------------------------------------------------- linalg errors

@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_cholesky_of_a_non_pd_matrix_is_our_clear_error(mode):
    """CuPy gives NaN where NumPy raises LinAlgError: the GPU must raise the CPU's error."""
    def f(x):
        M = np.outer(x, x) - 10.0 * np.eye(4)           # negative definite
        return np.linalg.cholesky(M).ravel()
    errors = []
    for device in (None, "cuda"):
        with pytest.raises(Exception) as info:
            J = jaccli.jacobian(f, X, mode=mode, device=device)
            pytest.fail(f"device={device}: no error, J has NaN: {np.isnan(J.sum())}")
        errors.append(info.value)
    assert type(errors[1]) is type(errors[0]) and "positive definite" in str(errors[1])


@pytest.mark.parametrize("op", ["inv", "solve"])
def test_a_singular_matrix_is_numpys_error_on_the_gpu(op):
    """CuPy gives inf/NaN where NumPy raises LinAlgError('Singular matrix'): so does the GPU."""
    def f(x):
        M = np.outer(x, np.ones(4))                        # rank one: exactly singular
        return np.linalg.inv(M) @ x if op == "inv" else np.linalg.solve(M, x)
    for device in (None, "cuda"):
        with pytest.raises(np.linalg.LinAlgError, match="Singular matrix"):
            jaccli.jacobian(f, X, device=device)


# ---------------------------------------------------------------- batched points

def test_batched_points_on_the_gpu_are_a_clear_refusal():
    f = lambda x: np.sin(x) * x.sum()                   # noqa: E731
    with pytest.raises(jaccli.InputError, match="CPU only"):
        jaccli.jacobian(f, np.ones((3, 4)), batched=True, device="cuda")


# ---------------------------------------------------------------- host transfers

IDX = RNG.permutation(12)
W12 = RNG.standard_normal((12, 12))
PER_SWEEP = {          # name -> (f, arguments): none may copy anything per sweep
    "elementwise": (lambda x: np.tanh(x) * np.sum(x ** 2), 1),
    # index arrays: traced (argsort, a mask), constant (np.take, a fancy index, an assignment),
    # a closure constant (W12): each is moved once, at trace time, never per sweep
    "index-arrays": (lambda x: x[np.argsort(x)] ** 2 + np.sum(x[x > 0.5]) + np.take(x, IDX)
                     * (W12 @ x) + _assigned(x), 1),
    "two-inputs": (lambda x, y: np.sin(x) * y[IDX], 2),
}


def _assigned(x):
    y = np.zeros_like(x)
    y[IDX[:6]] = x[:6] ** 2
    return y


@pytest.mark.parametrize("mode", ["fwd", "rev"])
@pytest.mark.parametrize("name", list(PER_SWEEP))
def test_no_host_transfer_per_sweep(standin, name, mode):
    """Many sweeps (chunk_size=1) against one: no device-to-host copy, sync or host-to-device
    copy that grows with them; none at all to the host for an elementwise f."""
    f, n_args = PER_SWEEP[name]
    x = np.linspace(0.1, 1.0, 12)
    args, argnums = (x,) * n_args, tuple(range(n_args))
    counts = {}
    for chunk in (1, 12 * n_args):
        standin.reset()
        J = jaccli.jacobian(f, *args, argnums=argnums, mode=mode, chunk_size=chunk,
                            device="cuda")
        counts[chunk] = [list(log) for log in (standin.TRANSFERS, standin.SYNCS,
                                               standin.UPLOADS)]
        J = J if isinstance(J, tuple) else (J,)
        J[0].get()
        assert len(standin.TRANSFERS) == len(counts[chunk][0]) + 1
    (t1, s1, u1), (tn, sn, un) = counts[1], counts[12 * n_args]
    if name == "elementwise":
        assert t1 == [], f"host transfers during the sweeps: {t1}"
    assert len(t1) == len(tn), f"transfers grow with the number of sweeps: {t1} vs {tn}"
    assert len(s1) == len(sn), f"syncs grow with the number of sweeps: {s1} vs {sn}"
    assert len(u1) == len(un), f"uploads grow with the number of sweeps: {u1} vs {un}"


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_memmap_output_copies_one_block_per_chunk(standin, tmp_path, mode):
    """J written chunk by chunk into a .npy: one explicit device-to-host copy per chunk."""
    f = lambda x: np.tanh(x) * np.sum(x ** 2)           # noqa: E731
    x = np.linspace(0.1, 1.0, 120)
    res = flat_jacobian(f, (x,), mode=mode, memory_limit="32kB", device="cuda",
                        out_path=tmp_path / "J.npy")
    assert res.plan.storage == "memmap", res.plan
    chunks = -(-120 // res.plan.chunk_size)
    assert chunks > 1 and len(standin.TRANSFERS) == chunks, standin.TRANSFERS
    np.testing.assert_allclose(np.load(tmp_path / "J.npy"), jaccli.jacobian(f, x), rtol=1e-12)


def test_a_constant_is_copied_to_the_device_once(standin):
    """W read by two equations: one host-to-device copy of it (and one of x), not one per
    equation nor one for the equation and another for its value."""
    jac_both(lambda x: np.dot(W12, x) + W12 @ np.sin(x), np.linspace(0.1, 1.0, 12))
    standin.reset()
    jaccli.jacobian(lambda x: np.dot(W12, x) + W12 @ np.sin(x), np.linspace(0.1, 1.0, 12),
                    device="cuda")
    assert len(standin.UPLOADS) == 2, standin.UPLOADS


def test_writing_a_constant_after_using_it_raises_as_on_the_cpu():
    def f(x):
        buf = np.zeros(4)
        buf[:] = 1.0
        y = x * buf
        buf[:] = 2.0                 # the recorded product (and its device copy) would not see it
        return y
    for device in (None, "cuda"):
        with pytest.raises(jaccli.TracingError, match="wrote into a NumPy array"):
            jaccli.jacobian(f, X, device=device)


# ---------------------------------------------------------------- the command line

SPEC = """\
name: grid
inputs:
  x: {shape: [120], random: {seed: 0, low: 0.5, high: 1.5}}
outputs:
  f: sin(x) * sum(x ** 2)
"""


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_command_line_cuda_equals_cpu(write_spec, tmp_path, mode):
    spec = write_spec(SPEC)
    outs = {}
    for device in ("cpu", "cuda"):
        outs[device] = tmp_path / f"J-{device}.npy"
        result = cli_run(["jacobian", spec, "--device", device, "--mode", mode,
                          "-o", outs[device]])
        assert result.exit_code == 0, result.output
    np.testing.assert_allclose(np.load(outs["cuda"]), np.load(outs["cpu"]), rtol=1e-9)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_command_line_memmap_output_on_the_gpu(write_spec, tmp_path, mode):
    """J (120 x 120 float64, 115 kB) over a 32 kB budget: written chunk by chunk into J.npy."""
    spec = write_spec(SPEC)
    outs = {}
    for device in ("cpu", "cuda"):
        outs[device] = tmp_path / f"J-{device}.npy"
        result = cli_run(["jacobian", spec, "--device", device, "--mode", mode,
                          "--memory-limit", "32kB", "-o", outs[device], "--explain"])
        assert result.exit_code == 0, result.output
        assert "chunk by chunk" in result.output, result.output
    np.testing.assert_allclose(np.load(outs["cuda"]), np.load(outs["cpu"]), rtol=1e-9)
