"""device='cuda': clear failures without a GPU (run everywhere), and on a GPU every case of
the derivative tables, forward and reverse, CuPy against NumPy (marked ``gpu``: on the strict
CuPy stand-in where CuPy sees no CUDA device; known breaks are xfailed in gpu_breaks.py)."""
import sys
import types
import zlib

import numpy as np
import pytest
from cases import CASES

import jaccli
from gpu_breaks import table_marks


def cli_run(args):
    """The command line in process (skipped where click is missing, e.g. a bare GPU box)."""
    testing = pytest.importorskip("click.testing")
    from jaccli.cli import main
    return testing.CliRunner().invoke(main, [str(a) for a in args])


def seed(x):
    return np.log(x[0:1]) + x[0:1] * x[1:2] - np.sin(x[1:2])


X = np.array([2.0, 5.0])


# ---------------------------------------------------------------- without a GPU

def test_missing_cupy_is_a_clear_input_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)          # import cupy -> ImportError
    with pytest.raises(jaccli.InputError, match=r"pip install 'jaccli\[gpu\]'"):
        jaccli.jacobian(seed, X, device="cuda")


def test_cupy_without_a_device_names_the_cuda_error(monkeypatch):
    def no_device():
        raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")
    fake = types.SimpleNamespace(cuda=types.SimpleNamespace(
        runtime=types.SimpleNamespace(getDeviceCount=no_device)))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    with pytest.raises(jaccli.InputError, match="cudaErrorNoDevice"):
        jaccli.jacobian(seed, X, device="cuda")


def test_command_line_exits_2_without_cupy(monkeypatch, configs):
    monkeypatch.setitem(sys.modules, "cupy", None)
    result = cli_run(["jacobian", configs / "seed.yaml", "--device", "cuda", "-o", "-"])
    assert result.exit_code == 2
    assert "jaccli[gpu]" in result.output and "Traceback" not in result.output


def test_unknown_device_is_refused():
    with pytest.raises(jaccli.InputError, match="'cpu', 'cuda'"):
        jaccli.jacobian(seed, X, device="tpu")


# ---------------------------------------------------------------- on a GPU

TABLE = [pytest.param(case, mode, marks=table_marks(case.name, mode), id=f"{case.name}-{mode}")
         for case in CASES for mode in ("fwd", "rev")]


@pytest.mark.gpu
@pytest.mark.parametrize("case, mode", TABLE)
def test_cupy_matches_numpy(case, mode):
    import cupy
    args = case.sample(np.random.default_rng(zlib.crc32(case.name.encode())))
    cpu = jaccli.jacobian(case.fn, *args, argnums=case.argnums, mode=mode)
    gpu = jaccli.jacobian(case.fn, *args, argnums=case.argnums, mode=mode, device="cuda")
    cpu, gpu = (cpu, gpu) if isinstance(cpu, tuple) else ((cpu,), (gpu,))
    for c, g in zip(cpu, gpu):
        assert isinstance(g, cupy.ndarray)
        np.testing.assert_allclose(cupy.asnumpy(g), c, rtol=1e-9, atol=1e-11)


@pytest.mark.gpu
def test_command_line_on_the_gpu(configs, tmp_path):
    out = tmp_path / "J.npy"
    result = cli_run(["jacobian", configs / "seed.yaml", "--device", "cuda", "-o", out])
    assert result.exit_code == 0, result.output
    np.testing.assert_allclose(np.load(out), [[5.5, 2.0 - np.cos(5.0)]], rtol=1e-12)
