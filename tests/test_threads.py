"""BLAS threads per call (jaccli/threads.py): the batched sweeps run small products on one
BLAS thread and large ones on the threads set outside; the setting outside is restored after
the call (also after an error); the results do not depend on it."""
import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import jaccli
from jaccli import points, threads
from jaccli.sparse import batched as sparse_batched

rng = np.random.default_rng(0)
W1, W2 = rng.standard_normal((10, 10)), rng.standard_normal((10, 10))


def mlp(x):
    return W2 @ np.tanh(W1 @ x)


def _blas_threads():
    found = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    if not found:
        pytest.skip("no BLAS library with a thread pool is loaded")
    return found[0]


def _recording(monkeypatch, module):
    seen = []
    real = module.sweep_chunk

    def spy(*a, **k):
        seen.append(_blas_threads())
        return real(*a, **k)
    monkeypatch.setattr(module, "sweep_chunk", spy)
    return seen


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_small_products_run_on_one_thread_and_the_setting_is_restored(mode, monkeypatch):
    monkeypatch.setattr(threads, "busy", lambda: True)      # whatever this machine's load
    X = rng.standard_normal((2000, 10))
    with threadpool_limits(2, user_api="blas"):
        outside = _blas_threads()
        seen = _recording(monkeypatch, points)
        J = jaccli.jacobian(mlp, X, batched=True, mode=mode)
        assert seen and set(seen) == {1}
        assert _blas_threads() == outside == 2
        monkeypatch.setattr(threads, "THREADED_FLOPS", 0)     # every product "large"
        seen.clear()
        J_threaded = jaccli.jacobian(mlp, X, batched=True, mode=mode)
        assert set(seen) == {2} and _blas_threads() == 2
    np.testing.assert_allclose(J, J_threaded, rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(J[5], jaccli.jacobian(mlp, X[5]), rtol=1e-13, atol=1e-13)


def test_large_products_keep_the_threads(monkeypatch):
    monkeypatch.setattr(threads, "busy", lambda: True)
    big = rng.standard_normal((400, 400)) / 20
    graph = jaccli.trace(lambda x: np.tanh(big @ x), np.ones(400))
    rows = int(threads.THREADED_FLOPS // (2 * 400 * 400)) + 1     # just over the threshold
    assert threads.largest_product_flops(graph, rows) >= threads.THREADED_FLOPS
    with threadpool_limits(2, user_api="blas"):
        with threads.blas_threads(graph, rows):
            assert _blas_threads() == 2
        with threads.blas_threads(graph, rows - 2):
            assert _blas_threads() == 1
        assert _blas_threads() == 2


def test_compressed_batched_sweeps_are_limited_too(monkeypatch):
    monkeypatch.setattr(threads, "busy", lambda: True)
    X = rng.uniform(-1, 1, (300, 400))
    f = lambda x: x * np.roll(x, 1) + np.sin(x)                  # noqa: E731
    with threadpool_limits(2, user_api="blas"):
        seen = _recording(monkeypatch, sparse_batched)
        S = jaccli.jacobian(f, X, batched=True, sparse=True)
        assert seen and set(seen) == {1} and _blas_threads() == 2
    np.testing.assert_allclose(S[3].toarray(), jaccli.jacobian(f, X[3]), rtol=1e-13)


def test_restored_after_an_error():
    def bad(x):
        return W2 @ np.log(np.linalg.inv(np.outer(x, x)))         # singular at every point
    with threadpool_limits(2, user_api="blas"):
        with pytest.raises(Exception):
            jaccli.jacobian(bad, rng.standard_normal((50, 10)), batched=True)
        assert _blas_threads() == 2


def test_without_threadpoolctl_it_does_nothing(monkeypatch):
    monkeypatch.setattr(threads, "_controller", False)
    graph = jaccli.trace(mlp, np.ones(10))
    with threads.blas_threads(graph, 10):
        pass
    X = rng.standard_normal((20, 10))
    np.testing.assert_allclose(jaccli.jacobian(mlp, X, batched=True)[3],
                               jaccli.jacobian(mlp, X[3]), rtol=1e-13)


def test_an_idle_machine_keeps_the_threads_for_mid_sized_products(monkeypatch):
    """Between SMALL_FLOPS and THREADED_FLOPS the threads pay on an idle machine (the NOTE
    in jaccli.threads): one thread only when the machine is busy; tiny products always."""
    big = rng.standard_normal((400, 400)) / 20
    graph = jaccli.trace(lambda x: np.tanh(big @ x), np.ones(400))
    mid = int(threads.SMALL_FLOPS // (2 * 400 * 400)) + 2
    tiny = max(1, int(threads.SMALL_FLOPS // (2 * 400 * 400)) - 2)
    assert threads.SMALL_FLOPS <= threads.largest_product_flops(graph, mid) < \
        threads.THREADED_FLOPS
    with threadpool_limits(2, user_api="blas"):
        for busy, expected in ((False, 2), (True, 1)):
            monkeypatch.setattr(threads, "busy", lambda b=busy: b)
            with threads.blas_threads(graph, mid):
                assert _blas_threads() == expected
        monkeypatch.setattr(threads, "busy", lambda: False)
        if threads.largest_product_flops(graph, tiny) < threads.SMALL_FLOPS:
            with threads.blas_threads(graph, tiny):
                assert _blas_threads() == 1
        assert _blas_threads() == 2
