"""How a job splits into tasks (``TaskSplit``): from the planner's estimate or a timed
chunk, tasks long enough for Dask's per-task cost, a few per worker, in memory together."""
import math
from dataclasses import dataclass

from ..costs import EQN_SECONDS, FLOP_SECONDS, STREAM_BYTE_SECONDS, SWEEP_SECONDS, analyze
from ..memory import format_seconds

TASK_SECONDS = 0.25          # a task's least estimated run time: 250 x ~1 ms per task
TASKS_PER_WORKER = 4         # balance, and little rerun when a worker is lost
IN_FLIGHT_PER_WORKER = 2     # tasks submitted ahead per worker: bounds memory everywhere
LOCAL_START_SECONDS = 5.0    # a local cluster pays for jobs this long (starting one of 2 to 4
                             # processes took 3 to 8 s on the loaded 2-core CI machine)

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


def split(unit, total, step, seconds, row_bytes, workers, budget, local, start=0,
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
            most = (budget // (ahead(workers) + 1) // max(row_bytes, 1)) // step * step
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
        from ..costs import estimate_seconds
        trial = plan.measured["trial_seeds"]
        modelled = estimate_seconds(plan.costs, plan.mode, trial, trial)
        if modelled > 0:
            seconds *= plan.measured[f"{plan.mode}_seconds"] / modelled
    return seconds


def split_seeds(plan, workers, local=False, seeds_per_task=None, start=0, seconds=None,
                total=None):
    """The TaskSplit of ``plan``'s seeds (N forward, M reverse; ``total`` seeds when given,
    e.g. one per colour) over ``workers``, in whole chunks of ``plan.chunk_size``.
    ``seconds``: the time of seeds ``start:`` (measured); default the planner's estimate."""
    every, width = (plan.N, plan.M) if plan.mode == "fwd" else (plan.M, plan.N)
    total = every if total is None else total
    measured = seconds is not None
    if seconds is None:
        seconds = _model_seconds(plan) * (total - start) / max(every, 1)
    return split("seeds", total, plan.chunk_size, seconds, 8 * width, workers, plan.budget,
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
    return split("points", count, step, seconds, row_bytes, workers, None, local, start,
                  points_per_task, measured)

def ahead(workers):
    return max(2, IN_FLIGHT_PER_WORKER * workers)
