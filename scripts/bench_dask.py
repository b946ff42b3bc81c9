"""Serial vs a Dask cluster on the same jobs, each timed as a whole `jaccli` process.

    python scripts/bench_dask.py                 # 10^7 Lorenz points, overhead, memory
    python scripts/bench_dask.py --points 1000000

Jobs: (1) --batch Jacobians of configs/lorenz_rhs.yaml at N random points: serial,
--workers 1, --workers 2 (a local cluster started for the run; its start time is read from
jaccli's message) and --scheduler (a running cluster of 2 single-threaded `dask worker`
processes started here beforehand); (2) overhead: configs/large.yaml (about 0.1 s of sweeps)
serially and with --workers 2; (3) the client's peak memory: a dense 8000 x 8000 J (512 MB)
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


def timed(args, cwd):
    """(wall seconds, peak RSS in MB, stderr) of one process."""
    # NOTE: /usr/bin/time, not wait4 here: Linux keeps a child's peak RSS across exec, so
    # a child forked from this (large) process would report this process's peak.
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "MAXRSS %M", *args], cwd=cwd, env=ENV,
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
    opts = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        np.save(tmp / "points.npy", np.random.default_rng(0).standard_normal((opts.points, 3)))
        batch = [*JACCLI, "jacobian", str(ROOT / "configs/lorenz_rhs.yaml"), "--batch",
                 "--input", "state=points.npy"]
        address, procs = start_cluster(2)
        try:
            rows = []
            wall, rss, _ = timed(batch + ["-o", "serial.npy"], tmp)
            rows.append(("serial", wall, rss, "", True))
            for n in (1, 2):
                wall, rss, err = timed(batch + ["--workers", str(n), "-o", f"w{n}.npy"], tmp)
                start = re.search(r"took ([\d.]+) s to start", err)
                rows.append((f"--workers {n}", wall, rss,
                             f"cluster start {start.group(1)} s" if start else err.strip(),
                             same(tmp / "serial.npy", tmp / f"w{n}.npy")))
            wall, rss, err = timed(batch + ["--scheduler", address, "-o", "s.npy"], tmp)
            rows.append(("--scheduler (2 workers running)", wall, rss, "",
                         same(tmp / "serial.npy", tmp / "s.npy")))
            print(f"\n1. {opts.points} Lorenz points, --batch, (B, 3, 3) to -o")
            for name, wall, rss, note, ok in rows:
                speed = rows[0][1] / wall
                print(f"   {name:34s} {wall:6.2f} s  x{speed:4.2f}  client peak {rss:6.0f} MB"
                      f"  {'equal' if ok else 'DIFFERENT'}  {note}")
            for f in ("serial.npy", "w1.npy", "w2.npy", "s.npy", "points.npy"):
                os.unlink(tmp / f)

            small = [*JACCLI, "jacobian", str(ROOT / "configs/large.yaml"), "--mode", "fwd"]
            a, _, _ = timed(small + ["-o", "a.npy"], tmp)
            b, _, err = timed(small + ["--workers", "2", "-o", "b.npy"], tmp)
            print(f"\n2. overhead, configs/large.yaml: serial {a:.2f} s, --workers 2 {b:.2f} s "
                  f"(+{b - a:.2f} s; {'equal' if same(tmp / 'a.npy', tmp / 'b.npy') else 'DIFFERENT'})"
                  f"\n   {err.strip().splitlines()[0]}")

            (tmp / "big.py").write_text(textwrap.dedent("""\
                import numpy as np
                def f(x):
                    return np.sin(x) * x.sum()
                """))
            np.save(tmp / "x.npy", np.linspace(0.0, 1.0, 8000))
            big = [*JACCLI, "jacobian", "big.py:f", "--input", "x=x.npy", "--memory-limit",
                   "64MB"]
            _, base, _ = timed([sys.executable, "-c", "import jaccli.cli.commands, "
                                "jaccli.cli.running, distributed, numpy"], tmp)
            sw, srss, _ = timed(big + ["-o", "J0.npy"], tmp)
            dw, drss, err = timed(big + ["--scheduler", address, "-o", "J1.npy"], tmp)
            print(f"\n3. memory: 8000 x 8000 J (512 MB) to -o with --memory-limit 64MB\n"
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
