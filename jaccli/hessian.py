"""Second derivatives: ``hessian``, ``hvp`` and their flat form for the command line.

A Hessian is a Jacobian of a Jacobian. The first derivative is one batched sweep over the
traced graph of ``f``, and the rules are traced again (rules.py's NOTE), so that sweep, run on
Tracers, is itself recorded as a *derivative graph*; the second derivative is then the batched
sweeps of ``run_sweeps`` (or colour groups, ``sparse=True``) over that graph. No Python loop
over rows or columns: two sweeps' worth of graphs, each batched.

The inner derivative (the graph that is traced; f itself is traced inside it, nested, so
that f is evaluated once -- see ``derivative_graph``):
- ``rev``: x -> vjp_sweep(graph of f at x, cotangent seeds), the *gradient graph*: one seed
  for a scalar f, the M identity rows for a vector f (output (M,) + x.shape);
- ``fwd``: x -> jvp_sweep(graph of f at x, the N identity tangent seeds) (output
  (N,) + out.shape), cheaper when the function has many more outputs than inputs (M > N).
The outer derivative: forward (forward over reverse, as jax.hessian) or reverse sweeps over
the derivative graph, chosen by the planner on that graph like any Jacobian.

NOTE: symmetry. Forward over reverse gives H exactly as the rules compute it; for a scalar f it
is symmetric to rounding, not to the bit. ``hessian`` returns it as computed (as JAX does); the
sparse path reads each entry once (star colouring), so its result is symmetric exactly.
"""
from dataclasses import dataclass

import functools

import numpy as np

from .api import check_engine, output_info
from .arguments import FlatCall, matching
from .errors import InputError
from .interpret import jvp_sweep, vjp_sweep
from .ir import Var
from .planner import Plan, make_plan
from .sweeps import Seeds, flat_offsets, flat_size, run_sweeps, sweep_chunk
from .tracer import Tracer, trace_function


# ---------------------------------------------------------------- the derivative graph

@dataclass
class Derivative:
    """The traced first derivative of ``f``. ``graph``: the graph of ``f``; ``dgraph``: the
    graph of its derivative sweep (inputs: the differentiated arguments, in order); ``inner``:
    'rev' or 'fwd'; out_shapes / in_shapes: f's outputs and differentiated arguments."""
    graph: object
    dgraph: object
    inner: str
    out_shapes: list
    in_shapes: list
    dtype: object
    n_out: object
    single: bool
    call: object = None         # the FlatCall: the arguments' and output's pytrees

    @property
    def M(self):
        return flat_size(self.out_shapes)

    @property
    def N(self):
        return flat_size(self.in_shapes)

    @property
    def point_dependent(self):
        seen = list(self.graph.point_dependent)
        return seen + [w for w in self.dgraph.point_dependent if w not in seen]


def choose_inner(M, N, inner="auto"):
    """The inner derivative: reverse (a gradient) unless the function has more outputs than
    inputs, where N tangent seeds make a smaller derivative graph than M cotangent seeds."""
    if inner == "auto":
        return "rev" if M <= N else "fwd"
    return inner


def derivative_graph(f, args, argnums=0, inner="auto", kwargs=None):
    """Trace the batched first-derivative sweep of ``f`` at ``args`` into a graph.

    NOTE: one evaluation of f. The sweep traces f itself, nested (tracer.bind's NOTE): f's
    trace runs on the outer trace's Tracers, so f is evaluated once (by the outer trace) and
    the inner sweep runs on the inner graph's values, recorded by the outer trace. Tracing f
    first and re-evaluating its graph inside the outer trace would evaluate it twice and keep
    two copies of every intermediate.

    A scalar f takes one 0-d cotangent seed (its gradient has x's shape: no unit axis in front
    of every value of the graph, which would keep its products off the lazy paths of
    ``lazy_tangents``); otherwise cotangent seeds carry a leading seed axis. Pytree arguments and outputs are
    traced by their leaves (``arguments.FlatCall``, kept as ``Derivative.call``)."""
    flat = FlatCall(f, tuple(args), kwargs, argnums)
    leaves, nums = flat.leaves, flat.flat_nums
    xs = [leaves[k] for k in nums]
    info = {}

    def sweep(*x):
        call = list(leaves)
        for k, xk in zip(nums, x):
            call[k] = xk
        graph, n_out = trace_function(flat, call, nums)
        out_shapes, dtype = output_info(graph)
        in_shapes = [tuple(v.shape) for v in graph.inputs]
        M, N = flat_size(out_shapes), flat_size(in_shapes)
        mode = choose_inner(M, N, inner)
        info.update(graph=graph, n_out=n_out, out_shapes=out_shapes, in_shapes=in_shapes,
                    dtype=dtype, inner=mode)
        if mode == "rev":
            live = [type(o) is Var for o in graph.outputs]
            if M == 1 and out_shapes == [()]:
                seeds, shapes = [np.ones((), dtype)], in_shapes
            else:
                seeds = Seeds.identity(0, M, dtype).blocks(out_shapes)
                shapes = [(M,) + s for s in in_shapes]
            seeds = [s if ok else None for s, ok in zip(seeds, live)]
            ds = vjp_sweep(graph, graph.values, seeds)
        else:
            seeds = Seeds.identity(0, N, dtype).blocks(in_shapes)
            shapes = [(N,) + s for s in out_shapes]
            ds = jvp_sweep(graph, graph.values, seeds)
        return tuple(_zeros_for(t, s, dtype) for t, s in zip(ds, shapes))
    with np.errstate(all="ignore"):
        dgraph, _ = trace_function(sweep, xs, tuple(range(len(xs))))
    return Derivative(info["graph"], live_part(dgraph), info["inner"], info["out_shapes"],
                      info["in_shapes"], info["dtype"], info["n_out"], False, flat)


def live_part(graph):
    """``graph`` without the equations no output depends on: the traced sweep evaluates all
    of f, whose own output (the loss value itself) the derivative does not read; left in,
    every outer sweep would push tangents through it."""
    live = {id(o) for o in graph.outputs if type(o) is Var}
    for v, _ in graph.decisions:
        live.add(id(v))
    kept = []
    for e in reversed(graph.eqns):
        if id(e.out) in live:
            kept.append(e)
            live.update(id(v) for v in e.inputs if type(v) is Var)
    if len(kept) == len(graph.eqns):
        return graph
    graph.eqns = kept[::-1]
    graph.frees = None
    return graph


def _concrete(a):
    while type(a) is Tracer:
        a = a.value
    return np.asarray(a)


def _zeros_for(t, shape, dtype):
    return np.zeros(shape, dtype) if t is None else t


# ---------------------------------------------------------------- dense Hessians

@dataclass
class FlatHessian:
    """``tensor``: the (M, N, N) second derivatives d2 f_m / dx_i dx_j over the flat layout
    (rows: f's outputs, columns twice its differentiated arguments); ``matrix``: the (N, N)
    Hessian of a scalar f (tensor[0]). ``plan``: the outer sweeps' plan over the derivative
    graph; ``inner``: the derivative graph's mode ('rev' or 'fwd')."""
    tensor: np.ndarray
    out_shapes: list
    in_shapes: list
    inner: str
    mode: str
    plan: object
    point_dependent: list
    n_out: object = None
    single: bool = True
    call: object = None         # the FlatCall: the arguments' and output's pytrees

    @property
    def matrix(self):
        return self.tensor.reshape(self.tensor.shape[0] * self.tensor.shape[1], -1) \
            if self.tensor.shape[0] != 1 else self.tensor[0]


def hessian_plan(d, mode="auto", chunk_size=None, memory_limit=None):
    """The plan for the outer sweeps: a Jacobian plan of the derivative graph, whose reason
    says which inner derivative was traced and why."""
    mode, chunk_size, memory_limit = check_engine(mode, chunk_size, memory_limit)
    rows = flat_size(tuple(o.shape) for o in d.dgraph.outputs)
    plan = make_plan(d.dgraph, rows, d.N, mode, chunk_size, memory_limit)
    plan.inner = d.inner
    base = plan._reason
    inner_text = _inner_reason(d)

    def reason():
        outer = base() if callable(base) else base
        word = "forward" if plan.mode == "fwd" else "reverse"
        return (f"{word} over {'reverse' if d.inner == 'rev' else 'forward'}: {inner_text}; "
                f"then the derivative graph's Jacobian, {outer}")
    plan._reason = reason
    return plan


def plan_hessian(f, args, argnums=0, mode="auto", chunk_size=None, memory_limit=None,
                 kwargs=None):
    """The plan for ``hessian(f, *args, ...)`` without computing it (the derivative graph is
    traced: that is where its sizes come from). ``plan.to_dict()`` is a Jacobian plan's of the
    derivative graph plus "inner" (the traced derivative's mode) and "order" ("fwd over rev"
    ...)."""
    d = derivative_graph(f, tuple(args), argnums, "auto", kwargs=kwargs)
    p = hessian_plan(d, mode, chunk_size, memory_limit)
    to_dict = p.to_dict

    def with_inner():
        data = to_dict()
        data.update(inner=d.inner, order=f"{p.mode} over {d.inner}", inputs_N=d.N,
                    outputs_M=d.M)
        return data
    p.to_dict = with_inner
    return p


def _inner_reason(d):
    if d.inner == "rev":
        seeds = "one cotangent seed" if d.M == 1 else f"{d.M} cotangent seeds"
        why = "" if d.M == 1 else f" (M = {d.M} <= N = {d.N})"
        return f"the gradient sweep traced once with {seeds}{why}"
    return (f"the tangent sweep traced once with {d.N} tangent seeds (N = {d.N} < M = {d.M}: "
            "fewer seeds than a gradient per output)")


COMPRESS_MIN_N = 512      # a scalar f with this many inputs: try compressed sweeps (dense H;
                          # below it the pattern and colouring cost more than N seeds save)
COMPRESS_RATIO = 4        # ... and take them when N >= this many times the colours


def flat_hessian(f, args, argnums=0, mode="auto", chunk_size=None, memory_limit=None,
                 inner="auto", progress=None, on_plan=None, compress=False, kwargs=None):
    """All second derivatives of ``f`` at ``args`` over the flat layout; a ``FlatHessian``.

    compress: for a scalar f with many inputs (mode "auto", no chunk_size), look at the
    gradient graph's sparsity pattern first: when a star colouring needs far fewer colours
    than N, the dense H comes from one compressed forward sweep per colour (direct recovery:
    the same entries, exact) instead of N seeds. Rosenbrock n = 2000: 3 sweeps, not 2000.
    kwargs: keyword arguments passed to ``f`` (constants)."""
    d = derivative_graph(f, tuple(args), argnums, inner, kwargs=kwargs)
    if compress and mode == "auto" and chunk_size is None and d.inner == "rev" and d.M == 1 \
            and d.N >= COMPRESS_MIN_N and not any(type(a) is Tracer for a in args):
        compressed = _compressed_dense(d)
        if compressed is not None:
            H, plan = compressed
            if on_plan is not None:
                on_plan(plan)
            return FlatHessian(H[None], d.out_shapes, d.in_shapes, d.inner, "fwd", plan,
                               d.point_dependent, d.n_out, d.single, d.call)
    plan = hessian_plan(d, mode, chunk_size, memory_limit)
    if on_plan is not None:
        on_plan(plan)
    with np.errstate(all="ignore"):
        J = run_sweeps(d.dgraph, plan.mode, plan.chunk_size, np.dtype(d.dtype),
                       progress=progress)
    return FlatHessian(_to_tensor(J, d), d.out_shapes, d.in_shapes, d.inner, plan.mode, plan,
                       d.point_dependent, d.n_out, d.single, d.call)


def _compressed_dense(d):
    """(the dense (N, N) H by star-coloured compressed sweeps, its plan), or None when the
    pattern is dense or needs too many colours."""
    from .sparse.coloring import star_color
    from .sparse.pattern import DensePattern, output_pattern
    from .sparse.recovery import recover_star
    try:
        P = output_pattern(d.dgraph)
    except DensePattern:
        return None
    coloring = star_color(P)
    if coloring.count * COMPRESS_RATIO > d.N:
        return None
    B = _compressed_sweeps(d, coloring, None)
    H = recover_star(P, B, coloring).toarray()
    count = coloring.count
    reason = (f"forward over reverse, compressed: the gradient graph's pattern has a star "
              f"colouring with {count} colours, so {count} forward sweeps instead of {d.N} "
              "(recovered directly, exact)")
    plan = Plan("fwd", d.N, d.N, count, reason, graph=d.dgraph)
    plan.inner, plan.colors = d.inner, count
    return H, plan


def _compressed_sweeps(d, coloring, chunk_size):
    """B = H S (N, colours): one forward sweep per colour group over the gradient graph."""
    from .costs import bytes_per_seed
    from .planner import cache_chunk
    N, dtype = d.N, np.dtype(d.dtype)
    S = coloring.seed_matrix()                          # (N, colours)
    c = coloring.count
    k = chunk_size or cache_chunk(c, bytes_per_seed(d.dgraph) + 8 * N)
    B = np.empty((N, c), dtype)
    with np.errstate(all="ignore"):
        for lo in range(0, c, k):
            hi = min(lo + k, c)
            block = sweep_chunk(d.dgraph, d.dgraph.values, "fwd",
                                Seeds.rows(np.ascontiguousarray(S[:, lo:hi].T), dtype))
            B[:, lo:hi] = np.asarray(block).T
    return B


def _to_tensor(J, d):
    """The derivative graph's flat Jacobian -> (M, N, N) T[m, i, j] = d2 f_m / dx_i dx_j."""
    M, N = d.M, d.N
    xp = np
    if d.inner == "fwd":                     # rows: output k, tangent n, element o of f_k
        parts, row = [], 0
        for s in d.out_shapes:
            size = flat_size([s])
            parts.append(J[row:row + N * size].reshape(N, size, N).transpose(1, 0, 2))
            row += N * size
        return xp.concatenate(parts, axis=0) if len(parts) != 1 else parts[0]
    parts, row = [], 0                       # rows: input i, seed m, element a of x_i
    for s in d.in_shapes:
        size = flat_size([s])
        parts.append(J[row:row + M * size].reshape(M, size, N))
        row += M * size
    return xp.concatenate(parts, axis=1) if len(parts) != 1 else parts[0]


def hessian(f, *args, argnums=0, sparse=False, mode="auto", chunk_size=None,
            memory_limit=None, batched=False, **kwargs):
    """The second derivatives of ``f`` at ``args`` (forward over reverse, batched).

    Shapes follow JAX's ``hessian``: a scalar f gives ``x.shape + x.shape``; an f with output
    shape ``out.shape`` gives ``out.shape + x.shape + x.shape``. For a tuple ``argnums`` a
    nested tuple of blocks ``H[i][j]`` = d2 f / dx_i dx_j (shape out.shape + x_i.shape +
    x_j.shape); for a tuple of outputs, a tuple over them. Pytrees as ``jacobian``: the
    output's structure outside, then the arguments' twice (``H['W']['b']``). Keyword
    arguments are passed to ``f`` as constants.

    sparse: True for a scalar f gives the flat (N, N) Hessian over all ``argnums`` as a
        symmetric ``scipy.sparse.csr_array``, from the sparsity pattern of the gradient graph,
        a star (or acyclic) colouring and one compressed forward sweep per colour.
    mode: the outer sweeps over the derivative graph: "fwd" (forward over reverse), "rev" or
        "auto" (the planner's choice). chunk_size, memory_limit: as for ``jacobian``.
    batched: as for ``jacobian``: True (every argument in ``argnums`` carries a leading axis
        of P points) or a tuple of further batched arguments; the result gets a leading
        (P,) axis, computed by batched sweeps over all points (``jaccli.hessian_points``).
    dtypes: as for ``jacobian`` (float32 in, float32 out; float16 computed in float32).
    """
    if batched is not False and batched is not None:
        if sparse:
            raise InputError("hessian(..., sparse=True) with batched= is not supported yet: "
                             "pass one of them.")
        from .hessian_points import batched_hessian
        g = functools.partial(f, **kwargs) if kwargs else f
        return batched_hessian(g, args, argnums, batched, mode, chunk_size, memory_limit)
    if sparse:
        return sparse_hessian(f, *args, argnums=argnums, **kwargs).matrix
    flat = flat_hessian(f, args, argnums, mode, chunk_size, memory_limit, compress=True,
                        kwargs=kwargs)
    return _unflatten(flat)


def _unflatten(flat):
    """(M, N, N) -> blocks out.shape + x_i.shape + x_j.shape, nested as outputs and argnums."""
    T = flat.tensor
    n_out, single = flat.n_out, flat.single
    row_off, col_off = flat_offsets(flat.out_shapes), flat_offsets(flat.in_shapes)
    outs = []
    for k, oshape in enumerate(flat.out_shapes):
        Tk = T[row_off[k]:row_off[k + 1]]
        rows = []
        for i, si in enumerate(flat.in_shapes):
            row = tuple(Tk[:, col_off[i]:col_off[i + 1], col_off[j]:col_off[j + 1]].reshape(
                tuple(oshape) + tuple(si) + tuple(sj)) for j, sj in enumerate(flat.in_shapes))
            rows.append(row[0] if single else row)
        outs.append(rows[0] if single else tuple(rows))
    if flat.call is not None:                   # blocks over leaves -> the pytrees
        return flat.call.hessian(outs)
    return outs[0] if n_out is None else tuple(outs)


# ---------------------------------------------------------------- Hessian-vector products

def hvp(f, primals, tangents):
    """``(f(*primals), H @ v)`` for a scalar f: one forward sweep over the traced gradient
    sweep (forward over reverse), ``H @ v`` a tuple with one array per primal (its shape),
    ``v`` the ``tangents`` (one per primal, same shapes; a pytree primal takes a tangent of
    its structure and gets ``H @ v`` in it). Every primal is differentiated."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise InputError(f"hvp got {len(primals)} primals but {len(tangents)} tangents.")
    if not primals:
        raise InputError("hvp needs at least one primal.")
    d = derivative_graph(f, primals, tuple(range(len(primals))), inner="rev")
    _require_scalar(d, "hvp")
    flat_tangents = matching(d.call.tree.children[0], tangents, "tangents", "the primals")
    ts = []
    for j, v, t in zip(d.call.flat_nums, d.dgraph.inputs, flat_tangents):
        t = np.asarray(t, dtype=v.dtype)
        if t.shape != v.shape:
            name = d.call.leaf_name(j).replace("argument", "tangent", 1)
            raise InputError(f"{name} has shape {t.shape}, its primal {v.shape}.")
        ts.append(t)
    with np.errstate(all="ignore"):
        outs = jvp_sweep(d.dgraph, d.dgraph.values, ts)
    out = d.graph.outputs[0]                  # its value: the outer trace's Tracer
    y = d.call.outputs([_concrete(d.graph.values[out] if type(out) is Var else out)])
    return y, d.call.all_arguments([np.zeros(v.shape, v.dtype) if t is None else t
                                    for v, t in zip(d.dgraph.inputs, outs)])


def _require_scalar(d, what):
    if d.out_shapes != [()]:
        shown = ", ".join(str(s) for s in d.out_shapes)
        raise InputError(f"{what} needs a function with one scalar output; this one returns "
                         f"shape(s) {shown}. Reduce it to a scalar (e.g. a sum or a loss), or "
                         "use jaccli.hessian, which takes any output shape.")


# ---------------------------------------------------------------- sparse Hessians

ACYCLIC_EDGES = 20_000     # graph edges up to which acyclic colouring is tried too (its
                           # Python-loop greedy costs ~5-12 us per edge per ordering)


@dataclass
class SparseHessian:
    """``matrix``: the symmetric (N, N) ``csr_array``; ``pattern``: the gradient graph's
    Jacobian pattern it was recovered on; ``coloring`` and ``method`` ('star': direct
    recovery, 'acyclic': substitution, 'dense': the pattern was dense, no colouring);
    ``pattern_kind`` 'global' or 'local'."""
    matrix: object
    pattern: object
    coloring: object
    method: str
    in_shapes: list
    point_dependent: list

    @property
    def colors(self):
        return self.coloring.count if self.coloring is not None else None

    @property
    def pattern_kind(self):
        return "local" if self.point_dependent else "global"


def symmetric_coloring(P):
    """A star colouring of P, or an acyclic one where it needs fewer colours (tried while the
    pattern is small enough for its greedy): -> (Coloring, 'star' | 'acyclic')."""
    from .sparse.coloring import acyclic_color, star_color
    star = star_color(P)
    edges = P.nnz - min(P.shape)
    if star.count <= 2 or edges > ACYCLIC_EDGES:
        return star, "star"
    acyclic = acyclic_color(P)
    if acyclic.count < star.count:
        return acyclic, "acyclic"
    return star, "star"


def sparse_hessian(f, *args, argnums=0, chunk_size=None, **kwargs):
    """The flat (N, N) Hessian of a scalar f as a ``SparseHessian``: the sparsity pattern of
    the gradient graph's Jacobian, a symmetric colouring, one forward sweep per colour over
    the gradient graph (seeds S, B = H S), then recovery."""
    import scipy.sparse as sp
    from .planner import cache_chunk
    from .costs import bytes_per_seed
    from .sparse.pattern import DensePattern, output_pattern
    from .sparse.recovery import recover_acyclic, recover_star
    if any(type(a) is Tracer for a in args):
        raise InputError("nested differentiation of hessian(..., sparse=True) is not "
                         "supported yet: the recovery writes into NumPy arrays; use the dense "
                         "hessian inside another derivative.")
    d = derivative_graph(f, args, argnums, inner="rev", kwargs=kwargs)
    _require_scalar(d, "hessian(..., sparse=True)")
    N, dtype = d.N, np.dtype(d.dtype)
    try:
        P = output_pattern(d.dgraph)
    except DensePattern:
        with np.errstate(all="ignore"):
            H = run_sweeps(d.dgraph, "fwd", cache_chunk(N, bytes_per_seed(d.dgraph)), dtype)
        return SparseHessian(sp.csr_array(np.asarray(H)), None, None, "dense", d.in_shapes,
                             d.point_dependent)
    coloring, method = symmetric_coloring(P)
    B = _compressed_sweeps(d, coloring, chunk_size)
    recover = recover_star if method == "star" else recover_acyclic
    H = recover(P, B, coloring)
    return SparseHessian(sp.csr_array(H), P, coloring, method, d.in_shapes, d.point_dependent)
