"""The sweeps behind a reusable Jacobian function (``jacfun.JacobianFunction``): one traced
path's graph evaluated at new inputs and swept, compiled to straight-line code
(``compiled.Program``) from its first reuse, with the seeds of every chunk made once; and
the choice of compressed sweeps once the path has cost about what finding its pattern would
(``COMPRESS_*``, ``analysis_seconds``)."""
import time

import numpy as np

from .interpret import jvp_sweep
from .ir import Var
from .lazy_tangents import pays
from .planner import decide_by_measurement
from .rules import eval_rule, lazy_shapes
from .sweeps import Seeds, flat_blocks, flat_offsets, sweep_chunk


def flat_result(J):
    return J


def sparse_sweeps(graph, env, plan, dtype, wrt):
    """The flat csr_array J of ``plan`` (``sparse.jacobian.plan_sparse``): compressed sweeps,
    or dense ones where the pattern is dense, as ``jacobian(..., sparse=True)``."""
    import scipy.sparse as sp
    if plan.compressed is None:
        return sp.csr_array(np.asarray(path_sweeps(graph, env, plan.mode, plan.chunk_size, dtype,
                                               wrt, plan.M, plan.N)))
    from .sparse.jacobian import compressed_jacobian
    chunks = {m: plan.modes[m]["chunk_size"] for m in ("fwd", "rev")}
    return compressed_jacobian(graph, env, graph.sparsity[tuple(wrt)], plan.compressed, chunks,
                               dtype, wrt)


def _evaluate(graph, inputs):
    """Every Var's value at new inputs, except the matmuls' (``lazy_shapes``): those are
    computed when read (see ``builder.Values``), so a final ``W @ h`` that only the sweeps'
    rules see is never computed."""
    from .builder import Values
    env = Values()
    for v, x in zip(graph.inputs, inputs):
        env[v] = x
    thunks = env.thunks
    for e in graph.eqns:
        xs = [env[v] if type(v) is Var else v for v in e.inputs]
        if e.prim in lazy_shapes:
            thunks[e.out] = (eval_rule(e.prim), (e, xs), {})
        else:
            env[e.out] = eval_rule(e.prim)(e, xs)
    return env


class Sweeper:
    """The flat Jacobian of one path at new inputs: its graph compiled (``compiled.Program``)
    and the identity seeds of every chunk made once (read-only) when they are small; the
    interpreter (``_evaluate`` and ``sweep_chunk``) for a graph too large to compile."""
    SEED_BYTES = 16 * 1024 ** 2

    def __init__(self, path, entry):
        from .compiled import MAX_EQUATIONS, Program
        plan, graph = path.plan, path.graph
        self.graph, self.entry, self.mode = graph, entry, plan.mode
        self.out_shapes = path.out_shapes
        self.M, self.N, self.dtype = plan.M, plan.N, path.dtype
        self.program = Program(graph) if len(graph.eqns) <= MAX_EQUATIONS else None
        total, self.width = (plan.N, plan.M) if plan.mode == "fwd" else (plan.M, plan.N)
        self.entry_chunk = plan.chunk_size
        self.offsets = {"fwd": flat_offsets(path.out_shapes),
                        "rev": flat_offsets(entry.in_shapes)}
        self.chunks = [(a, min(a + plan.chunk_size, total))
                       for a in range(0, total, plan.chunk_size)]
        self.lazy = plan.mode == "fwd" and pays(graph, plan.chunk_size)
        self.seeds = None
        if self.program is not None and total * total * self.dtype.itemsize <= self.SEED_BYTES:
            self.seeds = [self._seeds(a, b) for a, b in self.chunks]
        self.compressed = None
        # NOTE: when to look for a pattern. Its analysis costs about a millisecond for a
        # small graph, more for a large one (``analysis_seconds``); a small J sweeps in
        # microseconds and would never win it back. So it is tried once this path has cost
        # that much in all (its first call, tracing included, and its dense sweeps since):
        # the analysis then costs at most about as much as the path has cost without it.
        self.swept = path.swept if entry.compress is not None and self.program is not None \
            else None
        self.analysis = analysis_seconds(graph, plan.M, plan.N)
        self.sparse = path.unflatten is flat_result          # jacfun(..., sparse=True)
        if self.sparse and self.program is not None and path.plan.compressed in ("fwd", "rev"):
            info = graph.sparsity[tuple(entry.wrt)]
            self.compressed = _compressed_seeds(self, info, path.plan.compressed)
        self.plan = path.plan

    def _compressed(self, values):
        """The dense J from the compressed sweeps of ``self.compressed``: one seed per colour
        of columns (forward) or rows (reverse), then each entry of the pattern read from its
        colour's product; J is zero off the pattern."""
        mode, seeds, count, rows, cols, take, P, src, dst = self.compressed
        if mode == "fwd":
            B = flat_blocks(self.program.forward(values, seeds, None), self.out_shapes,
                            (count,), self.dtype)            # (c, M): B[colour, row]
        else:
            cts = self.program.reverse(values, seeds)
            B = flat_blocks([cts[k] for k in self.entry.wrt], self.entry.in_shapes, (count,),
                            self.dtype)                      # (c, N): B[colour, column]
        picked = B.ravel()[src]           # B[take, rows] (fwd) or B[take, cols], flat
        if self.sparse:
            import scipy.sparse as sp
            return sp.csr_array((picked, P.indices.copy(), P.indptr.copy()), shape=P.shape)
        J = np.zeros((self.M, self.N), self.dtype)
        J.ravel()[dst] = picked           # J[rows, cols], flat
        return J

    def _seeds(self, start, stop):
        """(blocks, identity) for the chunk start:stop: forward, the tangents of every graph
        input (None off ``wrt``) and the identity rows of each seeded input; reverse, the
        cotangents of the outputs."""
        graph, entry = self.graph, self.entry
        seeds = Seeds.identity(start, stop, self.dtype)
        if self.mode == "fwd":
            blocks = seeds.blocks(entry.in_shapes)
            tangents = [None] * len(graph.inputs)
            for k, b in zip(entry.wrt, blocks):
                tangents[k] = b
            identity = {graph.inputs[k]: r for k, r in
                        zip(entry.wrt, seeds.identity_rows(entry.in_shapes)) if r is not None}
        else:
            tangents = seeds.blocks(self.out_shapes)
            identity = None
        for b in tangents:
            if b is not None:
                b.flags.writeable = False
        return tangents, identity

    def __call__(self, inputs):
        """The flat (M, N) J at ``inputs``, or None where a recorded decision differs."""
        program = self.program
        if program is None:
            env = _evaluate(self.graph, inputs)
            if not _holds(self.graph.decisions, env):
                return None
            if self.sparse:
                with np.errstate(all="ignore"):
                    return sparse_sweeps(self.graph, env, self.plan, self.dtype,
                                          self.entry.wrt)
            return path_sweeps(self.graph, env, self.mode, self.entry_chunk, self.dtype,
                           self.entry.wrt, self.M, self.N)
        with np.errstate(all="ignore"):
            values = self._evaluate(inputs)
            if values is None:
                return None
            if self.compressed is not None:
                return self._compressed(values)
            if self.sparse:                  # bicoloured, or a dense pattern
                return sparse_sweeps(self.graph, self.program.env(values), self.plan,
                                      self.dtype, self.entry.wrt)
            if self.width == 0 or not self.chunks:
                return np.zeros((self.M, self.N), self.dtype)
            if self.swept is None:
                return self._dense(values)
            if self.swept > self.analysis:
                self.swept = None
                self.compressed = _compression(self, self.entry.compress)
                if self.compressed is not None:
                    return self._compressed(values)
                return self._dense(values)
            t0 = time.perf_counter()
            J = self._dense(values)
            self.swept += time.perf_counter() - t0
            return J

    def _evaluate(self, inputs):
        """The compiled evaluation at ``inputs``: only what the forward sweeps read where
        every sweep left to run is a forward one (``Program.evaluate_for_forward``)."""
        program, compressed = self.program, self.compressed
        if not self.sparse and (compressed[0] == "fwd" if compressed is not None else
                                self.mode == "fwd" and self.swept is None):
            return program.evaluate_for_forward(self.entry.wrt)(inputs)
        return program.evaluate(inputs)

    def _dense(self, values):
        if len(self.chunks) == 1:
            return self._chunk(values, 0).T if self.mode == "fwd" else self._chunk(values, 0)
        rows = np.empty((self.chunks[-1][1], self.width), self.dtype)
        for j, (a, b) in enumerate(self.chunks):
            rows[a:b] = self._chunk(values, j)
        return rows.T if self.mode == "fwd" else rows

    def _chunk(self, values, j):
        seeds, identity = self.seeds[j] if self.seeds is not None else self._seeds(*self.chunks[j])
        count = self.chunks[j][1] - self.chunks[j][0]
        if self.mode == "fwd":
            if self.lazy:       # large tangents: the interpreter's lazy chains write less
                blocks = jvp_sweep(self.graph, self.program.env(values), seeds, identity)
            else:
                blocks = self.program.forward(values, seeds, identity)
            shapes = self.out_shapes
        else:
            cts = self.program.reverse(values, seeds)
            blocks, shapes = [cts[k] for k in self.entry.wrt], self.entry.in_shapes
        if len(blocks) == 1 and blocks[0] is not None and blocks[0].shape[:1] == (count,):
            return blocks[0].reshape(count, -1)
        offsets = self.offsets[self.mode]
        out = np.empty((count, offsets[-1]), self.dtype)
        for b, shape, lo, hi in zip(blocks, shapes, offsets, offsets[1:]):
            if b is None:
                out[:, lo:hi] = 0
            elif b.shape[:1] == (count,):
                out[:, lo:hi] = b.reshape(count, hi - lo)
            else:                                 # fewer leading axes: broadcast
                out[:, lo:hi] = np.broadcast_to(b, (count,) + tuple(shape)).reshape(count, -1)
        return out


COMPRESS_MIN_SEEDS = 32     # fewer seeds than this: dense sweeps, no pattern analysis
# the estimated cost of a pattern analysis and colouring (measured on the 2-core dev box,
# loaded, warm: 0.7-1.0 ms for the 10 equations of a 1-D Bratu residual at n = 100-1000,
# 1.8 ms at 10^4, 1.2-4.9 ms for the 29 of a Rosenbrock gradient at n = 200-20000), and the
# first colouring's import of scipy.optimize (its compiled group_columns: 0.2-0.7 s) when no
# one has imported it yet
COMPRESS_BASE_SECONDS = 5e-4
COMPRESS_PER_EQUATION = 2.5e-5
COMPRESS_PER_ENTRY = 1e-7       # per row and column of J
COMPRESS_IMPORT_SECONDS = 0.3
COMPRESS_GAIN = 2.0         # compressed sweeps when they need this many times fewer seeds


def analysis_seconds(graph, M, N):
    """The estimated seconds of ``_compression`` on ``graph`` (an (M, N) J)."""
    import sys
    cold = COMPRESS_IMPORT_SECONDS if "scipy.optimize" not in sys.modules else 0.0
    return cold + COMPRESS_BASE_SECONDS + COMPRESS_PER_EQUATION * len(graph.eqns) \
        + COMPRESS_PER_ENTRY * (M + N)


def _compression(sweeper, modes):
    """(mode, seeds, count, rows, cols, take) for compressed sweeps of a dense J, or None.

    NOTE: a dense J by compressed sweeps. The graph's sparsity pattern (``sparse.pattern``: a
    superset of the nonzeros, valid wherever the graph is, which the decisions re-checked at
    every call guarantee) and a colouring of it are made once, at the first reuse; when they
    need ``COMPRESS_GAIN`` times fewer seeds than the dense sweeps (a stencil: 3 instead of
    n), each call sweeps one seed per colour and scatters the pattern's entries into a zero
    J. Entries are the same products as the dense sweeps' (a sum with exact zeros). Reverse
    seeds count double (DESIGN: a reverse seed costs ~2x)."""
    from .sparse.jacobian import sparsity
    entry, M, N = sweeper.entry, sweeper.M, sweeper.N
    dense = N if sweeper.mode == "fwd" else 2 * M
    if min(M, N) < COMPRESS_MIN_SEEDS or _clearly_dense(sweeper.graph):
        return None
    info = sparsity(sweeper.graph, entry.wrt)        # kept on the graph; None: dense
    if info is None:
        return None
    options = [(info.coloring(m).count * w, m) for m, w in (("fwd", 1), ("rev", 2))
               if m in modes]
    cost, mode = min(options)
    if cost * COMPRESS_GAIN > dense:
        return None
    return _compressed_seeds(sweeper, info, mode)


def _compressed_seeds(sweeper, info, mode):
    """(mode, seeds, count, rows, cols, take, P, src, dst): the read-only seeds of one
    colouring of ``info`` (a ``sparse.jacobian.Sparsity``) for the compiled sweeps, and where
    each entry of the canonical pattern P is read from: row ``rows``, column ``cols``, colour
    ``take``; ``src`` and ``dst`` the same as flat indices into the (c, M) or (c, N) product
    and into J."""
    from .sparse.orderings import pattern_csr, row_of_entry
    entry = sweeper.entry
    coloring = info.coloring(mode)
    P = pattern_csr(info.pattern)
    rows, cols = row_of_entry(P), P.indices
    S = Seeds.rows(coloring.seed_matrix().T, sweeper.dtype)    # (c, N) or (c, M)
    if mode == "fwd":
        seeds = [None] * len(sweeper.graph.inputs)
        for k, b in zip(entry.wrt, S.blocks(entry.in_shapes)):
            seeds[k] = b
        take = coloring.colors[cols]
    else:
        seeds = S.blocks(sweeper.out_shapes)
        take = coloring.colors[rows]
    for b in seeds:
        if b is not None:
            b.flags.writeable = False
    other = rows if mode == "fwd" else cols
    src = take.astype(np.intp) * (sweeper.M if mode == "fwd" else sweeper.N) + other
    dst = rows.astype(np.intp) * sweeper.N + cols
    return mode, seeds, coloring.count, rows, cols, take, P, src, dst


def _clearly_dense(graph):
    """A matmul with a large, mostly nonzero constant matrix: its J is dense, and building
    its pattern would cost more (a 1000 x 1000 A: ~0.1 s) than saying so."""
    from .sparse.pattern import DENSE_FRACTION, DENSE_MIN_NNZ
    for e in graph.eqns:
        if e.prim.kind == "contraction":
            for v in e.inputs:
                if type(v) is not Var and np.ndim(v) >= 2 and np.size(v) >= DENSE_MIN_NNZ \
                        and np.count_nonzero(v) > DENSE_FRACTION * np.size(v):
                    return True
    return False


def _holds(decisions, env):
    for var, value in decisions:
        if not np.array_equal(env[var], value):
            return False
    return True


def path_sweeps(graph, env, mode, chunk_size, dtype, wrt, M, N):
    """The flat (M, N) Jacobian from identity seeds in chunks of ``chunk_size``."""
    seeds_total, width = (N, M) if mode == "fwd" else (M, N)
    if seeds_total == 0 or width == 0:
        return np.zeros((M, N), dtype)
    if chunk_size >= seeds_total:
        block = sweep_chunk(graph, env, mode, Seeds.identity(0, seeds_total, dtype), (), wrt)
        return block.T if mode == "fwd" else block
    rows = np.empty((seeds_total, width), dtype)
    for start in range(0, seeds_total, chunk_size):
        stop = min(start + chunk_size, seeds_total)
        rows[start:stop] = sweep_chunk(graph, env, mode, Seeds.identity(start, stop, dtype),
                                       (), wrt)
    return rows.T if mode == "fwd" else rows


def measure_modes(graph, plan, dtype, wrt):
    """As api's measurement of the modes, over the differentiated inputs ``wrt`` only."""
    import time
    seeds = Seeds.identity(0, plan.measure, dtype)
    best = {"fwd": float("inf"), "rev": float("inf")}
    for _ in range(2):
        for mode in ("fwd", "rev"):
            t0 = time.perf_counter()
            sweep_chunk(graph, graph.values, mode, seeds, (), wrt)
            best[mode] = min(best[mode], time.perf_counter() - t0)
    return decide_by_measurement(plan, best, plan.measure)
