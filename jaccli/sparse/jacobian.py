"""Sparse Jacobians of a traced graph: its pattern and colourings (found once, kept on the
graph), the choice between dense and compressed sweeps, and the compressed sweeps themselves
with their decompression into CSR.

Compressed sweeps push one seed per colour: forward, the columns of a colour summed
(B = J @ S); reverse, the rows of a colour (B = S^T @ J); bicoloured, both, each entry read
from one side. The seeds go through the same chunk function as dense seeds
(``sweeps.sweep_chunk`` with ``Seeds.rows``), chunked under the same memory budget.
"""
import math

import numpy as np

from ..costs import estimate_seconds
from ..memory import format_seconds
from ..sweeps import Seeds, sweep_chunk

# NOTE: start-up. SciPy's sparse, csgraph and optimize modules take 0.3-1 s to import; this
# module is imported by every call with sparse='auto' (the command line's default), which
# usually decides not to look (small or dense problems). So the modules that need SciPy are
# imported where a pattern is really found, coloured or decompressed.

METHODS = ("fwd", "rev", "bi")
# NOTE: when to look. Detection costs about DETECT_EQN_SECONDS per equation plus
# DETECT_ELEMENT_SECONDS per element of the larger side per equation (Brusselator N = 64:
# 40 equations, n = 8192, 21-28 ms; Broyden n = 10^6: 15 equations, 0.15-0.45 s, on this
# 2-core box). ``--sparse auto`` looks only where the dense plan's estimate is DETECT_PAYBACK
# times that (the model's dense estimates run 2-7x low for elementwise chains), and never
# where the smaller side is at most MIN_SEEDS (so few dense seeds are as cheap as colouring).
DETECT_EQN_SECONDS = 50e-6
DETECT_ELEMENT_SECONDS = 60e-9
DETECT_PAYBACK = 2.0
MIN_SEEDS = 16
DECOMPRESS_ENTRY_SECONDS = 20e-9
DYNAMIC_ENTRY_SECONDS = 4e-6
DYNAMIC_PAYBACK = 3.0
BICOLOR_MIN_SEEDS = 32       # bicolouring pays only where both one-sided counts are large


class Sparsity:
    """The pattern of a graph's flat Jacobian and its colourings, each computed on first use.
    ``kind``: 'global' (valid at every point) or 'local' (the trace branched on values).

    NOTE: colouring effort. The compiled greedy orderings (natural, largest-first) cost
    milliseconds; the Python-loop ones (smallest-last, incidence-degree, DSATUR) about
    DYNAMIC_ENTRY_SECONDS per entry of the conflict graph, a second at n ~ 10^5. They run
    only when the seeds they could save (down to the lower bound) are worth more than
    DYNAMIC_PAYBACK times their cost, weighed with ``seed_seconds`` and the number of
    Jacobians the colouring will serve (``uses``: many for a reused Jacobian function)."""

    def __init__(self, pattern, local):
        self.pattern = pattern
        self.kind = "local" if local else "global"
        self._colorings = {}

    @property
    def nnz(self):
        return int(self.pattern.nnz)

    @property
    def density(self):
        M, N = self.pattern.shape
        return self.nnz / (M * N) if M * N else 0.0

    def coloring(self, method, seed_seconds=0.0, uses=1):
        """'fwd': columns coloured; 'rev': rows; 'bi': both (a ``Bicoloring``)."""
        import scipy.sparse as sp

        from .coloring import CHEAP_ORDERINGS, ORDERINGS, bicolor
        from .orderings import conflict_size
        if method == "bi":
            if "bi" not in self._colorings:
                self._colorings["bi"] = bicolor(self.pattern, CHEAP_ORDERINGS)
            return self._colorings["bi"]
        c = self._colorings.get(method)
        if c is None:
            c = self._color(method, CHEAP_ORDERINGS)
        if c.count > c.lower_bound and "dsatur" not in c.tried:
            A = self.pattern if method == "fwd" else self.pattern.T
            cost = DYNAMIC_ENTRY_SECONDS * conflict_size(sp.csr_array(A))
            if (c.count - c.lower_bound) * seed_seconds * uses > DYNAMIC_PAYBACK * cost:
                thorough = self._color(method, ORDERINGS)
                c = thorough if thorough.count < c.count else c
        self._colorings[method] = c
        return c

    def _color(self, method, orderings):
        from .coloring import color_columns, color_rows
        make = color_columns if method == "fwd" else color_rows
        return make(self.pattern, orderings)

    def seeds(self, method, seed_seconds=None, uses=1):
        """(forward seeds, reverse seeds) of ``method``: colour counts, 0 where unused.
        ``seed_seconds``: {'fwd': s, 'rev': s}, what one seed costs in each direction."""
        seconds = seed_seconds or {"fwd": 0.0, "rev": 0.0}
        if method == "bi":
            c = self.coloring("bi")
            return c.columns.count, c.rows.count
        c = self.coloring(method, seconds[method], uses)
        return (c.count, 0) if method == "fwd" else (0, c.count)


def sparsity(graph, wrt=None):
    """The ``Sparsity`` of ``graph``'s Jacobian with respect to the inputs ``wrt`` (default
    all), kept on the graph; None when the pattern is clearly dense."""
    from .pattern import DensePattern, output_pattern
    key = None if wrt is None else tuple(wrt)
    cache = graph.sparsity
    if key not in cache:
        try:
            P = output_pattern(graph, wrt)
        except DensePattern:
            P = None
        cache[key] = None if P is None else Sparsity(P, bool(graph.point_dependent))
    return cache[key]


def worth_looking(graph, M, N, dense_seconds):
    """Whether ``--sparse auto`` should detect the pattern at all."""
    if min(M, N) <= MIN_SEEDS:
        return False
    detect = len(graph.eqns) * (DETECT_EQN_SECONDS + DETECT_ELEMENT_SECONDS * max(M, N))
    return dense_seconds >= DETECT_PAYBACK * detect


def compressed_estimates(sp_info, costs, chunk_sizes, uses=1):
    """Estimated seconds of each compressed method: its seeds in each direction at the
    dense plan's chunk size of that direction, plus decompression. Bicolouring is weighed
    only where both one-sided colourings need many seeds (dense rows and dense columns)."""
    per_seed = {m: estimate_seconds(costs, m, 1, 1) for m in ("fwd", "rev")}
    decompress = sp_info.nnz * DECOMPRESS_ENTRY_SECONDS

    def seconds(fwd, rev):
        return decompress + sum(
            estimate_seconds(costs, mode, seeds, max(1, min(seeds, chunk_sizes[mode])))
            for mode, seeds in (("fwd", fwd), ("rev", rev)) if seeds)

    out = {m: seconds(*sp_info.seeds(m, per_seed, uses)) for m in ("fwd", "rev")}
    one_sided = (sp_info.seeds("fwd")[0], sp_info.seeds("rev")[1])
    if min(one_sided) > BICOLOR_MIN_SEEDS:
        out["bi"] = seconds(*sp_info.seeds("bi"))
    return out


def compressed_jacobian(graph, env, sp_info, method, chunk_sizes, dtype, wrt=None,
                        progress=None, seed_tasks=None, tasks=None):
    """The flat Jacobian as a ``scipy.sparse.csr_array`` (M, N) with ``sp_info``'s pattern,
    from the compressed sweeps of ``method`` in chunks of ``chunk_sizes[mode]`` colours.
    ``seed_tasks(graph, plan, seeds, wrt, progress)``: runs the (count, total) seed matrix's
    chunks as tasks on a cluster (``distributed.run_seed_tasks`` with its cluster; ``env``
    must then be the graph's own values) and returns (block, TaskSplit); each sweep
    direction's TaskSplit is appended to the list ``tasks``."""
    from .recovery import recover_bicolor, recover_columns, recover_rows
    P = sp_info.pattern
    c = sp_info.coloring(method)
    where = (graph, env, chunk_sizes, dtype, wrt, progress, seed_tasks, tasks)
    if method == "fwd":
        return recover_columns(P, _swept("fwd", c, *where), c)
    if method == "rev":
        return recover_rows(P, _swept("rev", c, *where).T, c)
    B_cols = _swept("fwd", c.columns, *where)
    B_rows = _swept("rev", c.rows, *where).T
    return recover_bicolor(P, B_cols, B_rows, c)


def _swept(mode, coloring, graph, env, chunk_sizes, dtype, wrt, progress, seed_tasks, tasks):
    """Forward: B = J @ S (M, count); reverse: (S^T @ J)^T (N, count), one seed per colour."""
    S = coloring.seed_matrix()                     # (N or M, count), 0/1
    count = S.shape[1]
    M = sum(math.prod(o.shape) for o in graph.outputs)
    N = sum(math.prod(graph.inputs[k].shape) for k in (wrt or range(len(graph.inputs))))
    other = M if mode == "fwd" else N
    k = max(1, min(count, chunk_sizes[mode]))
    if seed_tasks is not None and count:
        from ..planner import Plan
        plan = Plan(mode, M, N, k, "compressed sweeps as tasks")
        block, split = seed_tasks(graph, plan, np.ascontiguousarray(S.T), wrt, progress)
        if tasks is not None:
            tasks.append(split)
        return np.asarray(block).T
    B = np.zeros((other, count), dtype)
    for c0 in range(0, count, k):
        c1 = min(c0 + k, count)
        block = sweep_chunk(graph, env, mode, Seeds.rows(np.ascontiguousarray(S[:, c0:c1].T),
                                                         dtype), wrt=wrt)
        B[:, c0:c1] = np.asarray(block).T
        if progress is not None:
            progress(c1, count)
    return B


def to_dense(J, out=None):
    """A csr Jacobian as a dense array (or written into ``out``, e.g. a memmap)."""
    if out is None:
        return J.toarray()
    out[...] = 0
    coo = J.tocoo()
    out[coo.row, coo.col] = coo.data
    return out




def plan_sparse(graph, plan, required, wrt=None, mode="auto", points=1):
    """Add the sparse side to a dense ``plan``: detect and colour (where it may pay, or always
    when ``required``), estimate each compressed method, and pick compressed sweeps when they
    are cheaper than the dense plan (``required``: whenever a pattern was found). Sets
    ``plan.sparse`` (what ``plan.to_dict()`` adds: nnz, density, pattern kind, colours per
    direction and per ordering tried, sweeps and estimates) and ``plan.compressed``. A forced
    ``mode`` ('fwd', 'rev') compresses in that direction. ``points``: how many points the
    pattern will serve (``batched=``): detection is paid once for all of them."""
    M, N = plan.M, plan.N
    if not required and min(M, N) <= MIN_SEEDS:
        plan.sparse = {"pattern": None, "sparse_reason": f"not looked for: {min(M, N)} "
                       "seeds at most, as cheap as any colouring"}
        return plan
    dense = plan.modes[plan.mode]["est_seconds"]
    if not required and not worth_looking(graph, M, N, dense * points):
        plan.sparse = {"pattern": None, "sparse_reason": "not looked for: finding it would "
                       "cost more than compressed sweeps could save"}
        return plan
    info = sparsity(graph, wrt)
    if info is None:
        plan.sparse = {"pattern": "dense", "sparse_reason": "the pattern is dense"}
        return plan
    chunks = {m: plan.modes[m]["chunk_size"] for m in ("fwd", "rev")}
    est = compressed_estimates(info, plan.costs or _costs(plan), chunks)
    best = mode if mode != "auto" else min(est, key=lambda m: (est[m], METHODS.index(m)))
    if required or est[best] < dense:
        plan.compressed = best
    plan.sparse = _summary(info, est, dense, plan.compressed)
    return plan


def _costs(plan):
    plan.modes                     # computes plan.costs
    return plan.costs


def _summary(info, est, dense, chosen):
    fwd, rev = info.coloring("fwd"), info.coloring("rev")
    colors = {"fwd": fwd.count, "rev": rev.count}
    where = {"global": "a pattern valid at every point",
             "local": "a pattern valid at this point only"}.get(info.kind, f"{info.kind} pattern")
    text = (f"{info.nnz} nonzeros ({info.density:.2%} of J, {where}); colours: "
            f"forward {fwd.count}, reverse {rev.count}")
    if "bi" in est:
        bi = info.coloring("bi")
        colors["bi"] = [bi.columns.count, bi.rows.count]
        text += f", both together {bi.columns.count}+{bi.rows.count}"
    if chosen is None:
        text += "; dense sweeps are cheaper"
    else:
        text += f"; compressed {_WORDS[chosen]} sweeps, est. {format_seconds(est[chosen])} vs dense " \
                f"{format_seconds(dense)}"
    return {"nnz": info.nnz, "density": info.density, "pattern": info.kind, "colors": colors,
            "orderings": {"fwd": dict(fwd.tried), "rev": dict(rev.tried)},
            "sparse_estimates": {**est, "dense": dense},
            "sparse_reason": text}


_WORDS = {"fwd": "forward", "rev": "reverse", "bi": "forward-and-reverse"}


