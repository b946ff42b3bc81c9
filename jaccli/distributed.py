"""Scale-out on a Dask cluster: chunks of seeds (forward columns, reverse rows, or any seed
matrix such as colour groups) and chunks of points become ``dask.distributed`` tasks.

    J = jaccli.jacobian(f, x, client=dask.distributed.Client("tcp://host:8786"))
    jaccli jacobian SPEC --scheduler tcp://host:8786 -o J.npy      # or --workers 4

- Tasks. One task runs ``sweep_task``: a run of the serial chunks, back to back, through the
  one unit of work (``sweeps.sweep_chunk``), or ``points_task``: a run of point chunks. Task
  boundaries are serial chunk boundaries, so every sweep is the serial one and J is equal to
  the serial J bit for bit.
- Sizing (``split_seeds``, ``split_points``). From the planner's time estimate: a task runs at
  least ``TASK_SECONDS`` (250x Dask's ~1 ms per-task cost), there are up to
  ``TASKS_PER_WORKER`` per worker (balance, and little to redo when a worker dies), and the
  blocks in flight fit the memory budget together. A job of one task does not pay for a cluster:
  it runs here, serially (a local cluster is then never started).
- Inputs travel by value. The graph with its primal values (it pickles whole, primitives by
  name) is scattered once to every worker (``broadcast=True``), not once per task; a chunk of
  points is scattered to a worker just before its task is submitted.
- Output. At most ``IN_FLIGHT_PER_WORKER`` tasks per worker are in flight; each block is
  fetched as its task finishes (``as_completed``, any order), written into J (an array, or the
  .npy file at ``out_path`` by positioned writes: the file is never mapped here, so the
  client's memory stays at about the blocks in flight), and released. When every worker sees
  the output file (one machine, a shared file system: ``_Sink.target_for`` checks), the
  workers write their blocks into it themselves and only row counts come back: J never
  crosses the network at all (on this 2-core machine Dask moved results at 30-60 MB/s).
- Faults. A worker lost mid-run has its tasks rerun elsewhere by Dask (the graph is copied
  from a worker that holds it); a task whose reruns keep killing workers, or a scheduler that
  cannot be reached within ``CONNECT_TIMEOUT`` seconds, raises ComputeError.

NOTE: dask is an optional extra (``pip install 'jaccli[dask]'``); this module imports it only
when a cluster is asked for, so jaccli imports and works without it.
"""
import contextlib
import math
import os
import time
import uuid
from dataclasses import dataclass

import numpy as np

from .costs import EQN_SECONDS, FLOP_SECONDS, STREAM_BYTE_SECONDS, SWEEP_SECONDS, analyze
from .errors import ComputeError, InputError
from .memory import format_seconds
from .sweeps import Seeds, flat_size, sweep_chunk

TASK_SECONDS = 0.25          # a task's least estimated run time: 250 x ~1 ms per task
TASKS_PER_WORKER = 4         # balance, and little rerun when a worker is lost
IN_FLIGHT_PER_WORKER = 2     # tasks submitted ahead per worker: bounds memory everywhere
CONNECT_TIMEOUT = 5.0        # seconds to reach a scheduler
RESUBMITS = 3                # a task whose scattered input was lost: submitted again
LOCAL_START_SECONDS = 5.0    # a local cluster pays for jobs this long (starting one of 2 to 4
                             # processes took 3 to 8 s on the loaded 2-core CI machine)
EXTRA = "pip install 'jaccli[dask]'"


def require_dask():
    """The ``distributed`` module, or InputError naming the extra to install."""
    try:
        import distributed
    except ImportError:
        raise InputError("running on a Dask cluster (client=, --workers, --scheduler) needs "
                         f"dask.distributed, which is not installed: {EXTRA}.") from None
    return distributed


# ---------------------------------------------------------------- clusters

class Cluster:
    """Where tasks run: a given ``dask.distributed.Client``, an existing scheduler (connected
    at once, so that an unreachable one fails before any work), or a local cluster of
    ``workers`` single-threaded processes, started only when a job pays for it and stopped
    by ``close``. ``start_seconds``: how long starting or connecting took."""

    def __init__(self, client=None, scheduler=None, workers=None, timeout=CONNECT_TIMEOUT):
        self._client, self._cluster, self.local = client, None, workers is not None
        self.scheduler, self.timeout, self.start_seconds = scheduler, timeout, 0.0
        self._workers = workers
        if client is None:
            import importlib.util
            if importlib.util.find_spec("distributed") is None:   # cheap: no import yet
                require_dask()
        if client is None and scheduler is not None:
            self._connect()

    @classmethod
    def of(cls, client):
        """A Cluster for ``client=``: a Cluster as is, else a dask Client."""
        if isinstance(client, Cluster):
            return client
        distributed = require_dask()
        if not isinstance(client, distributed.Client):
            raise InputError(f"client={client!r} is not a dask.distributed.Client.")
        return cls(client=client)

    @property
    def workers(self):
        """Worker threads: the number asked for, or those the scheduler knows (at least 1)."""
        if self._client is None:
            return self._workers
        return max(1, sum(self._client.nthreads().values()))

    def client(self):
        if self._client is None:
            self._start_local()
        return self._client

    def _connect(self):
        distributed = require_dask()
        t0 = time.perf_counter()
        try:
            self._client = distributed.Client(self.scheduler, timeout=self.timeout,
                                              set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            raise ComputeError(f"cannot reach the Dask scheduler at {self.scheduler} within "
                               f"{self.timeout:g} s ({_first_line(e)}); check the address "
                               "and that the scheduler is running.") from None
        self.start_seconds = time.perf_counter() - t0

    def _start_local(self):
        import logging
        distributed = require_dask()
        t0 = time.perf_counter()
        self._cluster = distributed.LocalCluster(
            n_workers=self._workers, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR)
        self._client = distributed.Client(self._cluster, set_as_default=False)
        self.start_seconds = time.perf_counter() - t0

    def close(self):
        """Stop what this object started (a given Client is the caller's to close)."""
        if self._cluster is not None or self.scheduler is not None:
            with contextlib.suppress(Exception):
                self._client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
        self._cluster = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _first_line(error):
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


# ---------------------------------------------------------------- sizing

@dataclass
class TaskSplit:
    """How a job splits into tasks: seeds (or points) ``start:total`` in ``tasks`` tasks of
    ``per_task`` each, aligned to the serial chunks of ``step`` (``0:start`` ran here first,
    timed: ``measured``); estimated seconds per task and in all; ``pays``: whether a cluster
    is worth it, ``reason`` one sentence saying why (not)."""
    unit: str
    total: int
    step: int
    tasks: int
    per_task: int
    workers: int
    task_seconds: float
    total_seconds: float
    block_bytes: int
    pays: bool
    reason: str
    start: int = 0
    measured: bool = False
    direct: bool = False        # the workers wrote their blocks into the output file

    def ranges(self):
        """(start, stop) of each task."""
        return [(a, min(a + self.per_task, self.total))
                for a in range(self.start, self.total, self.per_task)]

    def to_dict(self):
        return {k: getattr(self, k) for k in (
            "unit", "total", "tasks", "per_task", "workers", "task_seconds", "total_seconds",
            "block_bytes", "pays", "reason", "measured", "direct")}


def _split(unit, total, step, seconds, row_bytes, workers, budget, local, start=0,
           per_task=None, measured=False):
    """Tasks of whole chunks of ``step`` over ``start:total``, estimated at ``seconds`` in
    all: each at >= TASK_SECONDS, up to TASKS_PER_WORKER per worker, the blocks in flight
    within the ``budget``; ``per_task`` overrides the sizing."""
    count = max(total - start, 0)
    chunks = max(1, -(-count // step))
    est = "measured" if measured else "est."
    if per_task:
        per_task = max(step, -(-int(per_task) // step) * step)   # whole chunks: exact results
    else:
        by_time = max(1, int(min(seconds / max(TASK_SECONDS, 1e-12), 1e9)))
        tasks = max(1, min(chunks, by_time, TASKS_PER_WORKER * workers))
        per_task = step * -(-chunks // tasks)
        if budget:                  # every block in flight, plus one being written, fits
            most = (budget // (_ahead(workers) + 1) // max(row_bytes, 1)) // step * step
            per_task = min(per_task, max(step, most))
    tasks = max(1, -(-count // per_task))
    task_seconds = seconds * min(per_task, count) / max(count, 1)
    pays = tasks > 1
    if tasks == 1:
        reason = (f"a cluster does not pay: the job is {est} {format_seconds(seconds)}, one "
                  f"task (a task should run at least {format_seconds(TASK_SECONDS)} for "
                  "Dask's ~1 ms per task to vanish); it runs here, serially")
    elif local and seconds < LOCAL_START_SECONDS:
        pays = False
        reason = (f"a cluster does not pay: starting {workers} local worker"
                  f"{'s' * (workers != 1)} takes seconds, and the job ({est} "
                  f"{format_seconds(seconds)}) is under {format_seconds(LOCAL_START_SECONDS)}; "
                  "it runs here, serially")
    else:
        reason = (f"{tasks} tasks of {per_task} {unit} on {workers} worker"
                  f"{'s' * (workers != 1)}, {est} {format_seconds(task_seconds)} per task")
        if workers == 1:
            reason += " (one worker: no faster than serial)"
    return TaskSplit(unit, total, step, tasks, per_task, workers, task_seconds, seconds,
                     per_task * row_bytes, pays, reason, start, measured)


def _model_seconds(plan):
    """The plan's time estimate for its mode, scaled by its trial when it timed one."""
    seconds = plan.modes[plan.mode]["est_seconds"]
    if plan.measured is not None and plan.costs is not None:
        from .costs import estimate_seconds
        trial = plan.measured["trial_seeds"]
        modelled = estimate_seconds(plan.costs, plan.mode, trial, trial)
        if modelled > 0:
            seconds *= plan.measured[f"{plan.mode}_seconds"] / modelled
    return seconds


def split_seeds(plan, workers, local=False, seeds_per_task=None, start=0, seconds=None):
    """The TaskSplit of ``plan``'s seeds (N forward, M reverse) over ``workers``, in whole
    chunks of ``plan.chunk_size``. ``seconds``: the time of seeds ``start:`` (measured);
    default the planner's estimate."""
    total, width = (plan.N, plan.M) if plan.mode == "fwd" else (plan.M, plan.N)
    measured = seconds is not None
    if seconds is None:
        seconds = _model_seconds(plan) * (total - start) / max(total, 1)
    return _split("seeds", total, plan.chunk_size, seconds, 8 * width, workers, plan.budget,
                  local, start, seeds_per_task, measured)


def split_points(graph, plan, count, step, workers, local=False, points_per_task=None,
                 start=0, seconds=None):
    """The TaskSplit of ``count`` points in chunks of ``step`` points, each point through
    every seed of ``plan``."""
    measured = seconds is not None
    if seconds is None:
        costs = plan.costs if plan.costs is not None else analyze(graph)
        c = costs[plan.mode]
        seeds = plan.N if plan.mode == "fwd" else plan.M
        sweeps = -(-seeds // plan.chunk_size) * -(-(count - start) // step)
        seconds = (sweeps * (SWEEP_SECONDS + EQN_SECONDS * costs["eqns"])
                   + (count - start) * seeds * (c["bytes"] * STREAM_BYTE_SECONDS
                                                + c["flops"] * FLOP_SECONDS))
    row_bytes = 8 * plan.M * plan.N + sum(8 * math.prod(v.shape) for v in graph.inputs)
    return _split("points", count, step, seconds, row_bytes, workers, None, local, start,
                  points_per_task, measured)


# ---------------------------------------------------------------- the tasks

def sweep_task(graph, mode, seeds, chunk_size, wrt=None):
    """The (K, width) block of ``seeds`` (any ``Seeds``: identity rows, colour groups), in
    sweeps of ``chunk_size`` seeds, as ``sweeps.run_sweeps`` runs them."""
    out = None
    with np.errstate(all="ignore"):
        for a in range(0, seeds.count, chunk_size):
            b = min(a + chunk_size, seeds.count)
            part = sweep_chunk(graph, graph.values, mode, seed_rows(seeds, a, b), (), wrt)
            if out is None:
                out = np.empty((seeds.count,) + part.shape[1:], part.dtype)
            out[a:b] = part
    return out


def seed_rows(seeds, a, b):
    """Rows a:b of ``seeds``."""
    if seeds.matrix is None:
        return Seeds.identity(seeds.start + a, seeds.start + b, seeds.dtype)
    return Seeds.rows(seeds.matrix[a:b], seeds.dtype)


def points_task(graph, inputs, wrt, shape, step):
    """The (P, M, N) Jacobians at P points (``inputs``: the traced inputs' point chunks), as
    ``points.sweep_points`` computes them in point chunks of ``step``. ``shape``: the
    plan's (mode, chunk_size, M, N)."""
    from types import SimpleNamespace

    from .points import sweep_points
    mode, chunk_size, M, N = shape
    plan = SimpleNamespace(mode=mode, chunk_size=chunk_size, M=M, N=N)
    with np.errstate(all="ignore"):
        return np.ascontiguousarray(sweep_points(graph, inputs, wrt, plan, None, step=step))


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
        sink = _Sink((M, N), dtype, out_path, fortran=mode == "fwd")
    else:
        total = seeds.shape[0]
        sink = _Sink((total, width), dtype, out_path)

    def task_seeds(a, b):
        if seeds is None:
            return Seeds.identity(a, b, dtype)
        return Seeds.rows(np.asarray(seeds[a:b]), dtype)

    def here(a, b):
        return sweep_task(graph, mode, task_seeds(a, b), K, wrt)

    def on_cluster(client, shared, run_id, target):
        def submit(i, a, b):
            return client.submit(_written, target, a, sweep_task, shared, mode,
                                 task_seeds(a, b), K, wrt, key=f"jaccli-sweep-{run_id}-{i}",
                                 pure=False)
        return submit
    with sink:
        split = _run(sink, total, width, K, here, on_cluster, graph, cluster, progress,
                     lambda start, seconds: split_seeds(plan, cluster.workers, cluster.local,
                                                        seeds_per_task, start, seconds))
    return sink.result(), split


def run_point_tasks(graph, inputs, wrt, plan, step, cluster, out=None, progress=None,
                    points_per_task=None):
    """(P, M, N) Jacobians at P points from tasks on ``cluster``, equal to
    ``points.sweep_points``'s; ``out``: a path of a new .npy to write them into (the result
    is then that file, memory-mapped read-only). Returns (J, TaskSplit)."""
    from .points import sweep_points
    cluster = Cluster.of(cluster)
    count = inputs[0].shape[0]
    sink = _Sink((count, plan.M, plan.N), np.float64, out)
    shape = (plan.mode, plan.chunk_size, plan.M, plan.N)

    def here(a, b):
        with np.errstate(all="ignore"):
            return sweep_points(graph, [x[a:b] for x in inputs], wrt, plan, None, step=step)

    def on_cluster(client, shared, run_id, target):
        def submit(i, a, b):
            part = client.scatter([np.ascontiguousarray(x[a:b]) for x in inputs], hash=False)
            return client.submit(_written, target, a, points_task, shared, part, wrt, shape,
                                 step, key=f"jaccli-points-{run_id}-{i}", pure=False)
        return submit
    with sink:
        split = _run(sink, count, plan.M * plan.N, step, here, on_cluster, graph, cluster,
                     progress, lambda start, seconds: split_points(
                         graph, plan, count, step, cluster.workers, cluster.local,
                         points_per_task, start, seconds))
    return sink.result(), split


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
        client.run(_malloc_as_serial)
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
        if len(where) >= _ahead(workers):
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


def _ahead(workers):
    return max(2, IN_FLIGHT_PER_WORKER * workers)


def _lost(future, error):
    """Whether a failed task failed for want of data lost with a worker (not by itself)."""
    import concurrent.futures
    return future.status == "cancelled" or isinstance(error, concurrent.futures.CancelledError) \
        or "lost" in str(error).lower() and "scatter" in str(error).lower()


def _raise(distributed, split, a, b, error):
    if isinstance(error, distributed.KilledWorker):
        raise ComputeError(f"the task of {split.unit} {a}:{b} was lost with every worker that "
                           f"ran it ({_first_line(error)}); the cluster may be short of "
                           "memory.") from None
    if isinstance(error, BaseException):
        raise error
    raise ComputeError(f"the task of {split.unit} {a}:{b} failed on the cluster: "
                       f"{_first_line(error)}.")


def _malloc_as_serial():
    """On a worker: let glibc keep freed arrays for reuse, as a plain Python process does.

    NOTE: Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also fixes
    glibc's mmap threshold at 128 KiB: every larger temporary of a sweep is then a fresh
    mmap, page-faulted in and handed back each time (see the planner's NOTE on cache-sized
    chunks). The same point task ran 3.5x slower on a worker than here (0.41 s vs 1.47 s,
    377,478 Lorenz points). Fixed thresholds of 64 MiB give the serial behaviour back."""
    import ctypes
    import ctypes.util
    name = ctypes.util.find_library("c")
    if not name:
        return False
    libc = ctypes.CDLL(name)
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    return bool(libc.mallopt(M_MMAP_THRESHOLD, 64 << 20)) and \
        bool(libc.mallopt(M_TRIM_THRESHOLD, 128 << 20))


def _written(target, a, task, *args):
    """``task(*args)``, its block written by this worker into the output file when
    ``target`` = (path, offset, row_bytes) is given (then only the row count comes back)."""
    block = task(*args)
    if target is None:
        return block
    path, offset, row = target
    fd = os.open(path, os.O_WRONLY)
    try:
        _pwrite_all(fd, block, offset + a * row)
    finally:
        os.close(fd)
    return block.shape[0]


def _pwrite_all(fd, block, at):
    data = memoryview(np.ascontiguousarray(block)).cast("B")
    while data:
        n = os.pwrite(fd, data, at)
        data, at = data[n:], at + n


def _sees(path, offset, token):
    """On a worker: whether ``path`` is the client's file (it holds ``token`` at ``offset``)."""
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read(len(token)) == token
    except OSError:
        return False


class _Sink:
    """Where blocks of rows go: an array in memory, or a new .npy file written by position
    (never mapped here, so its pages do not count in this process's memory). ``fortran``:
    a block is rows of J^T (forward seeds), stored as a Fortran-order (M, N)."""

    def __init__(self, shape, dtype, path=None, fortran=False):
        self.shape, self.dtype, self.path, self.fortran = shape, np.dtype(dtype), path, fortran
        self.fd = None
        if path is not None:
            from numpy.lib.format import open_memmap
            J = open_memmap(path, mode="w+", dtype=self.dtype, shape=shape,
                            fortran_order=fortran)
            self.offset = J.offset
            del J
        else:
            self.J = np.empty(shape[::-1] if fortran else shape, self.dtype)
            if fortran:
                self.J = self.J.T

    def __enter__(self):
        if self.path is not None:
            self.fd = os.open(self.path, os.O_WRONLY)
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        return False

    def write_rows(self, a, b, block):
        """Rows a:b (of J^T when ``fortran``) = ``block``."""
        if self.path is None:
            (self.J.T if self.fortran else self.J)[a:b] = block
            return
        _pwrite_all(self.fd, np.asarray(block, dtype=self.dtype), self.offset + a * self.row)

    @property
    def row(self):
        """Bytes of one row of blocks (one seed's, or one point's)."""
        return self.dtype.itemsize * math.prod(self.shape[1:] if not self.fortran else
                                               self.shape[:1])

    def target_for(self, client):
        """(path, offset, row bytes) when every worker sees the output file as this process
        does (the same machine, or a shared file system): the workers then write their
        blocks into it themselves, and J never crosses the network. Else None.

        NOTE: the test writes a random token over the first data bytes and asks each worker
        to read it back; every task is then rerun over those bytes (the cluster computes
        all of J), so the token never survives."""
        if self.path is None or math.prod(self.shape) * self.dtype.itemsize < 16:
            return None
        token = os.urandom(16)
        os.pwrite(self.fd, token, self.offset)
        try:
            seen = client.run(_sees, os.path.abspath(self.path), self.offset, token)
        except Exception:                       # noqa: BLE001 - then the client writes
            return None
        if not seen or not all(seen.values()):
            return None
        return os.path.abspath(self.path), self.offset, self.row

    def result(self):
        if self.path is None:
            return self.J
        return np.load(self.path, mmap_mode="r")


def batched_flat_jacobian(f, args, argnums, batched, mode, chunk_size, memory_limit, cluster,
                          out_path=None, progress=None, points_per_task=None):
    """``points.batched_flat_jacobian`` with the point chunks as tasks on ``cluster``.
    ``out_path``: a new .npy that the (B, M, N) stack is written into as tasks finish (when
    one trace serves every point; the result is then that file, memory-mapped read-only).
    Returns (J, info, splits): ``splits`` one TaskSplit per traced path."""
    from . import points
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
