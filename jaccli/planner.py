"""Choosing the mode (forward or reverse) and the chunk size (seeds per sweep), and saying why.

Pure functions of the graph's sizes, the Jacobian's M x N and a memory budget; the only
measurement (timing one small chunk of each mode when the estimates are close) is run by the
caller (``api._measure_modes``) and handed back to ``decide_by_measurement``.

The costs come from ``jaccli.costs`` (a model calibrated on this machine).

Small problems (every seed in one sweep of under ``SMALL_SWEEP_BYTES``) skip the model: the
mode with fewer seeds wins, ties go forward, in cache-sized chunks (``cache_chunk``). Their
whole plan costs a couple of microseconds; the estimates are computed only when someone asks
(``plan.modes``).
"""
import os
import shutil

import numpy as np

from .backend import free_memory, graph_module
from .costs import analyze, bytes_per_seed, estimate_seconds
from .errors import ComputeError, InputError
from .memory import available_memory, format_bytes, format_seconds

# ---------------------------------------------------------------- policy
DEFAULT_BUDGET_FRACTION = 0.25     # of available memory, when no memory_limit is given
DEFAULT_BUDGET_CAP = 2 * 1024 ** 3
SMALL_SWEEP_BYTES = 64 * 1024 ** 2  # below this, no budget to check: no /proc read, no analysis
# NOTE: cache-sized chunks. A chunk's tangents are fresh arrays; past a few MB glibc hands
# them back to the OS after each sweep and the next sweep page-faults them in again, and they
# fall out of cache. Measured on this 2-core EPYC (scripts/bench.py cases, one BLAS thread):
# square 500 -> 500 fwd 11.9 ms with all 500 seeds at once, 2.3 ms with chunks of 58 (about
# 2 MB of tangents); stencil 2000 -> 2000 52 ms at once, 16-17 ms with chunks of 64-128; below
# ~64 seeds the per-sweep Python overhead takes over. So a chunk holds about
# CHUNK_TARGET_BYTES of tangents, and never fewer than CHUNK_MIN_SEEDS seeds.
# A seed that costs megabytes on its own (a Hessian of an MLP loss: each seed's tangents are
# (1000, 50) arrays) amortises the per-sweep overhead by itself: there 64 seeds would be
# ~100 MB of tangents per chunk, and chunks of LARGE_SEED_MIN_SEEDS are cheaper (the 500 x 500
# MLP Hessian of scripts/bench_hessian.py: 212 ms of CPU with chunks of 63, 132-140 ms with
# 4-16, same box).
CHUNK_TARGET_BYTES = 2 * 1024 ** 2
CHUNK_MIN_SEEDS = 64
LARGE_SEED_BYTES = 1024 ** 2
LARGE_SEED_MIN_SEEDS = 8
LOPSIDED_RATIO = 10                # seed counts this far apart: fewer seeds wins outright
BUDGET_SAFETY = 0.9                # the model's peak is fitted to 90% of the budget
CLOSE_RATIO = 1.3                  # estimates closer than this: measure one chunk of each
MEASURE_MIN_SECONDS = 0.05         # ... when the run is long enough for trials to be cheap
TRIAL_FRACTION = 0.01              # a trial chunk holds about 1% of the seeds (4 at least)

def default_budget(xp=None):
    """A fraction of the available memory: RAM, or free GPU memory for ``xp`` = cupy."""
    free = available_memory() if xp is None or xp.__name__ == "numpy" else free_memory(xp)
    return min(DEFAULT_BUDGET_CAP, int(free * DEFAULT_BUDGET_FRACTION))


class Plan:
    """The planner's decision. ``mode``, ``chunk_size`` and ``storage`` ('memory' or
    'memmap': J written chunk by chunk into the .npy at ``out_path``) drive the sweeps;
    ``reason`` is one sentence; ``modes`` holds each mode's sweeps, chunk size, peak memory
    and estimated time (computed on first access for small problems); ``measured`` the trial
    timings when a measurement decided."""

    def __init__(self, mode, M, N, chunk_size, reason, modes=None, storage="memory",
                 out_path=None, budget=None, graph=None, measure=None):
        self.mode, self.M, self.N, self.chunk_size = mode, M, N, chunk_size
        self._reason, self._modes = reason, modes
        self.storage, self.out_path, self.budget = storage, out_path, budget
        self._graph = graph
        self.measure = measure          # trial chunk size when a measurement should decide
        self.measured = None
        self.costs = None
        self.sparse = None              # the sparse side of the plan (sparse.jacobian.plan_sparse)
        self.compressed = None          # 'fwd' | 'rev' | 'bi' when compressed sweeps run

    @property
    def modes(self):
        if self._modes is None:
            self.costs = c = analyze(self._graph)
            xp = graph_module(self._graph)
            self._modes = {m: _mode_info(c, m, seeds, self.chunk_size if m == self.mode else
                                         cache_chunk(seeds, c[m]["peak"], xp))
                           for m, seeds in (("fwd", self.N), ("rev", self.M))}
        return self._modes

    @property
    def reason(self):
        return self._reason() if callable(self._reason) else self._reason

    @property
    def J_bytes(self):
        return 8 * self.M * self.N

    def to_dict(self):
        d = {"mode": self.mode, "M": self.M, "N": self.N, "chunk_size": self.chunk_size,
             "reason": self.reason, "modes": self.modes, "storage": self.storage,
             "budget_bytes": self.budget, "jacobian_bytes": self.J_bytes}
        if self.measured is not None:
            d["measured"] = self.measured
        if self.sparse is not None:
            d.update(self.sparse)
            d["compressed"] = self.compressed
        return d

    def __repr__(self):
        return (f"Plan(mode={self.mode!r}, M={self.M}, N={self.N}, "
                f"chunk_size={self.chunk_size}, storage={self.storage!r})")


def _mode_info(costs, mode, seeds, k):
    k = max(1, min(k, seeds)) if seeds else 1
    peak = k * costs[mode]["peak"] + costs["fixed"]
    return {"seeds": seeds, "sweeps": -(-seeds // k) if seeds else 0, "chunk_size": k,
            "peak_bytes": peak, "tape_bytes": costs["tape"],
            "bytes_per_seed": costs[mode]["bytes"], "flops_per_seed": costs[mode]["flops"],
            "est_seconds": estimate_seconds(costs, mode, seeds, k)}


def cache_chunk(seeds, bytes_per_seed, xp=np):
    """Seeds per chunk so that a chunk's tangents stay cache-sized (see the NOTE above),
    spread evenly over the sweeps that takes. On a GPU: all of them (kernel launches, not
    caches, are what costs there; the budget still bounds the chunk)."""
    if seeds <= CHUNK_MIN_SEEDS or xp is not np:
        return max(seeds, 1)
    least = LARGE_SEED_MIN_SEEDS if bytes_per_seed >= LARGE_SEED_BYTES else CHUNK_MIN_SEEDS
    k = max(least, CHUNK_TARGET_BYTES // max(bytes_per_seed, 1))
    k = min(seeds, k)
    return -(-seeds // -(-seeds // k))


def _head(mode, M, N):
    """'forward: 3 columns against 1 row' (the seeds the mode takes, against the other's)."""
    cols, rows = f"{N} column{'s' * (N != 1)}", f"{M} row{'s' * (M != 1)}"
    return f"forward: {cols} against {rows}" if mode == "fwd" else \
        f"reverse: {rows} against {cols}"


def _small_reason(mode, M, N):
    def reason():
        return _head(mode, M, N) + ("; small, so fewer seeds wins (ties go forward), in "
                                    "cache-sized chunks")
    return reason


def make_plan(graph, M, N, mode="auto", chunk_size=None, memory_limit=None, out_path=None,
              dense_result=True):
    """The plan for the (M, N) Jacobian of ``graph``. ``memory_limit`` (bytes) bounds a
    chunk's peak memory; without it the budget is a quarter of the available memory (at most
    2 GiB). ``out_path``: a .npy file J may be written into chunk by chunk when it is larger
    than the budget. Raises ComputeError, before any work, when J cannot be held (unless
    ``dense_result`` is False: a sparse result is never held as an M x N array)."""
    # the fast path: small problems, nothing to budget (no /proc read, no graph analysis)
    if memory_limit is None and out_path is None:
        per_seed = bytes_per_seed(graph) + 8 * (M + N)
        # small: both modes' sweeps are small, or the mode with far fewer seeds is (it wins
        # any estimate by that factor; mlp 2000 -> 10 would otherwise pay ~50 us to plan)
        lopsided = max(M, N) >= LOPSIDED_RATIO * max(min(M, N), 1) and mode in (
            "auto", "fwd" if N < M else "rev")
        if per_seed * (min(M, N) if lopsided else max(M, N)) <= SMALL_SWEEP_BYTES:
            if mode == "auto":
                mode = "fwd" if N <= M else "rev"
                reason = _small_reason(mode, M, N)
            else:
                reason = _forced_reason(mode, M, N)
            seeds = N if mode == "fwd" else M
            k = max(1, min(seeds, int(chunk_size))) if chunk_size else \
                cache_chunk(seeds, per_seed, graph_module(graph))
            return Plan(mode, M, N, k, reason, graph=graph, budget=SMALL_SWEEP_BYTES)
    return _full_plan(graph, M, N, mode, chunk_size, memory_limit, out_path, dense_result)


def _forced_reason(mode, M, N):
    word = "forward" if mode == "fwd" else "reverse"
    return (f"{word}: forced by mode={mode!r} ({'N' if mode == 'fwd' else 'M'} = "
            f"{N if mode == 'fwd' else M} seeds)")


def _full_plan(graph, M, N, mode, chunk_size, memory_limit, out_path, dense_result=True):
    xp = graph_module(graph)
    budget = int(memory_limit) if memory_limit is not None else default_budget(xp)
    costs = analyze(graph)
    J_bytes = 8 * M * N
    storage = "memmap" if out_path is not None and J_bytes > budget else "memory"
    modes, fits = {}, {}
    for m, seeds in (("fwd", N), ("rev", M)):
        room = int(BUDGET_SAFETY * budget) - costs["fixed"]
        k_fit = room // costs[m]["peak"] if room > 0 else 0
        fits[m] = k_fit >= 1
        if chunk_size is not None:
            k = int(chunk_size)
        else:
            k = max(1, min(seeds, k_fit, cache_chunk(seeds, costs[m]["peak"], xp)))
            k = -(-seeds // -(-seeds // k)) if seeds else 1   # even chunks, same sweeps
        modes[m] = _mode_info(costs, m, seeds, k)
        modes[m]["fits"] = fits[m]

    if mode == "auto":
        candidates = [m for m in ("fwd", "rev") if fits[m]]
        if not candidates and chunk_size is None:
            need = min(modes, key=lambda m: modes[m]["peak_bytes"] / modes[m]["chunk_size"])
            _too_small(need, budget, costs, memory_limit is None)
        candidates = candidates or ["fwd", "rev"]
        est = {m: modes[m]["est_seconds"] for m in candidates}
        chosen = min(candidates, key=lambda m: (est[m], m != "fwd"))   # ties go forward
    else:
        chosen = mode
        if not fits[mode] and chunk_size is None:
            _too_small(mode, budget, costs, memory_limit is None)

    if chunk_size is not None and memory_limit is not None and \
            modes[chosen]["peak_bytes"] > budget:
        # NOTE: an explicit chunk size never overrides an explicit memory limit silently.
        room = int(BUDGET_SAFETY * budget) - costs["fixed"]
        k_fit = room // costs[chosen]["peak"] if room > 0 else 0
        if k_fit < 1:
            _too_small(chosen, budget, costs)
        raise InputError(f"chunk size {int(chunk_size)} needs "
                         f"{format_bytes(modes[chosen]['peak_bytes'])} per sweep in "
                         f"{'forward' if chosen == 'fwd' else 'reverse'} mode, more than the "
                         f"memory limit {format_bytes(budget)}; lower --chunk-size to at most "
                         f"{k_fit}, or raise --memory-limit.")
    if dense_result:                       # a sparse result is never held as M x N
        _check_storage(storage, J_bytes, M, N, out_path, budget)
    info = modes[chosen]
    measure = None
    if mode == "auto" and chunk_size is None and len(candidates) == 2:
        lo, hi = sorted(est.values())
        if hi <= CLOSE_RATIO * lo and lo >= MEASURE_MIN_SECONDS:
            k = max(4, int(TRIAL_FRACTION * min(M, N)))
            measure = min(k, modes["fwd"]["chunk_size"], modes["rev"]["chunk_size"])

    def reason():
        return _full_reason(chosen, mode, modes, M, N, storage, budget)
    plan = Plan(chosen, M, N, info["chunk_size"], reason, modes, storage, out_path, budget,
                graph, measure)
    plan.costs = costs
    return plan


def _full_reason(chosen, mode, modes, M, N, storage, budget):
    info = modes[chosen]
    other = modes["rev" if chosen == "fwd" else "fwd"]
    head = _forced_reason(chosen, M, N) if mode != "auto" else _head(chosen, M, N)
    if mode == "auto" and not other["fits"]:
        head += " (the other mode does not fit the budget)"
    elif mode == "auto":
        head += (f", est. {format_seconds(info['est_seconds'])} vs "
                 f"{format_seconds(other['est_seconds'])}")
    text = f"{head}; {_sweeps_text(info)}"
    if info["sweeps"] > 1:
        text += f" each (budget {format_bytes(budget)})"
    if storage == "memmap":
        text += "; J is larger than the budget, so it is written chunk by chunk to the file"
    return text


def _too_small(mode, budget, costs, default_budget=False):
    one = costs[mode]["peak"] + costs["fixed"]
    if default_budget:
        # NOTE: no mode fits the default budget (a quarter of the available memory): an
        # error before any work, rather than a run that would swap or be killed.
        raise ComputeError(f"even one seed per sweep in "
                           f"{'forward' if mode == 'fwd' else 'reverse'} mode needs "
                           f"{format_bytes(one)}, more than the default memory budget "
                           f"{format_bytes(budget)} (a quarter of the memory available); pass "
                           f"--memory-limit {format_bytes(one)} or more if the machine has "
                           "it, or use smaller inputs.")
    raise InputError(f"the memory limit {format_bytes(budget)} is too small: even one seed per "
                     f"sweep in {'forward' if mode == 'fwd' else 'reverse'} mode needs "
                     f"{format_bytes(one)}. Raise --memory-limit to at least {format_bytes(one)}.")


def _check_storage(storage, J_bytes, M, N, out_path, budget):
    """Refuse, before any work, a J that neither memory nor the output file can hold."""
    size = f"the Jacobian is {M} x {N} ({format_bytes(J_bytes)})"
    if storage == "memmap":
        folder = os.path.dirname(os.path.abspath(out_path))
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            return
        if J_bytes > free:
            raise ComputeError(f"{size} but only {format_bytes(free)} is free on the disk of "
                               f"{out_path}; write it elsewhere or differentiate by fewer "
                               "inputs.")
        return
    if J_bytes <= SMALL_SWEEP_BYTES:
        return
    available = available_memory()
    if J_bytes > available:
        hint = ("write it to a .npy file with -o J.npy (computed chunk by chunk into a "
                "memory-mapped file)" if out_path is None else
                "differentiate by fewer inputs or outputs")
        raise ComputeError(f"{size} and does not fit in the {format_bytes(available)} of memory "
                           f"available; {hint}.")


def decide_by_measurement(plan, seconds, trial):
    """Choose by timing: ``seconds`` = {'fwd': s, 'rev': s} for one chunk of ``trial`` seeds.
    Each mode's model estimate is scaled by measured / modelled trial time, and the lower
    scaled estimate wins. Records the timings in ``plan.measured``."""
    costs, modes = plan.costs, plan.modes
    scaled = {}
    for m, s in seconds.items():
        modelled = estimate_seconds(costs, m, trial, trial)
        scaled[m] = modes[m]["est_seconds"] * s / modelled
    chosen = min(scaled, key=lambda m: (scaled[m], m != "fwd"))
    went = "as estimated" if chosen == plan.mode else "against the estimate"
    plan.measured = {"trial_seeds": trial, "fwd_seconds": seconds["fwd"],
                     "rev_seconds": seconds["rev"], "chosen": chosen, "went": went}
    plan.mode = chosen
    plan.chunk_size = modes[chosen]["chunk_size"]

    def reason():
        word = "forward" if chosen == "fwd" else "reverse"
        return (f"{word}: measured one chunk of {trial} seeds each (fwd "
                f"{format_seconds(seconds['fwd'])}, rev {format_seconds(seconds['rev'])}), "
                f"{went}; " + _sweeps_text(plan.modes[plan.mode]))
    plan._reason = reason
    return plan


def _sweeps_text(info):
    """'2 sweeps of 250 seeds, 1.2 MB' for a mode's entry of ``plan.modes``."""
    sweeps = info["sweeps"]
    return (f"{sweeps} sweep{'s' if sweeps != 1 else ''} of {info['chunk_size']} seeds, "
            f"{format_bytes(info['peak_bytes'])}")
