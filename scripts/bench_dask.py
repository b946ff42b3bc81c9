"""Serial vs a Dask cluster on the same jobs, each timed as a whole `jaccli` process.

    python scripts/bench_dask.py                 # 10^7 Lorenz points, overhead, memory
    python scripts/bench_dask.py --points 1000000

Jobs (1) --batch Jacobians of configs/lorenz_rhs.yaml at N random points, (2) a dense J
whose sweeps dominate (layers of tanh(W @ x): BLAS, which uses every core serially too) and
(3) a dense J whose sweeps are elementwise (sin and exp of x_i x_j + c_j: NumPy on one core
serially): serial, serial with BLAS on one thread (the
workers' setting: the reference for bit-for-bit equality), --workers 1, --workers 2 (a local
cluster started for the run; its start time is read from jaccli's message) and --scheduler
(a running cluster of 2 single-threaded `dask worker` processes started here beforehand);
(4) overhead: configs/large.yaml (about 0.1 s of sweeps)
serially and with --workers 2; (5) the client's peak memory: a dense 8000 x 8000 J (512 MB)
with --memory-limit 64MB to -o, on the running cluster, against the RSS of a bare Python
that imports jaccli's CLI and dask.distributed. Every result is compared with the serial
one (bit for bit). Needs pip install 'jaccli[dask]'.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
JACCLI = [sys.executable, "-c", "from jaccli.cli import main; main()"]
ENV = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def timed(args, cwd, extra_env=None):
    """(wall seconds, peak RSS in MB, stderr) of one process."""
    # NOTE: /usr/bin/time, not wait4 here: Linux keeps a child's peak RSS across exec, so
    # a child forked from this (large) process would report this process's peak.
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", *args], cwd=cwd,
                       env=dict(ENV, **(extra_env or {})),
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if p.returncode:
        raise SystemExit(f"{' '.join(map(str, args))} failed:\n{p.stderr}")
    err, _, rss = p.stderr.rpartition("MAXRSS ")
    return wall, int(rss) / 1024, err


def same(a, b, rows=1 << 16):
    A, B = np.load(a, mmap_mode="r"), np.load(b, mmap_mode="r")
    return A.shape == B.shape and all(np.array_equal(A[i:i + rows], B[i:i + rows])
                                      for i in range(0, A.shape[0], rows))


def _equal(tmp, name):
    """Bit for bit equal to a serial J: the one-thread serial's (the workers' BLAS setting)
    or, for a job that ran here because a cluster did not pay, the default serial's."""
    return same(tmp / "serial1.npy", tmp / name) or same(tmp / "serial.npy", tmp / name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cluster(workers):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                               "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                              env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    for _ in range(workers):
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker",
                                       address, "--nthreads", "1", "--no-dashboard"],
                                      env=ENV, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
    import distributed
    with distributed.Client(address, timeout=30, set_as_default=False) as c:
        c.wait_for_workers(workers, timeout=120)
    return address, procs


def stop(procs):
    for p in reversed(procs):
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", type=int, default=10 ** 7)
    ap.add_argument("--n", type=int, default=500, help="size of the dense job")
    ap.add_argument("--reps", type=int, default=20, help="layers of the dense job")
    ap.add_argument("--pairs", type=int, default=800,
                    help="size of the elementwise dense job (~5 s serially at 800 here)")
    opts = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        np.save(tmp / "points.npy", np.random.default_rng(0).standard_normal((opts.points, 3)))
        (tmp / "layers.py").write_text(textwrap.dedent(f"""\
            import numpy as np
            W = np.random.default_rng(0).standard_normal(({opts.n}, {opts.n})) / {opts.n ** 0.5}
            def f(x):
                for _ in range({opts.reps}):
                    x = np.tanh(W @ x)
                return x
            """))
        np.save(tmp / "x.npy", np.linspace(-1.0, 1.0, opts.n))
        (tmp / "pairs.py").write_text(textwrap.dedent(f"""\
            import numpy as np
            C = np.linspace(0.0, 1.0, {opts.pairs})
            def f(x):
                P = x[:, None] * x[None, :] + C
                return np.sum(np.sin(P) * np.exp(-P * P), axis=1)
            """))
        np.save(tmp / "xp.npy", np.linspace(-1.0, 1.0, opts.pairs))
        jobs = {
            f"{opts.points} Lorenz points, --batch, the (B, 3, 3) stack to -o":
                [*JACCLI, "jacobian", str(ROOT / "configs/lorenz_rhs.yaml"), "--batch",
                 "--input", "state=points.npy"],
            f"dense {opts.n} x {opts.n} J of {opts.reps} layers tanh(W @ x), fwd, to -o":
                [*JACCLI, "jacobian", "layers.py:f", "--input", "x=x.npy", "--mode", "fwd",
                 "--chunk-size", "32"],
            f"dense {opts.pairs} x {opts.pairs} J of sum_j sin(x_i x_j + c_j) exp(-(...)^2) "
            "(elementwise sweeps: NumPy on one core), to -o":
                [*JACCLI, "jacobian", "pairs.py:f", "--input", "x=xp.npy"]}
        address, procs = start_cluster(2)
        try:
            for number, (title, job) in enumerate(jobs.items(), 1):
                rows = []
                wall, rss, _ = timed(job + ["-o", "serial.npy"], tmp)
                rows.append(("serial", wall, rss, "", True))
                wall, rss, _ = timed(job + ["-o", "serial1.npy"], tmp, ONE_THREAD)
                rows.append(("serial, BLAS on 1 thread (reference)", wall, rss, "", True))
                for n in (1, 2):
                    wall, rss, err = timed(job + ["--workers", str(n), "-o", f"w{n}.npy"], tmp)
                    start = re.search(r"took ([\d.]+) s to start", err)
                    rows.append((f"--workers {n}", wall, rss,
                                 f"cluster start {start.group(1)} s" if start else
                                 err.strip().splitlines()[0],
                                 _equal(tmp, f"w{n}.npy")))
                wall, rss, err = timed(job + ["--scheduler", address, "-o", "s.npy"], tmp)
                rows.append(("--scheduler (2 workers running)", wall, rss,
                             err.strip().splitlines()[0], _equal(tmp, "s.npy")))
                print(f"\n{number}. {title}")
                for name, wall, rss, note, ok in rows:
                    print(f"   {name:38s} {wall:6.2f} s  x{rows[0][1] / wall:4.2f}  client peak "
                          f"{rss:6.0f} MB  {'equal' if ok else 'DIFFERENT'}  {note}")
                for f in ("serial.npy", "serial1.npy", "w1.npy", "w2.npy", "s.npy"):
                    os.unlink(tmp / f)
            os.unlink(tmp / "points.npy")

            small = [*JACCLI, "jacobian", str(ROOT / "configs/large.yaml"), "--mode", "fwd"]
            a, _, _ = timed(small + ["-o", "a.npy"], tmp)
            b, _, err = timed(small + ["--workers", "2", "-o", "b.npy"], tmp)
            print(f"\n{len(jobs) + 1}. overhead, configs/large.yaml: serial {a:.2f} s, --workers 2 {b:.2f} s "
                  f"(+{b - a:.2f} s; {'equal' if same(tmp / 'a.npy', tmp / 'b.npy') else 'DIFFERENT'})"
                  f"\n   {err.strip().splitlines()[0]}")

            (tmp / "big.py").write_text(textwrap.dedent("""\
                import numpy as np
                def f(x):
                    return np.sin(x) * x.sum()
                """))
            np.save(tmp / "x8k.npy", np.linspace(0.0, 1.0, 8000))
            big = [*JACCLI, "jacobian", "big.py:f", "--input", "x=x8k.npy", "--memory-limit",
                   "64MB"]
            _, base, _ = timed([sys.executable, "-c", "import jaccli.cli.commands, "
                                "jaccli.cli.running, distributed, numpy"], tmp)
            sw, srss, _ = timed(big + ["-o", "J0.npy"], tmp)
            dw, drss, err = timed(big + ["--scheduler", address, "-o", "J1.npy"], tmp)
            print(f"\n{len(jobs) + 2}. memory: 8000 x 8000 J (512 MB) to -o with --memory-limit 64MB\n"
                  f"   bare Python importing jaccli + distributed: {base:.0f} MB\n"
                  f"   serial: {sw:.2f} s, peak {srss:.0f} MB\n"
                  f"   --scheduler: {dw:.2f} s, peak {drss:.0f} MB "
                  f"({'equal' if same(tmp / 'J0.npy', tmp / 'J1.npy') else 'DIFFERENT'}); "
                  f"{err.strip().splitlines()[0]}")
        finally:
            stop(procs)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end (other engineers share the machine)")


if __name__ == "__main__":
    main()
