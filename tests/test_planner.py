"""The planner: mode choice, chunk size under a memory budget, memory-mapped output, early
errors, the measured tie-break, the plan's JSON schema."""

import time
import tracemalloc

import numpy as np
import pytest

import jaccli
from jaccli import planner
from jaccli.api import flat_jacobian, plan
from jaccli.errors import ComputeError, InputError

RNG = np.random.default_rng(0)
A_TALL = RNG.standard_normal((600, 40))
A_WIDE = RNG.standard_normal((40, 600))
A_SQUARE = RNG.standard_normal((300, 300)) / 17


def tall(x):
    return np.tanh(A_TALL @ x) * x[:1]


def wide(x):
    return np.sin(A_WIDE @ x) * x[:40]


def square(x):
    return np.sin(A_SQUARE @ x) * np.exp(-x * x) + x ** 3


def stencil(u):
    z = u[:1] * 0
    up = np.concatenate([z, u, z])
    return (up[:-2] - 2 * up[1:-1] + up[2:]) * 100.0 + np.exp(up[1:-1])


CASES = {"tall": (tall, RNG.standard_normal(40)), "wide": (wide, RNG.standard_normal(600)),
         "square": (square, RNG.standard_normal(300)),
         "stencil": (stencil, RNG.uniform(0, 0.1, 500))}


# ---------------------------------------------------------------- mode choice

@pytest.mark.parametrize("memory_limit", [None, 64e6])   # fast path, and the full model
def test_tall_picks_forward_and_wide_picks_reverse(memory_limit):
    assert plan(tall, [CASES["tall"][1]], memory_limit=memory_limit).mode == "fwd"
    assert plan(wide, [CASES["wide"][1]], memory_limit=memory_limit).mode == "rev"


def test_square_follows_the_documented_rule():
    # small: fewer seeds wins and ties go forward; large: the lower estimate, ties forward
    assert plan(square, [CASES["square"][1]]).mode == "fwd"
    full = plan(square, [CASES["square"][1]], memory_limit=64e6)
    est = {m: info["est_seconds"] for m, info in full.modes.items()}
    expected = "fwd" if est["fwd"] <= est["rev"] else "rev"
    assert full.mode == (full.measured["chosen"] if full.measured else expected)


def test_stencil_reverse_is_estimated_dearer():
    # getitem's scatter-into-zeros and the 4-way accumulation make reverse dearer per seed
    p = plan(stencil, [CASES["stencil"][1]], memory_limit=64e6)
    assert p.modes["rev"]["bytes_per_seed"] > p.modes["fwd"]["bytes_per_seed"]
    assert p.mode == "fwd"


def test_forced_mode_and_chunk_size_are_kept():
    p = plan(tall, [CASES["tall"][1]], mode="rev", chunk_size=7)
    assert (p.mode, p.chunk_size) == ("rev", 7)
    assert "forced" in p.reason


# ---------------------------------------------------------------- results do not depend on K

@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_results_identical_for_k_1_7_and_all(name, mode):
    f, x = CASES[name]
    seeds = f(x).size if mode == "rev" else x.size
    ref = jaccli.jacobian(f, x, mode=mode, chunk_size=seeds)
    for k in (1, 7):
        J = jaccli.jacobian(f, x, mode=mode, chunk_size=k)
        # matmul of K seeds may take a different BLAS kernel than of 1: rounding only
        np.testing.assert_allclose(J, ref, rtol=1e-13, atol=1e-13)
        if name == "stencil":
            assert np.array_equal(J, ref)


# ---------------------------------------------------------------- memory

@pytest.mark.parametrize("mode", ["fwd", "rev"])
@pytest.mark.parametrize("name", ["tall", "wide", "stencil"])
def test_memory_budget_holds(name, mode):
    """tracemalloc peak of the sweeps (from the plan on) stays within the limit, on cases
    whose single chunk would exceed it; J itself is not part of the budget."""
    f, x = CASES[name]
    limit = 300_000
    whole = plan(f, [x], mode=mode, memory_limit=1e12)
    assert whole.modes[mode]["peak_bytes"] > limit           # one chunk would not fit
    start = {}

    def on_plan(p):
        start["bytes"] = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()

    tracemalloc.start()
    try:
        result = flat_jacobian(f, [x], mode=mode, memory_limit=limit, on_plan=on_plan)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.plan.chunk_size < whole.chunk_size
    extra = peak - start["bytes"] - result.matrix.nbytes
    assert extra <= limit, (extra, limit, result.plan.reason)
    np.testing.assert_allclose(result.matrix, jaccli.jacobian(f, x, mode=mode).reshape(
        result.matrix.shape), rtol=1e-13, atol=1e-13)


def test_too_small_a_limit_is_an_early_error():
    f, x = CASES["tall"]
    with pytest.raises(InputError, match="too small.*at least"):
        flat_jacobian(f, [x], memory_limit=1000)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_memmap_output_equals_in_memory(tmp_path, mode):
    f, x = CASES["stencil"]
    in_memory = flat_jacobian(f, [x], mode=mode).matrix
    path = tmp_path / "J.npy"
    seen = []
    result = flat_jacobian(f, [x], mode=mode, memory_limit=400_000, out_path=str(path),
                           progress=lambda done, total: seen.append((done, total)))
    assert result.plan.storage == "memmap" and isinstance(result.matrix, np.memmap)
    assert len(seen) == result.plan.modes[mode]["sweeps"] > 1 and seen[-1][0] == seen[-1][1]
    loaded = np.load(path)
    assert loaded.shape == in_memory.shape and np.array_equal(loaded, in_memory)


def test_small_jacobian_with_a_path_stays_in_memory(tmp_path):
    f, x = CASES["tall"]
    result = flat_jacobian(f, [x], out_path=str(tmp_path / "J.npy"))
    assert result.plan.storage == "memory" and not (tmp_path / "J.npy").exists()


def test_jacobian_too_big_for_memory_is_an_early_error(monkeypatch):
    monkeypatch.setattr(planner, "available_memory", lambda: 10_000)
    monkeypatch.setattr(planner, "SMALL_SWEEP_BYTES", 1000)
    f, x = CASES["stencil"]
    with pytest.raises(ComputeError, match=r"500 x 500 .*does not fit.*-o J\.npy"):
        flat_jacobian(f, [x], memory_limit=1e6)


def test_jacobian_too_big_for_the_disk_is_an_early_error(monkeypatch, tmp_path):
    import shutil
    from collections import namedtuple
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(1000, 1000, 100))
    f, x = CASES["stencil"]
    with pytest.raises(ComputeError, match="free on the disk"):
        flat_jacobian(f, [x], memory_limit=100_000, out_path=str(tmp_path / "J.npy"))
    assert not (tmp_path / "J.npy").exists()


# ---------------------------------------------------------------- measurement when close

def test_close_estimates_are_decided_by_measurement(monkeypatch):
    monkeypatch.setattr(planner, "CLOSE_RATIO", 1e9)
    monkeypatch.setattr(planner, "MEASURE_MIN_SECONDS", 0.0)
    f, x = CASES["square"]
    p = plan(f, [x], memory_limit=64e6)
    assert p.measured is not None and p.measured["chosen"] == p.mode
    assert p.measured["went"] in ("as estimated", "against the estimate")
    assert "measured one chunk" in p.reason and "measured" in p.to_dict()
    result = flat_jacobian(f, [x], memory_limit=64e6)
    assert result.plan.measured is not None
    np.testing.assert_allclose(result.matrix, jaccli.jacobian(f, x), rtol=1e-13, atol=1e-13)


def test_forced_modes_are_never_measured(monkeypatch):
    monkeypatch.setattr(planner, "CLOSE_RATIO", 1e9)
    monkeypatch.setattr(planner, "MEASURE_MIN_SECONDS", 0.0)
    f, x = CASES["square"]
    assert plan(f, [x], mode="rev", memory_limit=64e6).measured is None


# ---------------------------------------------------------------- schema and speed

MODE_KEYS = {"seeds", "sweeps", "chunk_size", "peak_bytes", "tape_bytes", "bytes_per_seed",
             "flops_per_seed", "est_seconds"}


@pytest.mark.parametrize("memory_limit", [None, 1e6])
def test_plan_dict_schema_is_stable(memory_limit):
    import json
    f, x = CASES["wide"]
    d = json.loads(json.dumps(plan(f, [x], memory_limit=memory_limit).to_dict()))
    assert {"mode", "M", "N", "chunk_size", "reason", "modes", "storage", "budget_bytes",
            "jacobian_bytes"} <= set(d)
    assert set(d["modes"]) == {"fwd", "rev"}
    for info in d["modes"].values():
        assert MODE_KEYS <= set(info)
    assert isinstance(d["reason"], str) and d["reason"].count(".") <= 3


def test_small_problems_plan_in_microseconds():
    from jaccli.api import _prepare
    graph = _prepare(lambda x: np.log(x[0:1]) + x[0:1] * x[1:2] - np.sin(x[1:2]),
                     (np.array([2.0, 5.0]),), 0)[0]
    t0 = time.perf_counter()
    for _ in range(1000):
        planner.make_plan(graph, 1, 2)
    assert (time.perf_counter() - t0) / 1000 < 50e-6       # ~3 us here; loose for CI
