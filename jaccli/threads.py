"""BLAS threads per call: one thread for sweeps whose matrix products are small.

NOTE: why. The batched (many-point) sweeps run many small products: a 10 -> 10 MLP at 10^4
points makes (K * P, 10) @ (10, 10) GEMMs of ~10^7 flops, 0.2-0.3 ms each on one thread. With
OpenBLAS's default threads (one per core) each such call splits over both cores and waits for
the second thread; on a loaded machine that thread is often not scheduled for a time slice,
so a 0.3 ms product took 4-34 ms (measured on the 2-core development machine, loaded by
other users: ``scripts/bench_threads.py``), and the whole batched Jacobian went from 23 ms to
60-140 ms. On the same machine idle, the threads pay from ~10^6 flops a call: a (38130, 10) @
(10, 10) product 0.15 ms on two threads against 0.28 ms on one, a 300 -> 300 MLP at 100 points
113 ms against 189 ms. So the rule: products under ``SMALL_FLOPS`` run on one thread always;
products up to ``THREADED_FLOPS`` run on one thread when the machine is busy (the last
minute's load average leaves less than one core idle, ``busy``); larger ones keep the default
threads.

``blas_threads(graph, rows)`` is the context the sweeps run in: ``threadpoolctl``'s limit of
one BLAS thread when the graph's largest product over ``rows`` seed-point rows is small, else
nothing; the previous setting is restored on exit. Without threadpoolctl it does nothing.
"""
import contextlib
import os

from .costs import eqn_flops

THREADED_FLOPS = 1e9       # a BLAS call with more flops (~20 ms on one core) keeps its threads
SMALL_FLOPS = 1e6          # one with fewer (~0.05 ms) runs on one thread, busy machine or not

_controller = None


def largest_product_flops(graph, rows):
    """Flops of the graph's largest BLAS call in a sweep of ``rows`` seed (x point) rows."""
    per_row = max((eqn_flops(e) for e in graph.eqns), default=0)
    return per_row * rows


def blas_threads(graph, rows):
    """A context limiting BLAS to one thread while the sweeps of ``graph`` over ``rows``
    rows run, when their largest product is small (the NOTE above); else a no-op."""
    flops = largest_product_flops(graph, rows)
    if flops >= THREADED_FLOPS or (flops >= SMALL_FLOPS and not busy()):
        return contextlib.nullcontext()
    controller = _blas_controller()
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


def busy():
    """Whether this machine has less than one core idle (the last minute's load average)."""
    try:
        return os.getloadavg()[0] > (os.cpu_count() or 1) - 1
    except (OSError, AttributeError):          # no load average here: assume busy
        return True


def _blas_controller():
    """threadpoolctl's controller of the loaded BLAS libraries, made once (finding them
    costs ~1 ms); None without threadpoolctl or without a BLAS that has threads."""
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController
            _controller = ThreadpoolController()
        except Exception:             # not installed, or a platform it cannot inspect
            _controller = False
    if _controller is False or not _controller.select(user_api="blas").lib_controllers:
        return None
    return _controller
