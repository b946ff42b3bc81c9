"""The public API: ``jacobian``, ``jvp``, ``vjp`` (from ``directional``), ``trace``,
``sparsity``, plus ``flat_jacobian`` and ``plan`` for the command line. The arguments
(argnums, checks, pytrees, keyword arguments) are prepared by ``jaccli.arguments``.

A Jacobian is built by tracing the function once at the point, then running batched sweeps:
forward mode pushes chunks of identity columns (seeds) through the graph, reverse mode pulls
chunks of identity rows. The loop over chunks is the only loop; it exists to bound memory.
"""
from dataclasses import dataclass

import numpy as np

from .arguments import FlatCall, argnums_tuple, differentiable, output_info, trace_call  # noqa: F401,E501
from .backend import module_for
from .errors import InputError
from .memory import parse_size
from .planner import decide_by_measurement, make_plan
from .sweeps import Seeds, flat_offsets, flat_size, run_sweeps, sweep_chunk
from .directional import jvp, vjp  # noqa: F401  (public here, as before the split)
from .tracer import Tracer

_MODES = ("auto", "fwd", "rev")


# ---------------------------------------------------------------- arguments

def _nested(graph):
    """Whether this trace runs inside another: its values are an outer trace's Tracers."""
    return any(type(graph.values[v]) is Tracer for v in graph.inputs)


def _prepare(f, args, argnums, xp=np):
    """Check the arguments and trace ``f``: (graph, the ``FlatCall``, argnums tuple,
    single)."""
    call = FlatCall(f, tuple(args), None, argnums, xp)
    return trace_call(call, xp), call, call.nums, call.single


def _check_mode(mode):
    if not isinstance(mode, str) or mode not in _MODES:
        raise InputError(f"mode={mode!r} is not one of 'auto', 'fwd', 'rev'.")


def _check_chunk_size(chunk_size):
    if chunk_size is None:
        return None
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) \
            or chunk_size < 1:
        raise InputError(f"chunk_size={chunk_size!r} is not a number of seeds: pass a "
                         "positive int (seeds per sweep), or None to let the planner choose.")
    return int(chunk_size)


def _check_memory_limit(memory_limit):
    """Bytes as an int: a number, or a size such as '2GB', '512MB' or '64MiB'; or None."""
    if memory_limit is None:
        return None
    if isinstance(memory_limit, str):
        try:
            return parse_size(memory_limit)
        except ValueError as e:
            raise InputError(f"memory_limit: {e}.") from None
    if isinstance(memory_limit, bool) or not isinstance(memory_limit, (int, float, np.integer,
                                                                       np.floating)) \
            or not np.isfinite(memory_limit) or memory_limit <= 0:
        raise InputError(f"memory_limit={memory_limit!r} is not a memory size: pass a "
                         "positive finite number of bytes or a size such as '2GB', "
                         "'512MB' or '64MiB', or None for the default budget.")
    return int(memory_limit)


def _check_engine(mode, chunk_size, memory_limit):
    """The checked (mode, chunk_size, memory_limit) of a Jacobian call."""
    _check_mode(mode)
    if chunk_size is None and memory_limit is None:      # the common call: nothing to check
        return mode, None, None
    return mode, _check_chunk_size(chunk_size), _check_memory_limit(memory_limit)


_output_info = output_info


@dataclass
class FlatJacobian:
    """The flat Jacobian ``matrix`` (M, N) with the shapes it is made of and the plan used."""
    matrix: np.ndarray
    out_shapes: list
    in_shapes: list
    mode: str
    plan: object
    point_dependent: list
    tasks: object = None        # the distributed.TaskSplit when a cluster ran the sweeps
    in_names: list = None       # each differentiated leaf's path in its argument ('' plain)
    out_names: list = None      # each output leaf's path ('' for a single array)


def _traced_plan(call, mode, chunk_size, memory_limit, device=None, out_path=None,
                 sparse="off"):
    """Trace ``f`` and plan its Jacobian (timing a trial chunk of each mode when the planner
    asks for it; with ``sparse`` 'on' or 'auto', weighing compressed sweeps too). ``call``:
    a ``FlatCall`` (its leaves checked for ``device``). Returns (graph, plan, out_shapes,
    in_shapes, dtype)."""
    mode, chunk_size, memory_limit = _check_engine(mode, chunk_size, memory_limit)
    sparse = _check_sparse(sparse)
    xp = module_for(device)
    if sparse != "off" and xp is not np:
        raise InputError("sparse Jacobians run on the CPU only in this version; leave out "
                         "device='cuda' (or pass sparse=False).")
    graph = trace_call(call, xp)
    out_shapes, dtype = _output_info(graph)
    in_shapes = [tuple(v.shape) for v in graph.inputs]
    plan = make_plan(graph, flat_size(out_shapes), flat_size(in_shapes), mode, chunk_size,
                     memory_limit, out_path, dense_result=sparse != "on")
    if _nested(graph):
        # NOTE: nested. The sweeps' values are the outer trace's Tracers: every seed in one
        # chunk (the chunks' rows are not assigned into a NumPy array), no trial timing
        if sparse != "off":
            raise InputError("nested differentiation of sparse=... is not supported yet; "
                             "pass sparse=False inside.")
        plan.chunk_size = max(1, plan.N if plan.mode == "fwd" else plan.M)
        plan.measure = None
    if sparse != "off":
        from .sparse.jacobian import plan_sparse
        plan = plan_sparse(graph, plan, required=sparse == "on", mode=mode)
    if plan.measure and plan.compressed is None:
        with np.errstate(all="ignore"):
            plan = _measure_modes(graph, plan, dtype)
    return graph, plan, out_shapes, in_shapes, dtype


def _check_sparse(sparse):
    """False/'off', True/'on' (a scipy.sparse result), 'auto' (compressed sweeps when
    cheaper, a dense result)."""
    word = {False: "off", True: "on", None: "off"}.get(sparse, sparse) \
        if isinstance(sparse, (bool, type(None))) else sparse
    if word not in ("off", "on", "auto"):
        raise InputError(f"sparse={sparse!r} is not one of False, True, 'auto'.")
    return word


def _measure_modes(graph, plan, dtype):
    """Time one chunk of ``plan.measure`` seeds in each mode (the better of two tries,
    alternating) and let the planner decide by them.

    NOTE: the measurement lives here, beside tracing and planning, not in the planner (which
    stays a pure function of sizes and costs) nor in the sweeps (which run what they are
    given); ``decide_by_measurement`` turns the timings into the decision."""
    import time
    seeds = Seeds.identity(0, plan.measure, dtype)
    best = {"fwd": float("inf"), "rev": float("inf")}
    for _ in range(2):
        for mode in ("fwd", "rev"):
            t0 = time.perf_counter()
            sweep_chunk(graph, graph.values, mode, seeds)
            best[mode] = min(best[mode], time.perf_counter() - t0)
    return decide_by_measurement(plan, best, plan.measure)


def _compute(call, mode, chunk_size, memory_limit, device, out_path=None,
             progress=None, on_plan=None, sparse="off", client=None):
    if client is not None:
        from .distributed import Cluster
        client = Cluster.of(client)                       # before any work: dask installed?
        if module_for(device) is not np:
            raise InputError("client= runs the sweeps on the cluster's CPUs in this version; "
                             "leave out device='cuda'.")
    graph, plan, out_shapes, in_shapes, dtype = _traced_plan(
        call, mode, chunk_size, memory_limit, device, out_path, sparse)
    if on_plan is not None:
        on_plan(plan)
    memmap = out_path if plan.storage == "memmap" else None
    tasks = None
    with np.errstate(all="ignore"):
        if plan.compressed is not None:
            from .sparse.jacobian import compressed_jacobian, to_dense
            chunks = {m: plan.modes[m]["chunk_size"] for m in ("fwd", "rev")}
            splits = []
            seed_tasks = None if client is None else _seed_tasks_on(client, dtype)
            J = compressed_jacobian(graph, graph.values, graph.sparsity[None],
                                    plan.compressed, chunks, dtype, progress=progress,
                                    seed_tasks=seed_tasks, tasks=splits)
            tasks = max(splits, key=lambda s: s.tasks) if splits else None
            if _check_sparse(sparse) != "on":
                J = to_dense(J, None if memmap is None else _open_memmap(memmap, J))
        elif client is not None:
            from .distributed import run_seed_tasks
            J, tasks = run_seed_tasks(graph, plan, client, dtype, out_path=memmap,
                                      progress=progress)
        else:
            J = run_sweeps(graph, plan.mode, plan.chunk_size, dtype, out_path=memmap,
                           progress=progress)
            if _check_sparse(sparse) == "on":
                import scipy.sparse as sp
                J = sp.csr_array(np.asarray(J))
    return FlatJacobian(J, out_shapes, in_shapes, plan.mode, plan,
                        list(graph.point_dependent), tasks)


def _seed_tasks_on(client, dtype):
    """The compressed sweeps' hook for running a seed matrix's chunks as tasks on ``client``
    (``sparse.jacobian.compressed_jacobian``'s ``seed_tasks``)."""
    from .distributed import run_seed_tasks

    def seed_tasks(graph, plan, seeds, wrt, progress):
        return run_seed_tasks(graph, plan, client, dtype, progress=progress, seeds=seeds,
                              wrt=wrt)
    return seed_tasks


def _open_memmap(path, J):
    from numpy.lib.format import open_memmap
    return open_memmap(path, mode="w+", dtype=J.dtype, shape=J.shape)


def flat_jacobian(f, args, argnums=0, mode="auto", chunk_size=None, memory_limit=None,
                  device=None, out_path=None, progress=None, on_plan=None, sparse="off",
                  client=None, kwargs=None):
    """The Jacobian of ``f`` at ``args`` as one 2-D matrix of shape (M, N): M = total size of
    the outputs, N = total size of the arguments in ``argnums``, each flattened in C order and
    laid out in order; pytree arguments and outputs by their leaves in ``pytree.flatten``
    order (``result.in_names`` / ``out_names`` are the leaves' paths, see
    ``jaccli.arguments``). ``kwargs``: keyword arguments passed to ``f`` (constants).
    Returns a ``FlatJacobian``.

    out_path: a .npy file that J is written into chunk by chunk (memory-mapped) when it is
        larger than the memory budget; ``result.plan.storage`` is then 'memmap' and
        ``result.matrix`` the ``np.memmap``. Otherwise no file is created.
    progress: ``progress(seeds_done, seeds_total)`` after every chunk of a multi-chunk run.
    on_plan: ``on_plan(plan)`` once the plan is made, before the sweeps start.
    sparse: 'off' (default), 'on' (``result.matrix`` a ``scipy.sparse.csr_array``, from
        compressed sweeps) or 'auto' (compressed sweeps when the planner finds them cheaper,
        a dense result).
    client: a ``dask.distributed.Client``: the chunks of seeds run as tasks on its cluster
        (see ``jaccli.distributed``; ``result.tasks`` says how J was split); the result is
        equal to the serial one bit for bit. Needs ``pip install 'jaccli[dask]'``."""
    call = FlatCall(f, tuple(args), kwargs, argnums, module_for(device))
    flat = _compute(call, mode, chunk_size, memory_limit, device, out_path, progress, on_plan,
                    sparse, client)
    flat.in_names, flat.out_names = call.in_names(), call.out_names()
    return flat


def jacobian(f, *args, argnums=0, mode="auto", chunk_size=None, device=None, memory_limit=None,
             batched=False, sparse=False, client=None, **kwargs):
    """The Jacobian of ``f`` at ``args``, by batched automatic differentiation.

    f: a function of arrays written with plain NumPy, returning an array or a pytree of
        arrays (nested tuples, lists, dicts, namedtuples; ``jaccli.pytree``).
    args: arrays or pytrees of arrays. kwargs: keyword arguments passed on to ``f`` as
        constants (not differentiated); the names of jacobian's own options are its own.
    argnums: the positional argument (int) or arguments (tuple) to differentiate; their
        leaves must be float.
    mode: "fwd" (one sweep of tangents per chunk of input columns), "rev" (cotangents per
        chunk of output rows) or "auto" (the planner's choice: fewer seeds for small or
        lopsided problems, else its cost model, with a timed trial when the two are close).
    chunk_size: seeds per sweep; None lets the planner fit it to memory and cache.
    device: None/"cpu", or "cuda" (CuPy; the result is then a CuPy array).
    memory_limit: bytes a sweep may use, a number or a size such as '2GB', '512MB', '64MiB'
        (default: a quarter of the available memory, at most 2 GiB).
    batched: False, True or a tuple of argument indices. With True, every argument in
        ``argnums`` carries a leading batch axis of length B (the points) and the Jacobian is
        computed at every point in one batched sweep; a tuple marks further arguments (not
        differentiated) as batched too. Each result then has shape ``(B,) + out.shape +
        arg.shape``.
    sparse: False (default); True: the *flat* Jacobian (M, N) over all outputs and argnums as
        a ``scipy.sparse.csr_array``, from compressed sweeps (one seed per colour of the
        pattern, ``jaccli.sparsity``); 'auto': compressed sweeps when the planner finds them
        cheaper than dense ones, the usual dense result. With ``batched``, True gives a list
        of B csr_array (M, N), one per point: one pattern and colouring serve all points of
        a global pattern (the compressed seeds swept at all points at once); points on
        different branches (a local pattern) are grouped by path, one pattern per group.
    dtypes: float32 arguments give float32 results, float64 give float64, mixed ones promote
        as NumPy does; float16/bfloat16 arguments are computed in float32, with a
        ``jaccli.PrecisionWarning``.
    client: a ``dask.distributed.Client``: the chunks of seeds (or of points, with
        ``batched``) run as tasks on its cluster, each sized to run well over Dask's per-task
        cost; a job too small for that runs here. The result equals the serial one bit for
        bit. Needs ``pip install 'jaccli[dask]'``.

    Returns an array of shape ``out.shape + args[argnums].shape``; for a tuple ``argnums`` a
    tuple of them, for a tuple of outputs a tuple over outputs (each over argnums), as JAX.
    Pytrees likewise: the output's structure outside, the argument's inside, each leaf
    ``out_leaf.shape + arg_leaf.shape`` (a dict output {'a': ya} of a dict argument
    {'W': W}: ``J['a']['W']``). With ``sparse=True`` the flat matrix over all leaves (the
    layout of ``flat_jacobian``).
    """
    if batched is not False and batched is not None:
        return _batched_jacobian(f, args, kwargs, argnums, batched, mode, chunk_size,
                                 memory_limit, device, client, _check_sparse(sparse))
    call = FlatCall(f, args, kwargs, argnums, module_for(device))
    flat = _compute(call, mode, chunk_size, memory_limit, device, sparse=sparse, client=client)
    if _check_sparse(sparse) == "on":
        return flat.matrix
    return call.jacobian(_unflatten(flat.matrix, flat.out_shapes, flat.in_shapes, 0, False))


def _batched_jacobian(f, args, kwargs, argnums, batched, mode, chunk_size, memory_limit,
                      device, client=None, sparse="off"):
    if client is None:
        from functools import partial

        from .points import batched_flat_jacobian
        engine = partial(batched_flat_jacobian, sparse=sparse)
    elif sparse != "off":
        raise InputError("client= with sparse=... is not supported yet: pass one of them.")
    else:
        from .distributed import Cluster, batched_flat_jacobian as on_cluster
        cluster = Cluster.of(client)

        def engine(*a):
            return on_cluster(*a, cluster)[:2]
    mode, chunk_size, memory_limit = _check_engine(mode, chunk_size, memory_limit)
    if module_for(device) is not np:
        raise InputError("batched=... runs on the CPU only in this version; leave out "
                         "device='cuda'.")
    call = FlatCall(f, args, kwargs, argnums)
    if any(type(a) is Tracer for a in call.leaves):
        raise InputError("nested differentiation of jacobian(..., batched=...) is not "
                         "supported yet: call the batched Jacobian outside the outer "
                         "derivative, or leave out batched=.")
    extra = () if batched is True else call.positions(argnums_tuple(batched, len(args))[0])
    leaves = list(call.leaves)
    for j in extra:
        leaves[j] = np.asarray(leaves[j])
    J, (out_shapes, in_shapes, _, _) = engine(
        call, leaves, call.flat_nums, set(call.flat_nums) | set(extra), mode, chunk_size,
        memory_limit)
    if sparse == "on":
        return list(J)                 # one csr_array (M, N) per point: the flat J
    return call.jacobian(_unflatten(J, out_shapes, in_shapes, 0, False))


def _unflatten(J, out_shapes, in_shapes, n_out, single):
    """Split a flat Jacobian (..., M, N) into blocks (...,) + out.shape + in.shape, nested
    as the outputs and argnums were."""
    row_off, col_off = flat_offsets(out_shapes), flat_offsets(in_shapes)
    lead = J.shape[:-2]
    rows = []
    for oi, oshape in enumerate(out_shapes):
        row = [J[..., row_off[oi]:row_off[oi + 1], col_off[ii]:col_off[ii + 1]].reshape(
            lead + tuple(oshape) + tuple(ishape)) for ii, ishape in enumerate(in_shapes)]
        rows.append(row[0] if single else tuple(row))
    return rows[0] if n_out is None else tuple(rows)


# the result layout of jacobian, for callers that give the same shapes (jaccli.jacfun);
# argnums_tuple and differentiable (jaccli.arguments) are imported here for them too
unflatten = _unflatten


# ---------------------------------------------------------------- jvp, vjp, trace, plan

def trace(f, *args, argnums=None, **kwargs):
    """The graph recorded for ``f(*args, **kwargs)``; ``argnums=None`` traces every argument
    whose leaves are all float. ``print(jaccli.trace(f, x))`` shows one equation per line."""
    if argnums is None:
        from .pytree import flatten
        argnums = tuple(i for i, a in enumerate(args) if flatten(a)[0] and all(
            np.asarray(b).dtype.kind == "f" for b in flatten(a)[0]))
    return trace_call(FlatCall(f, args, kwargs, argnums))


def plan(f, args, argnums=0, mode="auto", chunk_size=None, memory_limit=None, out_path=None,
         sparse=False, kwargs=None):
    """The planner's decision for ``jacobian(f, *args, ...)`` without computing J (when the
    two modes' estimates are close, it does time one small chunk of each, as jacobian does).
    ``plan.to_dict()`` has mode, M, N, chunk_size, reason and per-mode estimates; with
    ``sparse`` True or 'auto' also nnz, density, the pattern's kind ('global' or 'local'),
    colours per direction and the compressed method chosen (``compressed``). ``kwargs``:
    keyword arguments passed to ``f``."""
    call = FlatCall(f, tuple(args), kwargs, argnums)
    return _traced_plan(call, mode, chunk_size, memory_limit, out_path=out_path,
                        sparse=sparse)[1]


def sparsity(f, *args, argnums=0, **kwargs):
    """The sparsity pattern of the flat Jacobian (M, N) of ``f`` at ``args`` (pytrees by
    their leaves, as ``flat_jacobian``): a boolean
    ``scipy.sparse.csr_array`` holding every entry that can be nonzero, found from the traced
    graph (never by probing values). Valid at every point when the trace recorded no
    value-dependent decision, else at this point only (``jaccli.plan(..., sparse=True)``
    says which). A clearly dense pattern is returned as all True."""
    import scipy.sparse as sp
    from .sparse.jacobian import sparsity as graph_sparsity
    graph = trace_call(FlatCall(f, args, kwargs, argnums))
    info = graph_sparsity(graph)
    if info is not None:
        return info.pattern
    M = flat_size(tuple(o.shape) for o in graph.outputs)
    N = flat_size(tuple(v.shape) for v in graph.inputs)
    return sp.csr_array(np.ones((M, N), dtype=bool))


# ---------------------------------------------------------------- for jaccli.hessian

def prepare(f, args, argnums=0, kwargs=None):
    """Check the arguments and trace ``f``: (graph, the ``FlatCall``), as the Jacobian
    functions do (the same InputError for an integer argument)."""
    call = FlatCall(f, tuple(args), kwargs, argnums)
    return trace_call(call), call


check_engine = _check_engine      # the checked (mode, chunk_size, memory_limit)
