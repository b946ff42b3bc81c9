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
from .cluster import CONNECT_TIMEOUT, EXTRA, Cluster, require_dask
from .running import RESUBMITS, batched_flat_jacobian, run_point_tasks, run_seed_tasks
from .sizing import (IN_FLIGHT_PER_WORKER, LOCAL_START_SECONDS, TASK_SECONDS, TASKS_PER_WORKER,
                     TaskSplit, split_points, split_seeds)
from .tasks import points_task, sweep_task

__all__ = ["Cluster", "require_dask", "EXTRA", "CONNECT_TIMEOUT", "RESUBMITS", "TaskSplit",
           "split_seeds", "split_points", "run_seed_tasks", "run_point_tasks",
           "batched_flat_jacobian", "sweep_task", "points_task", "TASK_SECONDS",
           "TASKS_PER_WORKER", "IN_FLIGHT_PER_WORKER", "LOCAL_START_SECONDS"]
