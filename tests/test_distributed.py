"""Scale-out on Dask (jaccli.distributed): chunks of seeds and of points as tasks on a real
cluster of worker processes, equal to the serial J bit for bit (the same sweeps run); a
worker killed mid-run; an unreachable scheduler; the command line end to end against
`dask scheduler` and `dask worker` processes.

Skipped where dask.distributed is not installed (pip install 'jaccli[dask]')."""
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import jaccli
from jaccli import distributed as jd
from jaccli.distributed import sizing
from jaccli.api import flat_jacobian
from jaccli.cli import main
from jaccli.errors import InputError

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parent.parent
_W = np.random.default_rng(0).standard_normal((120, 120)) / 11.0


def _layers(x):
    """A dense J whose sweeps dominate (a few matmuls per seed)."""
    for _ in range(3):
        x = np.tanh(_W @ x) + 0.1 * x
    return x


def _two_args(x, c):
    return np.sin(x[:50] * c[0]) * x[:50].sum(), np.outer(c, x[:3]).ravel() ** 2


def _lorenz(s):
    return np.stack([10.0 * (s[1] - s[0]), s[0] * (28.0 - s[2]) - s[1],
                     s[0] * s[1] - 2.6666666666666665 * s[2]])


def _slow(n, reps):
    W = np.random.default_rng(1).standard_normal((n, n)) / np.sqrt(n)

    def f(x):
        for _ in range(reps):
            x = np.tanh(W @ x)
        return x
    return f


@pytest.fixture(scope="module")
def client():
    """One LocalCluster of 2 single-threaded worker processes for the module."""
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=50)
    c = distributed.Client(cluster, set_as_default=False)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


@pytest.fixture
def small_tasks(monkeypatch):
    """Tasks of one serial chunk each, however fast: small problems still make many tasks."""
    monkeypatch.setattr(sizing, "TASK_SECONDS", 1e-9)
    monkeypatch.setattr(sizing, "LOCAL_START_SECONDS", 0.0)


# ---------------------------------------------------------------- sizing (no cluster)

def test_split_a_small_job_does_not_pay():
    plan = jaccli.api.plan(_layers, (np.ones(120),), mode="fwd", chunk_size=16)
    split = jd.split_seeds(plan, 4, local=True)
    assert split.tasks == 1 and not split.pays and "does not pay" in split.reason


def test_split_whole_chunks_within_the_budget():
    plan = jaccli.api.plan(_layers, (np.ones(120),), mode="fwd", chunk_size=16)
    split = sizing.split("seeds", 1000, 16, 100.0, 8 * 1000, 2, 10 ** 6, local=False)
    assert split.per_task % 16 == 0 and split.tasks == -(-1000 // split.per_task)
    assert (sizing.ahead(2) + 1) * split.block_bytes <= 10 ** 6
    split = sizing.split("seeds", 1000, 16, 100.0, 8, 2, None, local=False)
    assert split.tasks == jd.TASKS_PER_WORKER * 2 and split.pays
    assert jd.split_seeds(plan, 2, seeds_per_task=20).per_task == 32     # whole chunks


def test_plan_workers_shows_the_split(configs):
    result = CliRunner().invoke(main, ["plan", str(configs / "large.yaml"), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "cluster (--workers 2)" in result.output and "does not pay" in result.output
    result = CliRunner().invoke(main, ["plan", str(configs / "large.yaml"), "--workers", "2",
                                       "--json"])
    assert '"cluster"' in result.output and '"tasks": 1' in result.output


def test_without_dask_a_clear_message(monkeypatch, tmp_path, configs):
    monkeypatch.setitem(sys.modules, "distributed", None)        # import fails
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    with pytest.raises(InputError, match=r"pip install 'jaccli\[dask\]'"):
        jd.Cluster(workers=2)
    with pytest.raises(InputError, match=r"jaccli\[dask\]"):
        jaccli.jacobian(_layers, np.ones(120), client=object())
    out = tmp_path / "J.npy"
    result = CliRunner().invoke(main, ["jacobian", str(configs / "seed.yaml"), "--workers",
                                       "2", "-o", str(out)])
    assert result.exit_code == 2 and "jaccli[dask]" in result.output and not out.exists()


def test_unreachable_scheduler_exits_1_within_seconds(tmp_path, configs):
    out = tmp_path / "J.npy"
    t0 = time.perf_counter()
    result = CliRunner().invoke(main, ["jacobian", str(configs / "large.yaml"), "--scheduler",
                                       f"tcp://127.0.0.1:{_free_port()}", "-o", str(out)])
    assert time.perf_counter() - t0 < 15
    assert result.exit_code == 1, result.output
    assert "cannot reach the Dask scheduler" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_workers_on_a_tiny_job_start_no_cluster(tmp_path, configs, monkeypatch):
    def refuse(self):
        raise AssertionError("a local cluster was started for a tiny job")
    monkeypatch.setattr(jd.Cluster, "_start_local", refuse)
    out = tmp_path / "J.npy"
    result = CliRunner().invoke(main, ["jacobian", str(configs / "tall.yaml"), "--workers",
                                       "2", "-o", str(out), "--mode", "fwd"])
    assert result.exit_code == 0, result.output
    assert "does not pay" in result.output
    serial = flat_jacobian_of_spec(configs / "tall.yaml", "fwd")
    assert np.array_equal(np.load(out), serial)


def test_a_job_shorter_than_starting_workers_runs_here():
    split = sizing.split("seeds", 10000, 64, 0.5, 8, 2, None, local=True)
    assert split.tasks > 1 and not split.pays and "starting 2 local workers" in split.reason
    assert sizing.split("seeds", 10000, 64, 6.0, 8, 2, None, local=True).pays
    assert sizing.split("seeds", 10000, 64, 0.5, 8, 2, None, local=False).pays


def flat_jacobian_of_spec(path, mode):
    from jaccli.cli.running import load
    spec = load(str(path), [])
    return flat_jacobian(spec.function, spec.inputs, argnums=spec.argnums, mode=mode).matrix


# ---------------------------------------------------------------- on a LocalCluster

@pytest.mark.slow
@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_seed_tasks_equal_the_serial_J(client, small_tasks, mode):
    x = np.linspace(-1.0, 1.0, 120)
    serial = flat_jacobian(_layers, (x,), mode=mode, chunk_size=8).matrix
    seen = []
    result = flat_jacobian(_layers, (x,), mode=mode, chunk_size=8, client=client,
                           progress=lambda done, total: seen.append((done, total)))
    assert result.tasks.pays and result.tasks.tasks > 2
    assert np.array_equal(result.matrix, serial)
    assert seen[-1] == (120, 120) and len(seen) == result.tasks.tasks + 2


@pytest.mark.slow
def test_jacobian_client_tuple_argnums_and_outputs(client, small_tasks):
    x, c = np.linspace(0.1, 2.0, 60), np.array([0.5, 1.5, -0.7])
    serial = jaccli.jacobian(_two_args, x, c, argnums=(0, 1), mode="rev", chunk_size=8)
    on = jaccli.jacobian(_two_args, x, c, argnums=(0, 1), mode="rev", chunk_size=8,
                         client=client)
    for s_row, d_row in zip(serial, on):
        for s, d in zip(s_row, d_row):
            assert s.shape == d.shape and np.array_equal(s, d)


@pytest.mark.slow
def test_memmap_output_written_by_tasks(client, small_tasks, tmp_path):
    x = np.linspace(-1.0, 1.0, 120)
    serial = flat_jacobian(_layers, (x,), mode="fwd", chunk_size=8).matrix
    path = tmp_path / "J.npy"
    result = flat_jacobian(_layers, (x,), mode="fwd", chunk_size=8, memory_limit="100KB",
                           out_path=str(path), client=client)
    assert result.plan.storage == "memmap" and result.tasks.pays
    assert np.array_equal(np.load(path), serial)


@pytest.mark.slow
def test_colour_group_seeds_any_matrix(client, small_tasks):
    """Any (S, total) seed matrix (compressed seeds of a sparse Jacobian) runs as tasks."""
    from jaccli.sweeps import Seeds, sweep_chunk
    from jaccli.tracer import trace_function
    x = np.linspace(-1.0, 1.0, 120)
    graph, _ = trace_function(_layers, [x], (0,))
    seeds = (np.arange(40)[:, None] == np.arange(120)[None, :] % 40).astype(float)
    plan = jaccli.api.plan(_layers, (x,), mode="fwd", chunk_size=8)
    block, split = jd.run_seed_tasks(graph, plan, client, np.float64, seeds=seeds)
    expected = np.concatenate([sweep_chunk(graph, graph.values, "fwd",
                                           Seeds.rows(seeds[a:a + 8])) for a in range(0, 40, 8)])
    assert split.pays and block.shape == (40, 120) and np.array_equal(block, expected)


def _stencil(x):
    """A banded J (3 colours either way) of elementwise steps: no BLAS, exact anywhere."""
    inner = x[:-2] - 2.0 * np.sin(x[1:-1]) + x[2:] ** 2
    return np.concatenate([x[:1] ** 3, inner, np.exp(x[-1:])])


def _arrowhead(x):
    """A dense first row and column with a diagonal: only bicolouring compresses it."""
    return np.concatenate([np.sum(x ** 2)[None], x[0] * np.tanh(x[1:]) + x[1:] ** 3])


@pytest.mark.slow
@pytest.mark.parametrize("f,mode", [(_stencil, "fwd"), (_stencil, "rev"), (_arrowhead, "auto")])
def test_compressed_sweeps_run_as_tasks(client, small_tasks, f, mode):
    """sparse=True with client=: the colour groups' chunks are the tasks; J is the serial J."""
    from jaccli.api import flat_jacobian
    x = np.linspace(0.1, 1.3, 400)
    serial = flat_jacobian(f, (x,), mode=mode, chunk_size=1, sparse=True)
    on = flat_jacobian(f, (x,), mode=mode, chunk_size=1, sparse=True, client=client)
    assert on.plan.compressed == serial.plan.compressed is not None
    assert on.tasks is not None and on.tasks.pays and on.tasks.tasks > 1
    assert (on.matrix != serial.matrix).nnz == 0 and on.matrix.nnz == serial.matrix.nnz
    dense = jaccli.jacobian(f, x)
    np.testing.assert_allclose(on.matrix.toarray(), dense, rtol=1e-13, atol=1e-13)


@pytest.mark.slow
def test_point_tasks_equal_the_serial_stack(client, small_tasks, monkeypatch):
    monkeypatch.setattr("jaccli.points.POINTS_CHUNK_BYTES", 64 * 1024)   # many point chunks
    X = np.random.default_rng(0).standard_normal((20000, 3))
    serial = jaccli.jacobian(_lorenz, X, batched=True)
    on = jaccli.jacobian(_lorenz, X, batched=True, client=client)
    assert on.shape == (20000, 3, 3) and np.array_equal(on, serial)


@pytest.mark.slow
def test_point_tasks_read_a_mapped_input_from_its_file(client, small_tasks, monkeypatch,
                                                       tmp_path):
    """An input np.load mapped from a .npy every worker sees: each task reads its rows from
    the file (only the graph is scattered), and the stack is the serial one."""
    monkeypatch.setattr("jaccli.points.POINTS_CHUNK_BYTES", 64 * 1024)
    X = np.random.default_rng(1).standard_normal((20000, 3))
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="c")
    scattered = []
    real = type(client).scatter

    def counting(self, data, *a, **k):
        scattered.append(type(data).__name__)
        return real(self, data, *a, **k)
    monkeypatch.setattr(type(client), "scatter", counting)
    on = jaccli.jacobian(_lorenz, mapped, batched=True, client=client)
    assert np.array_equal(on, jaccli.jacobian(_lorenz, X, batched=True))
    assert scattered == ["Graph"]                 # the graph once; no chunk of points


@pytest.mark.slow
def test_a_worker_killed_mid_run_still_gives_the_exact_J(client, small_tasks):
    f, x = _slow(200, 12), np.linspace(-1.0, 1.0, 200)
    serial = flat_jacobian(f, (x,), mode="fwd", chunk_size=8).matrix
    pids = client.run(os.getpid)
    killed = []

    def kill_one(done, total):
        if killed or done <= 16:                     # after the first block from a worker
            return
        busy = [w for w, keys in client.processing().items() if keys] or list(pids)
        os.kill(pids[busy[0]], signal.SIGKILL)
        killed.append(pids[busy[0]])
    result = flat_jacobian(f, (x,), mode="fwd", chunk_size=8, client=client,
                           progress=kill_one)
    assert killed and np.array_equal(result.matrix, serial)
    client.wait_for_workers(2, timeout=60)           # the nanny restarts it for what follows


# ---------------------------------------------------------------- end to end, processes

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler_address():
    """`dask scheduler` and two `dask worker` processes on 127.0.0.1, stopped at the end
    (without nannies, which take seconds to start here; BLAS on one thread, as a nanny sets
    it)."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [subprocess.Popen(dask + ["--host", "127.0.0.1", "--port", str(port),
                                      "--no-dashboard"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    try:
        for _ in range(2):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads",
                 "1", "--no-nanny", "--no-dashboard"], env=dict(env, **ONE_THREAD), stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL))
        with distributed.Client(address, timeout=30, set_as_default=False) as c:
            c.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(procs):              # workers first, then the scheduler
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _run_jaccli(args, cwd, extra_env=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), **(extra_env or {}))
    return subprocess.run([sys.executable, "-c", "from jaccli.cli import main; main()", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_cli_on_a_running_cluster_equals_serial(scheduler_address, tmp_path):
    (tmp_path / "model.py").write_text(textwrap.dedent("""\
        import numpy as np
        W = np.random.default_rng(2).standard_normal((300, 300)) / np.sqrt(300)
        def f(x):
            for _ in range(8):
                x = np.tanh(W @ x)
            return x
        """))
    np.save(tmp_path / "x.npy", np.linspace(-1.0, 1.0, 300))
    run = _run_jaccli(["jacobian", "model.py:f", "--input", "x=x.npy", "--mode", "fwd",
                       "--chunk-size", "16", "--scheduler", scheduler_address, "-o", "J.npy"],
                      tmp_path)
    assert run.returncode == 0, run.stderr
    assert "cluster:" in run.stderr
    # the serial J of a process whose BLAS runs on one thread, as Dask's workers do (its
    # last bits depend on BLAS's thread count; see the NOTE in jaccli.distributed)
    serial = _run_jaccli(["jacobian", "model.py:f", "--input", "x=x.npy", "--mode", "fwd",
                          "--chunk-size", "16", "-o", "serial.npy"], tmp_path, ONE_THREAD)
    assert serial.returncode == 0, serial.stderr
    assert np.array_equal(np.load(tmp_path / "J.npy"), np.load(tmp_path / "serial.npy"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["J.npy", "model.py", "serial.npy",
                                                          "x.npy"]


@pytest.mark.slow
def test_cli_sparse_on_a_running_cluster_equals_serial(scheduler_address, tmp_path, configs):
    import scipy.sparse as sp
    spec = str(configs / "brusselator.yaml")
    run = _run_jaccli(["jacobian", spec, "--sparse", "on", "--chunk-size", "2", "--scheduler",
                       scheduler_address, "-o", "J.npz"], tmp_path)
    assert run.returncode == 0, run.stderr
    assert "cluster:" in run.stderr
    serial = _run_jaccli(["jacobian", spec, "--sparse", "on", "--chunk-size", "2", "-o",
                          "serial.npz"], tmp_path)
    assert serial.returncode == 0, serial.stderr
    J, S = sp.load_npz(tmp_path / "J.npz"), sp.load_npz(tmp_path / "serial.npz")
    assert J.shape == S.shape and (J != S).nnz == 0


@pytest.mark.slow
def test_cli_batch_on_a_running_cluster_equals_serial(scheduler_address, tmp_path, configs):
    points = np.random.default_rng(3).standard_normal((100000, 3))
    np.save(tmp_path / "points.npy", points)
    run = _run_jaccli(["jacobian", str(configs / "lorenz_rhs.yaml"), "--batch", "--input",
                       "state=points.npy", "--scheduler", scheduler_address, "-o", "J.npy"],
                      tmp_path)
    assert run.returncode == 0, run.stderr
    from jaccli.cli.running import batched_flat_jacobian, load
    spec = load(str(configs / "lorenz_rhs.yaml"), [("state", str(tmp_path / "points.npy"))],
                batch=True)
    serial = batched_flat_jacobian(spec, "auto")[0]
    assert np.array_equal(np.load(tmp_path / "J.npy"), serial)
