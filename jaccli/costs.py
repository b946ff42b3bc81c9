"""What a sweep costs: per-mode work, peak memory and time estimated from the graph.

Cost model, per mode, from one pass over the graph (``analyze``):
- seeds: N columns (forward) or M rows (reverse); sweeps = ceil(seeds / K).
- work per seed: bytes moved by the rules (a unary rule reads the tangent and the primal
  derivative and writes the result: ~3 x its size; a reverse ``getitem`` allocates and
  scatters into a zero cotangent of its input's size; a variable used u times accumulates u-1
  cotangent sums in reverse; views cost almost nothing in forward) plus BLAS flops for
  matmul/einsum/solve. Reverse mode's extra work (CasADi weighs it ~2x) is not a constant
  here: it is what these counts add up to for the graph at hand.
- peak memory of a chunk of K seeds: K x (the largest sum of tangents, or cotangents, alive at
  once while the sweep walks the graph and frees each after its last use, plus the seeds and
  the chunk's rows of J), plus the primal values the rules read (``tape_bytes``: reverse
  mode's stored forward pass) and two primal-sized temporaries per sweep. NOTE: the design
  counts the tape for reverse only; our forward rules read the same stored values (tracing
  computes them once for both modes), so it is counted in both, and the budget covers it.
- time = sweeps x (SWEEP_SECONDS + EQN_SECONDS x equations)
         + seeds x (bytes x seconds-per-byte + flops x FLOP_SECONDS).

NOTE: calibration. The constants below were measured on the development machine (2-core AMD
EPYC, 2 MiB L2, NumPy + OpenBLAS, one BLAS thread, Python 3.11) by ``scripts/calibrate.py``:
per equation, a jvp_sweep/vjp_sweep over 60 elementwise equations on 1-element arrays (3.3
and 2.8 us); per byte, ``a * b`` on fresh 64 KB..2 MB arrays (~11 ps per byte read or
written) and on 32 MB arrays (~35 ps: DRAM and first-touch page faults); matmul, 2n^3 / time
of a 1024^2 GEMM (~50 GFLOP/s). Run that script to measure them on another machine (the
library keeps no calibration code). The model only has to rank two modes and size K; where
its two estimates are within ``planner.CLOSE_RATIO`` and the run is long enough for a trial
to be cheap, one small chunk of each mode is timed and the measurement decides.
"""
import math

import numpy as np

from .ir import Var
from .rules import nondiff


# ---------------------------------------------------------------- calibrated constants
EQN_SECONDS = 3.0e-6           # Python and dispatch, per equation per sweep
SWEEP_SECONDS = 30e-6          # seeds, flattening and writing a chunk, per sweep
CACHED_BYTE_SECONDS = 11e-12   # per byte moved while a chunk's arrays stay in cache
STREAM_BYTE_SECONDS = 35e-12   # per byte moved through DRAM (large chunks)
FLOP_SECONDS = 1 / 50e9        # float64 GEMM, one thread
CACHE_BYTES = 2 * 1024 ** 2    # L2: a chunk smaller than this moves at the cached rate




def bytes_per_seed(graph):
    """Upper bound on the memory one seed's tangents (or cotangents) take in a sweep."""
    total = sum(v.dtype.itemsize * math.prod(v.shape) for v in graph.inputs)
    total += sum(e.out.dtype.itemsize * math.prod(e.out.shape) for e in graph.eqns
                 if e.out.dtype.kind in "fc")
    return max(total, 8)


# ---------------------------------------------------------------- the graph's costs

def _nbytes(v):
    return v.dtype.itemsize * math.prod(v.shape)


# ---------------------------------------------------------------- classes of rules, by kind
# NOTE: what the rules of a primitive do to a tangent, read from its kind (rules.KINDS):
# views (a basic getitem too) cost almost nothing forward; copies move it without products;
# reductions read the input's size and write the output's; the rest (elementwise products,
# linear algebra) read primal factors too. add/subtract count as elementwise products.

def _is_view(e):
    kind = e.prim.kind
    if kind == "view":
        return True
    if kind == "gather":
        return not any(hasattr(k, "shape") for k in e.params.get("index", ()))
    return False


def _is_copy(p):
    """Rules that move tangents without multiplying them: joins, scatters, cumsum, and the
    elementwise ones with no product (neg, convert: one constant partial; where: a select)."""
    kind = p.kind
    if kind in ("join", "scatter"):
        return True
    if kind == "scan":
        return p.monoid is np.add
    if kind == "elementwise" and p.partials:
        return None in p.partials or (len(p.partials) == 1 and not callable(p.partials[0]))
    return False


def _is_reduction(p):
    return p.kind in ("reduction", "sort") or (p.kind == "scan" and p.monoid is not np.add)


def _flops(e, active_in):
    """BLAS flops per seed of equation ``e`` for its active (tangent-carrying) inputs."""
    kind, out = e.prim.kind, math.prod(e.out.shape)
    if kind == "contraction" and "subscripts" not in e.params:      # matmul
        inner = e.in_shapes[0][-1] if e.in_shapes[0] else 1
        return 2 * out * inner * active_in
    if kind == "contraction":                                       # einsum
        sizes = {}
        subs = e.params.get("subscripts", "").split("->")[0].split(",")
        for sub, shape in zip(subs, e.in_shapes):
            sizes.update(zip(sub[-len(shape):] if shape else "", shape))
        return 2 * math.prod(sizes.values()) * active_in
    if kind == "linalg":
        n = e.in_shapes[0][-1] if e.in_shapes[0] else 1
        return 2 * max(out, 1) * n * active_in
    if kind == "decomposition":       # rules: a few n x n products per seed (~4 GEMMs)
        shape = e.in_shapes[0]
        n = max(shape[-2:], default=1)
        return 8 * math.prod(shape[:-2]) * n ** 3 * active_in
    return 0


def eqn_flops(e):
    """BLAS flops of equation ``e`` per seed (one tangent row): what one row of its products
    costs (``threads`` sizes BLAS calls by it)."""
    return _flops(e, 1)


def analyze(graph):
    """Per-seed costs of each mode: {'fwd'|'rev': {'bytes', 'flops', 'peak'}}, plus
    'eqns' (equations a sweep visits) and 'tape' (bytes of the stored primal values)."""
    eqns, uses, last = _active_eqns(graph)
    outputs = {id(o) for o in graph.outputs if type(o) is Var}
    in_bytes = sum(_nbytes(v) for v in graph.inputs)
    out_bytes = sum(_nbytes(o) if type(o) is Var else 8 * math.prod(getattr(o, "shape", ()))
                    for o in graph.outputs)
    fwd_bytes, rev_bytes, flops = _bytes_moved(graph, eqns, uses)
    fwd_peak = _forward_peak(graph, eqns, last, outputs, in_bytes) + out_bytes
    rev_peak = _reverse_peak(eqns, outputs, out_bytes) + in_bytes
    tape = sum(_nbytes(e.out) for e, _ in eqns)
    # rules compute primal-sized factors once per sweep (tanh's 1 - y*y): two alive at once
    fixed = tape + 2 * max([_nbytes(e.out) for e, _ in eqns], default=0)
    return {"fwd": {"bytes": fwd_bytes, "flops": flops, "peak": max(fwd_peak, 8)},
            "rev": {"bytes": rev_bytes, "flops": flops, "peak": max(rev_peak, 8)},
            "eqns": len(eqns), "tape": tape, "fixed": fixed}


def _active_eqns(graph):
    """The equations a sweep visits, each with its active (float, input-dependent) inputs;
    how often each Var is read; the index of its last read."""
    active = {id(v) for v in graph.inputs}
    uses, last = {}, {}
    eqns = []
    for e in graph.eqns:
        ins = [v for v in e.inputs if type(v) is Var and id(v) in active]
        if not ins or e.out.dtype.kind not in "fc" or e.prim in nondiff:
            continue
        active.add(id(e.out))
        for v in ins:
            uses[id(v)] = uses.get(id(v), 0) + 1
            last[id(v)] = len(eqns)
        eqns.append((e, ins))
    return eqns, uses, last


def _bytes_moved(graph, eqns, uses):
    """Bytes each mode's rules read and write per seed, and BLAS flops per seed."""
    fwd_bytes = rev_bytes = flops = 0
    for e, ins in eqns:
        ob = _nbytes(e.out)
        p = e.prim
        gather = p.kind == "gather"
        if _is_view(e):
            fwd_bytes += ob // 4
            rev_bytes += sum(_nbytes(v) for v in ins) * (2 if gather else 1) // 4 \
                + (2 * sum(_nbytes(v) for v in ins) if gather else 0)
        elif _is_copy(p):
            fwd_bytes += 2 * ob
            rev_bytes += sum(_nbytes(v) for v in ins) // 2
        elif _is_reduction(p):
            fwd_bytes += sum(_nbytes(v) for v in ins) + 2 * ob
            rev_bytes += 2 * sum(_nbytes(v) for v in ins)
        elif gather:                                    # advanced index: gather / scatter
            fwd_bytes += 2 * ob
            rev_bytes += 3 * sum(_nbytes(v) for v in ins)
        else:                                           # elementwise and linear algebra
            fwd_bytes += 3 * ob * len(ins) + (2 * ob if len(ins) > 1 else 0)
            rev_bytes += 3 * max(ob, 1) * len(ins)
        flops += _flops(e, len(ins))
    for v in graph.inputs + [e.out for e, _ in eqns]:   # reverse sums repeated reads
        extra = uses.get(id(v), 0) - 1
        if extra > 0:
            rev_bytes += 3 * extra * _nbytes(v)
    return fwd_bytes, rev_bytes, flops


def _forward_peak(graph, eqns, last, outputs, in_bytes):
    """Peak bytes of tangents alive at once per seed; the seeds stay alive for the sweep."""
    alive = peak = in_bytes
    for j, (e, ins) in enumerate(eqns):
        ob = _nbytes(e.out)
        peak = max(peak, alive + 2 * ob)                # result + one rule temporary
        alive += ob
        for v in ins:
            if last.get(id(v)) == j and id(v) not in outputs and v not in graph.inputs:
                alive -= _nbytes(v)
    return peak


def _reverse_peak(eqns, outputs, out_bytes):
    """Peak bytes of cotangents alive at once per seed; the output seeds stay alive too."""
    alive = peak = out_bytes
    held = set(outputs)
    for e, ins in reversed(eqns):
        ob = _nbytes(e.out)
        new = sum(_nbytes(v) for v in ins)
        peak = max(peak, alive + new + ob)              # new cotangents + one temporary
        if id(e.out) in held and id(e.out) not in outputs:
            alive -= ob
        for v in ins:
            if id(v) not in held:
                held.add(id(v))
                alive += _nbytes(v)
    return max(peak, alive)


def estimate_seconds(costs, mode, seeds, k):
    """Estimated time of ``seeds`` seeds in sweeps of ``k`` in ``mode``."""
    if seeds == 0:
        return 0.0
    c = costs[mode]
    sweeps = -(-seeds // k)
    rate = CACHED_BYTE_SECONDS if k * c["peak"] <= CACHE_BYTES else STREAM_BYTE_SECONDS
    return (sweeps * (SWEEP_SECONDS + EQN_SECONDS * costs["eqns"])
            + seeds * (c["bytes"] * rate + c["flops"] * FLOP_SECONDS))
