"""Shared fixtures of the spec and command-line tests."""

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


def pytest_collection_modifyitems(config, items):
    """Tests marked ``gpu`` run only where CuPy sees a CUDA device; elsewhere they skip."""
    if any("gpu" in item.keywords for item in items) and not _gpu_available():
        skip = pytest.mark.skip(reason="needs CuPy and a CUDA GPU")
        for item in items:
            if "gpu" in item.keywords:
                item.add_marker(skip)
