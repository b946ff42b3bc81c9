"""The performance settings: the allocator tuning (memory.tune_allocator) and the planner's
chunks for seeds that cost megabytes each (planner.cache_chunk)."""
import platform

import numpy as np

from jaccli import planner
from jaccli.memory import tune_allocator


def test_allocator_tuning_can_be_turned_off():
    assert tune_allocator({"JACCLI_MALLOC": "0"}) is False
    if platform.libc_ver()[0] == "glibc":
        assert tune_allocator({}) is True


def test_large_seeds_take_small_chunks_small_seeds_keep_the_minimum():
    assert planner.cache_chunk(500, 1000) == 500             # 2 MB hold them all
    assert planner.cache_chunk(500, 100_000) == 63          # 64 at least, spread evenly
    assert planner.cache_chunk(500, 13 * 1024 ** 2) == 8    # megabytes a seed: 8 at least
    assert planner.cache_chunk(500, 13 * 1024 ** 2, xp=object()) == 500   # a GPU: all


def test_a_large_seed_hessian_is_still_exact():
    import jaccli
    rng = np.random.default_rng(14)
    X, y = rng.standard_normal((400, 5)), rng.standard_normal(400)

    def loss(w):
        return np.mean((np.tanh(X @ w[:100].reshape(5, 20)) @ w[100:] - y) ** 2)

    w = 0.3 * rng.standard_normal(120)
    H = jaccli.hessian(loss, w)
    for cs in (1, 120):
        np.testing.assert_allclose(jaccli.hessian(loss, w, chunk_size=cs), H, rtol=1e-12,
                                   atol=1e-14)
    g = lambda x: jaccli.jacobian(loss, x)                # noqa: E731
    e = np.eye(120)[7] * 1e-5
    np.testing.assert_allclose(H[7], (g(w + e) - g(w - e)) / 2e-5, rtol=1e-5, atol=1e-7)
