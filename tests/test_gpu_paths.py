"""device='cuda' beyond the derivative table: the command line, memmap output, traced decisions,
constant array operands through NumPy functions, linalg errors, and host transfers. Marked
``gpu``: real CuPy on a GPU, the strict stand-in (tests/strict_cupy.py) elsewhere. Tests xfailed
here are the breaks the stand-in found (issue 13); strict, so a fix turns them into XPASS."""
import numpy as np
import pytest

import jaccli
from test_gpu import cli_run

pytestmark = pytest.mark.gpu

RNG = np.random.default_rng(13)
W = RNG.standard_normal((3, 4))
A = RNG.standard_normal((4, 4)) + 4 * np.eye(4)
C = RNG.standard_normal(4)
X = RNG.uniform(0.5, 1.5, 4)

from gpu_breaks import (CHOLESKY_NAN, DECIDE, DISPATCH, INDEX, MEMMAP, RANK, SEED_ASCONTIG,
                        VIEW0D)


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
    "dot": lambda x, W: np.dot(W, x),
    "matmul": lambda x, W: W @ x,
    "einsum": lambda x, W: np.einsum("ij,j->i", W, x),
    "concatenate": lambda x, W: np.concatenate([x, W[0]]),
    "where": lambda x, W: np.where(x > 1.0, x, W[1]),
    "solve": lambda x, W: np.linalg.solve(A, x),
    "add": lambda x, W: x + W[2],
}
FWD_SEEDED = {"dot", "matmul"}          # the W @ x identity-seed path (forward mode)


def _constant_params():
    for name in CONSTANT_OPS:
        for mode in ("fwd", "rev"):
            for how in ("argument", "closure"):
                marks = [SEED_ASCONTIG] if name in FWD_SEEDED and mode == "fwd" else []
                marks += [DISPATCH] if name == "concatenate" and how == "argument" else []
                yield pytest.param(name, mode, how, marks=marks, id=f"{name}-{mode}-{how}")


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
}
DECISION_MARKS = {"python-if": DECIDE, "bool-mask": DECIDE, "traced-index-array": INDEX}


@pytest.mark.parametrize("mode", ["fwd", "rev"])
@pytest.mark.parametrize("name", [pytest.param(n, marks=DECISION_MARKS.get(n, ()))
                                  for n in DECISIONS])
def test_traced_decisions(name, mode):
    jac_both(DECISIONS[name], X, mode=mode)


@VIEW0D
@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_integer_element_is_a_zero_d_view_not_a_stale_one(mode):
    def f(x):
        y = x * 1.0
        a = y[0]                   # CuPy: a 0-d view of y; NumPy: a copy
        y[1] = 0.0
        return a * y
    jac_both(f, X, mode=mode)


@RANK
def test_matrix_rank_reads_a_traced_value():
    jac_both(lambda x: x * np.linalg.matrix_rank(x.reshape(2, 2)), X, mode="rev")


# ---------------------------------------------------------------- linalg errors

@CHOLESKY_NAN
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


# ---------------------------------------------------------------- batched points

def test_batched_points_on_the_gpu_are_a_clear_refusal():
    f = lambda x: np.sin(x) * x.sum()                   # noqa: E731
    with pytest.raises(jaccli.InputError, match="CPU only"):
        jaccli.jacobian(f, np.ones((3, 4)), batched=True, device="cuda")


# ---------------------------------------------------------------- host transfers

@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_no_host_transfer_per_sweep(standin, mode):
    """Many sweeps (chunk_size=1): no device-to-host copy and no sync that grows with them."""
    f = lambda x: np.tanh(x) * np.sum(x ** 2)           # noqa: E731
    x = np.linspace(0.1, 1.0, 12)
    counts = {}
    for chunk in (1, 12):
        standin.reset()
        J = jaccli.jacobian(f, x, mode=mode, chunk_size=chunk, device="cuda")
        counts[chunk] = (list(standin.TRANSFERS), list(standin.SYNCS))
        J.get()
        assert len(standin.TRANSFERS) == len(counts[chunk][0]) + 1
    assert counts[1][0] == [], f"host transfers during the sweeps: {counts[1][0]}"
    assert len(counts[1][1]) == len(counts[12][1]), (
        f"syncs grow with the number of sweeps: {counts[1][1]} vs {counts[12][1]}")


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


@pytest.mark.parametrize("mode", [pytest.param("fwd", marks=MEMMAP),
                                  pytest.param("rev", marks=MEMMAP)])
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
