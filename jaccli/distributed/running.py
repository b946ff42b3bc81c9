"""Running a job's tasks: the first chunks here (timed), then the rest here or on the
cluster, blocks written as they arrive, lost tasks submitted again."""
import contextlib
import time
import uuid

import numpy as np

from ..errors import ComputeError
from ..sweeps import Seeds, flat_size
from .cluster import CONNECT_TIMEOUT, Cluster, first_line, require_dask
from .sink import Sink
from .sizing import ahead, split_points, split_seeds
from .tasks import FileRows, malloc_as_serial, points_task, sees_rows, sweep_task, written

RESUBMITS = 3                # a task whose scattered input was lost: submitted again


# ---------------------------------------------------------------- running them
# NOTE: the first two chunks run here, as a measurement of the job: the tasks are sized by the
# second's time rather than by the cost model, and a job it shows to be too small for a
# cluster goes on here, serially, without starting one (those chunks are then part of J).
# When the cluster does pay, it computes all of J, those two chunks again: the cost is two
# chunks, and J then comes from one kind of process only. That matters for exactness: BLAS
# results depend on its thread count (OpenBLAS gives other last bits for W @ T with 1 and 2
# threads), and Dask's workers run BLAS on 1 thread (its nanny sets OMP_NUM_THREADS and
# OPENBLAS_NUM_THREADS to 1), so J is the serial J of a process with the workers' settings.

def run_seed_tasks(graph, plan, cluster, dtype, out_path=None, progress=None, seeds=None,
                   seeds_per_task=None, wrt=None):
    """The flat Jacobian (M, N), equal to ``sweeps.run_sweeps``'s, from tasks on ``cluster``
    (a Cluster or dask Client). ``seeds``: a (S, total) seed matrix to sweep instead of the
    identity (colour groups; its (S, width) block is returned). ``out_path``: J goes into a
    new .npy there (forward mode in Fortran order, so a task's block is one contiguous run
    of the file) and the result is that file, memory-mapped read-only.
    Returns (J, TaskSplit)."""
    cluster = Cluster.of(cluster)
    M = flat_size(tuple(o.shape) for o in graph.outputs)
    N = flat_size(tuple(graph.inputs[k].shape) for k in (
        range(len(graph.inputs)) if wrt is None else wrt))
    mode, K = plan.mode, plan.chunk_size
    total, width = (N, M) if mode == "fwd" else (M, N)
    if seeds is None:
        sink = Sink((M, N), dtype, out_path, fortran=mode == "fwd")
    else:
        total = seeds.shape[0]
        sink = Sink((total, width), dtype, out_path)

    def task_seeds(a, b):
        if seeds is None:
            return Seeds.identity(a, b, dtype)
        return Seeds.rows(np.asarray(seeds[a:b]), dtype)

    def here(a, b):
        return sweep_task(graph, mode, task_seeds(a, b), K, wrt)

    def on_cluster(client, shared, run_id, target):
        def submit(i, a, b):
            return client.submit(written, target, a, sweep_task, shared, mode,
                                 task_seeds(a, b), K, wrt, key=f"jaccli-sweep-{run_id}-{i}",
                                 pure=False)
        return submit
    with sink:
        split = _run(sink, total, width, K, here, on_cluster, graph, cluster, progress,
                     lambda start, seconds: split_seeds(plan, cluster.workers, cluster.local,
                                                        seeds_per_task, start, seconds, total))
    return sink.result(), split


def run_point_tasks(graph, inputs, wrt, plan, step, cluster, out=None, progress=None,
                    points_per_task=None):
    """(P, M, N) Jacobians at P points from tasks on ``cluster``, equal to
    ``points.sweep_points``'s; ``out``: a path of a new .npy to write them into (the result
    is then that file, memory-mapped read-only). Returns (J, TaskSplit)."""
    from ..points import sweep_points
    cluster = Cluster.of(cluster)
    count = inputs[0].shape[0]
    sink = Sink((count, plan.M, plan.N), np.float64, out)
    shape = (plan.mode, plan.chunk_size, plan.M, plan.N)

    def here(a, b):
        with np.errstate(all="ignore"):
            return sweep_points(graph, [x[a:b] for x in inputs], wrt, plan, None, step=step)

    def on_cluster(client, shared, run_id, target):
        files = _shared_files(client, inputs)

        def submit(i, a, b):
            part = [files[k] if files[k] is not None else
                    client.scatter(np.ascontiguousarray(x[a:b]), hash=False)
                    for k, x in enumerate(inputs)]
            return client.submit(written, target, a, points_task, shared, part, wrt, shape,
                                 step, (a, b), key=f"jaccli-points-{run_id}-{i}", pure=False)
        return submit
    with sink:
        split = _run(sink, count, plan.M * plan.N, step, here, on_cluster, graph, cluster,
                     progress, lambda start, seconds: split_points(
                         graph, plan, count, step, cluster.workers, cluster.local,
                         points_per_task, start, seconds))
    return sink.result(), split


def _shared_files(client, inputs):
    """Per input: its FileRows when it is mapped from a file every worker sees as this
    process does (then a task reads its rows there: the points never cross the network),
    else None (its chunks are scattered)."""
    files = []
    for x in inputs:
        source = FileRows.of(x)
        if source is not None:
            try:
                seen = client.run(sees_rows, source, source.signature())
            except Exception:                   # noqa: BLE001 - then the chunks travel
                seen = None
            if not seen or not all(seen.values()):
                source = None
        files.append(source)
    return files


def _run(sink, total, width, step, here, on_cluster, graph, cluster, progress, split_from):
    """The first two chunks here, the second timed (the first pays for warming up); then the
    rest here too when the split says a cluster does not pay, else all of J as tasks on the
    cluster (the two chunks again: see the NOTE above). Returns the TaskSplit."""
    if total == 0 or width == 0:
        return split_from(0, 0.0)
    first, seconds = 0, 0.0
    for _ in range(2):
        if first == total:
            break
        a, first = first, min(first + step, total)
        t0 = time.perf_counter()
        sink.write_rows(a, first, here(a, first))
        seconds = (time.perf_counter() - t0) * total / (first - a)
        if progress is not None:
            progress(first, total)
    split = split_from(0, seconds)
    if first == total:
        return split
    if not split.pays:
        for a in range(first, total, step):
            b = min(a + step, total)
            sink.write_rows(a, b, here(a, b))
            if progress is not None:
                progress(b, total)
        return split
    client = cluster.client()
    if not client.nthreads():
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (TimeoutError, OSError):
            raise ComputeError(f"the Dask cluster has no workers (waited {CONNECT_TIMEOUT:g} "
                               "s); start some with `dask worker ADDRESS`.") from None
    with contextlib.suppress(Exception):
        client.run(malloc_as_serial)
    shared = client.scatter(graph, broadcast=True, hash=False)
    shown = None if progress is None else lambda done, total: progress(max(done, first), total)
    target = sink.target_for(client)
    write = sink.write_rows if target is None else (lambda a, b, block: None)
    split.direct = target is not None
    try:
        _gather(client, split, cluster.workers,
                on_cluster(client, shared, uuid.uuid4().hex[:8], target), write, shown)
    finally:
        with contextlib.suppress(Exception):
            client.cancel([shared])
    return split


def _gather(client, split, workers, submit, write, progress):
    """Submit the split's tasks, at most IN_FLIGHT_PER_WORKER per worker ahead, and write
    each block as it arrives (fetched in the background while the next ones run).

    NOTE: a task whose own scattered input (a chunk of points) was lost with its worker
    cannot be rerun by Dask, which never had that data: it is submitted again from here, the
    input scattered anew (up to RESUBMITS times). Seed tasks need only the graph, which every
    worker holds, so Dask reruns them itself."""
    distributed = require_dask()
    pending = iter(enumerate(split.ranges()))
    where = {}                      # key -> (task, start, stop, future, tries), in flight
    running = None

    def launch(i, a, b, tries=0):
        future = submit(i, a, b)
        where[future.key] = (i, a, b, future, tries)
        if running is not None:
            running.add(future)

    for i, (a, b) in pending:
        launch(i, a, b)
        if len(where) >= ahead(workers):
            break
    running = distributed.as_completed([entry[3] for entry in where.values()],
                                       loop=client.loop, with_results=True,
                                       raise_errors=False)   # our client is not the default
    done = 0
    try:
        for future, block in running:
            i, a, b, _, tries = where.pop(future.key)
            if future.status != "finished":
                if _lost(future, block) and tries < RESUBMITS:
                    future.release()
                    launch(i, a, b, tries + 1)
                    continue
                _raise(distributed, split, a, b, block)
            write(a, b, block)
            del block
            future.release()
            done += b - a
            if progress is not None:
                progress(done, split.total)
            nxt = next(pending, None)
            if nxt is not None:
                launch(nxt[0], *nxt[1])
    finally:
        if where:                   # an error or a signal: stop what is still running
            with contextlib.suppress(Exception):
                client.cancel([entry[3] for entry in where.values()])

def _lost(future, error):
    """Whether a failed task failed for want of data lost with a worker (not by itself)."""
    import concurrent.futures
    return future.status == "cancelled" or isinstance(error, concurrent.futures.CancelledError) \
        or "lost" in str(error).lower() and "scatter" in str(error).lower()


def _raise(distributed, split, a, b, error):
    if isinstance(error, distributed.KilledWorker):
        raise ComputeError(f"the task of {split.unit} {a}:{b} was lost with every worker that "
                           f"ran it ({first_line(error)}); the cluster may be short of "
                           "memory.") from None
    if isinstance(error, BaseException):
        raise error
    raise ComputeError(f"the task of {split.unit} {a}:{b} failed on the cluster: "
                       f"{first_line(error)}.")

def batched_flat_jacobian(f, args, argnums, batched, mode, chunk_size, memory_limit, cluster,
                          out_path=None, progress=None, points_per_task=None):
    """``points.batched_flat_jacobian`` with the point chunks as tasks on ``cluster``.
    ``out_path``: a new .npy that the (B, M, N) stack is written into as tasks finish (when
    one trace serves every point; the result is then that file, memory-mapped read-only).
    Returns (J, info, splits): ``splits`` one TaskSplit per traced path."""
    from .. import points
    cluster = Cluster.of(cluster)
    B = points.batch_size(args, batched)
    splits = []

    def sweep_on_cluster(graph, inputs, wrt, plan, memory_limit):
        count = inputs[0].shape[0]
        step = points.point_chunk(graph, plan.chunk_size, count, memory_limit)
        whole = count == B and not graph.point_dependent
        J, split = run_point_tasks(graph, inputs, wrt, plan, step, cluster,
                                   out_path if whole else None, progress if whole else None,
                                   points_per_task)
        splits.append(split)
        return J
    J, info = points.batched_flat_jacobian(f, args, argnums, batched, mode, chunk_size,
                                           memory_limit, sweeper=sweep_on_cluster)
    return J, info, splits
