"""Shared fixtures of the spec and command-line tests, and the GPU wiring: tests marked ``gpu``
run on real CuPy where it sees a CUDA device, and on the strict CuPy stand-in
(tests/strict_cupy.py) otherwise, or wherever JACCLI_GPU_STANDIN=1."""
import os
import sys
import textwrap
from pathlib import Path

import pytest

CONFIGS = Path(__file__).resolve().parent.parent / "configs"


@pytest.fixture
def write_spec(tmp_path):
    """write_spec(text, name="spec.yaml") -> path of a spec file holding the dedented text."""
    def write(text, name="spec.yaml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path
    return write


@pytest.fixture
def configs():
    return CONFIGS


def _gpu_available():
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:                    # noqa: BLE001 - no CuPy, no driver, no device
        return False


def use_standin():
    """True where the gpu tests run on the stand-in (no usable GPU, or asked for)."""
    if not hasattr(use_standin, "answer"):
        use_standin.answer = os.environ.get("JACCLI_GPU_STANDIN") == "1" or not _gpu_available()
    return use_standin.answer


@pytest.fixture(autouse=True)
def _gpu_backend(request, monkeypatch):
    """For a ``gpu`` test without a GPU: the stand-in as sys.modules cupy/cupyx for this test
    only (monkeypatch restores what was there, e.g. no cupy at all, afterwards)."""
    if request.node.get_closest_marker("gpu") is None or not use_standin():
        yield None
        return
    import strict_cupy
    for name in [n for n in sys.modules if n == "cupy" or n.startswith(("cupy.", "cupyx"))]:
        monkeypatch.delitem(sys.modules, name)
    for name, module in strict_cupy.install().items():
        monkeypatch.setitem(sys.modules, name, module)
    strict_cupy.reset()
    yield strict_cupy


@pytest.fixture
def standin(_gpu_backend):
    """The stand-in module (transfer and sync logs) in a ``gpu`` test; skips on a real GPU."""
    if _gpu_backend is None:
        pytest.skip("counts transfers on the CuPy stand-in only")
    return _gpu_backend


def pytest_collection_modifyitems(config, items):
    """Known failures on NumPy 2.5 (tests/numpy_versions.py): xfail there, run elsewhere."""
    from numpy_versions import mark_numpy_breaks
    mark_numpy_breaks(items)
