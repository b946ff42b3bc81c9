"""Choosing the mode (forward or reverse) and the chunk size (seeds per sweep).

Pure functions of sizes: the graph's variables, the Jacobian's M x N, a memory budget.

Cost model (first version): a forward sweep carries one tangent per seed for every float
variable, a reverse sweep one cotangent per seed; the number of seeds is N (forward) or M
(reverse). Reverse mode is weighed ``REVERSE_WEIGHT`` times a forward seed (its rules do about
twice the work: matmul's transpose products, unbroadcast sums), so auto picks forward unless
M < N / REVERSE_WEIGHT... and ties (M == N) go forward.
"""
import math
from dataclasses import dataclass, field

REVERSE_WEIGHT = 1.0
DEFAULT_BUDGET_FRACTION = 0.25
DEFAULT_BUDGET_CAP = 2 * 1024 ** 3


def available_memory():
    """Bytes of RAM available now (Linux /proc/meminfo), or a conservative 4 GiB guess."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 * 1024 ** 3


def default_budget():
    return min(DEFAULT_BUDGET_CAP, int(available_memory() * DEFAULT_BUDGET_FRACTION))


def bytes_per_seed(graph):
    """Upper bound on the memory one seed's tangents (or cotangents) take in a sweep."""
    total = sum(v.dtype.itemsize * math.prod(v.shape) for v in graph.inputs)
    total += sum(e.out.dtype.itemsize * math.prod(e.out.shape) for e in graph.eqns
                 if e.out.dtype.kind == "f")
    return max(total, 8)


@dataclass
class Plan:
    mode: str
    M: int
    N: int
    chunk_size: int
    reason: str
    modes: dict = field(default_factory=dict)

    def to_dict(self):
        return {"mode": self.mode, "M": self.M, "N": self.N, "chunk_size": self.chunk_size,
                "reason": self.reason, "modes": self.modes}


def _chunk(seeds, per_seed, budget, chunk_size):
    if chunk_size is not None:
        return max(1, min(int(chunk_size), max(seeds, 1)))
    return max(1, min(max(seeds, 1), budget // per_seed))


SMALL_SWEEP_BYTES = 64 * 1024 ** 2    # below this, all seeds go in one sweep without asking


def make_plan(graph, M, N, mode="auto", chunk_size=None, memory_limit=None):
    per_seed = bytes_per_seed(graph)
    if memory_limit is not None:
        budget = int(memory_limit)
    elif per_seed * max(M, N) <= SMALL_SWEEP_BYTES:
        budget = SMALL_SWEEP_BYTES
    else:
        budget = default_budget()
    modes = {}
    for m, seeds in (("fwd", N), ("rev", M)):
        k = _chunk(seeds, per_seed, budget, chunk_size)
        modes[m] = {"sweeps": -(-seeds // k) if seeds else 0, "chunk_size": k,
                    "peak_bytes": k * per_seed, "seeds": seeds}
    if mode == "auto":
        mode = "fwd" if N <= M * REVERSE_WEIGHT else "rev"
        if mode == "fwd":
            reason = f"forward: {N} columns against {M} rows"
        else:
            reason = f"reverse: {M} rows against {N} columns"
    else:
        reason = f"{'forward' if mode == 'fwd' else 'reverse'}: forced by mode={mode!r}"
    chosen = modes[mode]
    reason += (f"; {chosen['sweeps']} sweep{'s' if chosen['sweeps'] != 1 else ''} of "
               f"{chosen['chunk_size']} seeds, {_fmt_bytes(chosen['peak_bytes'])}")
    return Plan(mode, M, N, chosen["chunk_size"], reason, modes)


def _fmt_bytes(b):
    for unit in ("B", "KB", "MB", "GB"):
        if b < 1000 or unit == "GB":
            return f"{b:.0f} {unit}" if unit == "B" else f"{b:.1f} {unit}"
        b /= 1000.0
