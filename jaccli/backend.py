"""Array backends: NumPy on the CPU, CuPy on an NVIDIA GPU (``device="cuda"``).

The rules are written with NumPy functions; on CuPy arrays those dispatch to CuPy (NEP 13/18),
so one rule set serves both. What cannot dispatch -- creating a new array (np.eye, np.zeros
with a shape) -- asks ``xp_of`` for the module of an operand. CuPy is imported only when a
GPU is asked for.
"""
import numpy as np

from .errors import InputError
from .memory import available_memory

def xp_of(a):
    """The array module of ``a``: numpy, or cupy for a CuPy array."""
    if type(a) is np.ndarray or not hasattr(a, "__cuda_array_interface__"):
        return np
    import cupy
    return cupy


def graph_module(graph):
    """numpy, or cupy when the graph was traced on GPU arrays."""
    return xp_of(graph.values[graph.inputs[0]]) if graph.inputs else np


def on_gpu(a):
    return type(a) is not np.ndarray and hasattr(a, "__cuda_array_interface__")


CUPY_NEEDED = 14      # cupy.linalg.eig, and the NumPy 2 behaviour the rules rely on


def cuda():
    """The cupy module, after checking that it is recent enough and that a CUDA device can
    be used; InputError (exit 2 on the command line) naming the problem otherwise."""
    try:
        import cupy
    except ImportError:
        raise InputError("CuPy is not installed: pip install 'jaccli[gpu]' (and a CUDA "
                         "driver) to use device='cuda' / --device cuda.") from None
    version = str(getattr(cupy, "__version__", "0"))
    major = version.split(".", 1)[0]
    if not major.isdigit() or int(major) < CUPY_NEEDED:
        raise InputError(f"CuPy {version} is installed; device='cuda' / --device cuda needs "
                         f"CuPy {CUPY_NEEDED} or newer: pip install 'cupy-cuda12x>="
                         f"{CUPY_NEEDED}' (or 'jaccli[gpu]').")
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:            # noqa: BLE001 - CUDA raises several kinds
        raise InputError(f"CuPy is installed but no CUDA device is usable: {exc}") from None
    if count < 1:
        raise InputError("CuPy is installed but found no CUDA device.")
    return cupy


def module_for(device):
    """numpy for None/'cpu', cupy for 'cuda' (checked); InputError for anything else."""
    if device in (None, "cpu"):
        return np
    if device == "cuda":
        return cuda()
    raise InputError(f"device={device!r} is not one of 'cpu', 'cuda'.")


def to_module(a, xp):
    """``a`` as an array of module ``xp`` (a no-op when it already is one)."""
    if xp is np:
        return a.get() if on_gpu(a) else a
    return xp.asarray(a)


def to_host(a):
    """``a`` as a NumPy value, for code that must read it on the host (an index, a traced
    decision's shape): a CuPy array is copied explicitly, ``.get()`` (one device-to-host
    transfer, at trace time); anything else as np.asarray gives it."""
    if type(a) is np.ndarray:
        return a
    return a.get() if on_gpu(a) else np.asarray(a)


def copy_array(a):
    """A writable copy (NumPy scalars from reductions become 0-d arrays); a CuPy array's or a
    Tracer's own ``.copy()`` (a rule traced again copies through the tracer)."""
    if isinstance(a, (np.ndarray, np.generic)) or not hasattr(a, "copy"):
        return np.array(a, copy=True)
    return a.copy()


def scatter_add(a, index, values):
    """``a[index] += values`` in place, repeated indices accumulating (np.add.at); CuPy's
    equivalent is cupyx.scatter_add."""
    if not on_gpu(a):
        np.add.at(a, index, values)
        return
    import cupyx
    cupyx.scatter_add(a, index, values)


def free_memory(xp):
    """Bytes free for a sweep: available RAM, or free memory on the current GPU."""
    if xp is np:
        return available_memory()
    free, _total = xp.cuda.Device().mem_info
    return free + xp.get_default_memory_pool().free_bytes()
