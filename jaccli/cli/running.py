"""What the commands share: loading a spec with its --input overrides, turning errors into
one sentence and an exit code, and calling the engine."""

import contextlib
import faulthandler
import functools
import signal
import sys

import click
import numpy as np

from jaccli.cli import display
from jaccli.errors import ComputeError, InputError, JaccliError, TracingError
from jaccli.spec import SpecError

USAGE_ERRORS = (SpecError, TracingError, InputError)


class Stopped(BaseException):
    """SIGTERM or SIGHUP arrived: unwind (so temporary files are removed) and exit with
    128 + the signal's number. A BaseException, like KeyboardInterrupt, so that the
    user's own ``except Exception`` cannot swallow it."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


class TimedOut(BaseException):
    """--timeout ran out (a BaseException for the same reason as Stopped)."""


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


def reporting_errors(command):
    """Run a command body; an error becomes one message on stderr and exit 2 (spec, usage)
    or 1 (computing). With --debug the traceback is printed first. SIGINT, SIGTERM and SIGHUP
    unwind the command (removing its temporary files) and exit 128 + the signal number;
    --timeout SECONDS stops it with exit 1."""
    @functools.wraps(command)
    def wrapper(*args, debug=False, timeout=None, **kwargs):
        display.reset()
        spec = kwargs.get("spec", "")
        try:
            with _signals_stop(), _deadline(timeout), _warnings_as_messages():
                return command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except (KeyboardInterrupt, Stopped) as e:
            _remove_temporaries()
            signum = getattr(e, "signum", signal.SIGINT)
            display.error(f"{spec}: stopped by {signal.Signals(signum).name}; no file was "
                          "written or changed.")
            sys.exit(128 + signum)
        except TimedOut:
            _remove_temporaries()
            display.error(f"{spec}: stopped after {timeout:g} s (--timeout); nothing was "
                          "written. The function may never return; raise --timeout if it "
                          "just needs longer.")
            sys.exit(1)
        except Exception as e:                          # noqa: BLE001 - the one place
            if debug:
                import traceback
                traceback.print_exc(file=sys.stderr)
            code, text = _describe(e, spec)
            display.error(text)
            sys.exit(code)
    return wrapper


@contextlib.contextmanager
def _warnings_as_messages():
    """jaccli's own warnings (``points.BranchWarning``, ``errors.PrecisionWarning``) as one
    plain 'warning:' line on stderr each, once per message, instead of Python's
    'file:line: Category: text' form; other warnings as Python shows them."""
    import warnings
    shown, previous = set(), warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if not category.__module__.startswith("jaccli"):
            return previous(message, category, filename, lineno, file, line)
        text = str(message).removeprefix("jaccli: ")
        if text not in shown:
            shown.add(text)
            display.warning(text)
    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = previous


def _remove_temporaries():
    """Our temporary files still there, wherever the signal caught the command."""
    output = sys.modules.get("jaccli.cli.output")
    if output is not None:
        output.remove_temporaries()


@contextlib.contextmanager
def _signals_stop():
    """SIGTERM and SIGHUP raise Stopped while the command runs (in the main thread only)."""
    def stop(signum, frame):
        raise Stopped(signum)
    previous = {}
    try:
        for signum in STOP_SIGNALS:
            previous[signum] = signal.signal(signum, stop)
    except ValueError:                                  # not the main thread
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def _deadline(seconds):
    """Raise TimedOut in the main thread after ``seconds`` (None: never).

    NOTE: a Python signal handler runs only where the interpreter checks for pending work, and
    so does every other Python thread (the GIL changes hands there too). CPython 3.10 skips that
    check on a backward jump to a ``try:``, so ``while True: try: x = x + 0 ...`` over NumPy
    scalars never sees SIGALRM. The backstop is faulthandler's watchdog, a C thread: if the
    command has not unwound ``_GRACE`` seconds after the deadline, it prints where the
    function was stuck and ends the process with exit 1 (no temporary file exists then unless
    the hang was in writing)."""
    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise TimedOut()
    previous = signal.signal(signal.SIGALRM, expire)
    armed = _arm_backstop(seconds + _GRACE)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if armed:
            faulthandler.cancel_dump_traceback_later()


_GRACE = 2.0        # seconds the main thread gets to unwind after --timeout before the backstop


def _arm_backstop(seconds):
    try:
        faulthandler.dump_traceback_later(seconds, exit=True, file=sys.__stderr__)
    except (AttributeError, ValueError, OSError, RuntimeError):   # no real stderr to write to
        return False
    return True


def _describe(error, spec):
    text = str(error).strip() or type(error).__name__
    if isinstance(error, JaccliError) and spec and not text.startswith(spec) \
            and not text.startswith("--"):
        text = f"{spec}: {text}"
    if isinstance(error, USAGE_ERRORS):
        return 2, text
    if isinstance(error, ComputeError):
        return 1, text
    if isinstance(error, MemoryError):
        return 1, (f"{spec}: ran out of memory while computing. Lower --memory-limit or "
                   "--chunk-size, or use smaller inputs.")
    return 1, (f"{spec}: unexpected {type(error).__name__}: {text}. "
               "Run again with --debug to see the traceback.")


def load(spec_ref, assignments, batch=False, memory_limit=None, inputs_under=None):
    """The spec with its --input overrides applied, evaluated once at its point (which names
    the entry of a shape mistake) and checked to be differentiable. With ``batch`` every
    input carries a leading batch axis and the check runs at the first point.
    ``memory_limit`` bounds every array the spec creates; ``inputs_under`` is the folder its
    file: inputs must lie in. The spec's own code prints to stderr: stdout carries data."""
    from jaccli.spec import load_spec, parse_cli_value
    from jaccli.spec.limits import Limits
    limits = Limits(memory_limit, inputs_under)
    stdin = None
    if any(t == "-" for _, t in assignments):
        stdin = getattr(sys.stdin, "buffer", None)
    overrides = {name: parse_cli_value(name, text, stdin, limits) for name, text in assignments}
    with prints_to_stderr():
        spec = load_spec(spec_ref, overrides, limits)
    spec.function = _printing_to_stderr(spec.function)
    if spec.checked_function is not None:
        spec.checked_function = _printing_to_stderr(spec.checked_function)
    if not batch:
        spec.evaluate()
        return spec
    lengths = {name: (x.shape[0] if x.ndim else None)
               for name, x in zip(spec.input_names, spec.inputs)}
    if None in lengths.values() or len(set(lengths.values())) != 1:
        shown = ", ".join(f"{n}: {'scalar' if b is None else b}" for n, b in lengths.items())
        raise SpecError(f"{spec_ref}: with --batch every input needs the same leading batch "
                        f"axis (leading lengths {shown}); pass e.g. --input x=points.npy "
                        "with one row per point.")
    try:
        spec.outputs = spec.evaluate([x[0] for x in spec.inputs])
    except (SpecError, TracingError, IndexError, ValueError, TypeError):
        # NOTE: a spec written for one point (state: [1, 2, 3]) reads its first axis as the
        # points under --batch, so each "point" is a scalar; say that, not only the symptom.
        shown = ", ".join(f"{n} {list(x.shape[1:])}" for n, x in zip(spec.input_names,
                                                                        spec.inputs))
        name, x = spec.input_names[0], spec.inputs[0]
        raise SpecError(f"{spec_ref}: with --batch the first axis of every input runs over "
                        f"the points, so one point has the shapes {shown}, and the spec "
                        f"cannot be evaluated there. Give the points an axis of their own, "
                        f"e.g. --input {name}=points.npy of shape "
                        f"{tuple(['B', *x.shape])}.".replace("'", "")) from None
    return spec


@contextlib.contextmanager
def prints_to_stderr():
    """print() (to sys.stdout) goes to stderr inside the block."""
    saved, sys.stdout = sys.stdout, sys.stderr
    try:
        yield
    finally:
        sys.stdout = saved


def _printing_to_stderr(function):
    """``function`` whose print() calls go to stderr."""
    @functools.wraps(function)
    def run(*args):
        with prints_to_stderr():
            return function(*args)
    return run


def nonfinite(problem, allow_nonfinite, where="the point lies"):
    """A NaN or inf in a result (``problem``: the sentence that says where; None: none):
    a ComputeError, or with --allow-nonfinite a warning."""
    if not problem:
        return
    if not allow_nonfinite:
        raise ComputeError(f"{problem} Check that {where} in the function's domain, or pass "
                           "--allow-nonfinite to write it anyway.")
    display.warning(problem)


def sparse_nonfinite(matrix, allow_nonfinite, where="the point lies"):
    """``nonfinite`` for a scipy.sparse result (its stored entries)."""
    bad = int((~np.isfinite(matrix.data)).sum())
    nonfinite(f"{bad} Jacobian entries are NaN or inf." if bad else None, allow_nonfinite,
              where)


def check_point(spec, allow_nonfinite):
    """The function's value at the point must be finite: NaN or inf there means the point is
    outside its domain (log of a negative...), where a derivative means nothing."""
    for name, value in zip(spec.output_names, spec.outputs):
        bad = ~np.isfinite(value)
        if bad.any():
            where = "" if value.ndim == 0 else f"[{','.join(map(str, np.argwhere(bad)[0]))}]"
            text = (f"{int(bad.sum())} value(s) of output {name} are NaN or inf at the point, "
                    f"the first {name}{where}; move the point into the function's domain")
            if not allow_nonfinite:
                raise ComputeError(text + ", or pass --allow-nonfinite.")
            display.warning(text + ".")


def layout_of(spec, out_shapes=None, in_shapes=None):
    from jaccli.cli.output import Layout
    out_shapes = out_shapes if out_shapes is not None else [o.shape for o in spec.outputs]
    in_shapes = in_shapes if in_shapes is not None else spec.in_shapes
    return Layout(spec.output_names, out_shapes, spec.input_names, in_shapes)


def progress(text):
    """A spinner on stderr while the engine works, when stderr is a terminal."""
    if not sys.stderr.isatty():
        return contextlib.nullcontext()
    return display.console().status(text)


def batched_flat_jacobian(spec, mode, chunk_size=None, memory_limit=None, sparse="off",
                          out_path=None):
    """(J, layout of one point's J, mode used): the Jacobian at every point of a spec whose
    inputs all carry a leading batch axis. J: (B, M, N) float64; with ``sparse`` 'on' one
    float64 csr_array (B * M, N), point p's J in rows p * M ... p * M + M - 1 ('auto':
    compressed sweeps where they pay, the dense stack). ``out_path``: a new .npy that the
    dense stack is written into as the point chunks finish (J is then its np.memmap)."""
    from jaccli.points import batched_flat_jacobian as engine

    def mapped(shape, dtype):
        from numpy.lib.format import open_memmap
        return open_memmap(out_path, mode="w+", dtype=np.float64, shape=shape)
    with progress(f"Jacobians at {spec.inputs[0].shape[0]} points"):
        J, (out_shapes, in_shapes, used, _) = engine(
            spec.function, list(spec.inputs), spec.argnums, set(spec.argnums), mode,
            chunk_size, memory_limit, sparse=sparse,
            out=None if out_path is None else mapped)
    layout = layout_of(spec, out_shapes, in_shapes)
    if sparse == "on":
        from jaccli.sparse.batched import vstack_points
        return vstack_points(list(J)).astype(np.float64), layout, used
    if isinstance(J, np.memmap):
        return J, layout, used
    return J.astype(np.float64, copy=False), layout, used


@contextlib.contextmanager
def cluster(scheduler=None, workers=None):
    """The Dask cluster asked for by --scheduler or --workers (None: neither), closed at the
    end. An unreachable scheduler fails here, before any work."""
    if scheduler is None and workers is None:
        yield None
        return
    if scheduler is not None and workers is not None:
        raise InputError("--scheduler and --workers exclude each other: use an existing "
                         "cluster or start a local one, not both.")
    from jaccli.distributed import Cluster
    with Cluster(scheduler=scheduler, workers=workers) as running:
        yield running


def report_tasks(split, cluster):
    """One line on how the run was split into tasks (stderr)."""
    if split is None:
        return
    text = f"cluster: {split.reason}"
    if cluster is not None and cluster.local and split.pays:
        text += f"; the local cluster took {cluster.start_seconds:.1f} s to start"
    display.message(text + ".")


def batched_on_cluster(spec, mode, chunk_size, memory_limit, cluster, out_path=None):
    """``batched_flat_jacobian`` with the point chunks as tasks on ``cluster``; with
    ``out_path`` the stack goes into that .npy as tasks finish (then the result is an
    ``np.memmap`` of it)."""
    from jaccli.distributed import batched_flat_jacobian as engine
    with progress(f"Jacobians at {spec.inputs[0].shape[0]} points"):
        J, (out_shapes, in_shapes, used, _), splits = engine(
            spec.function, list(spec.inputs), spec.argnums, set(spec.argnums), mode,
            chunk_size, memory_limit, cluster, out_path=out_path)
    report_tasks(splits[0] if splits else None, cluster)
    if not isinstance(J, np.memmap):
        J = J.astype(np.float64, copy=False)
    return J, layout_of(spec, out_shapes, in_shapes), used


def flat_jacobian(spec, mode, chunk_size=None, memory_limit=None, device=None, out_path=None,
                  explain=False, sparse="off", client=None):
    """(matrix as float64 NumPy, layout, mode used, plan). With ``out_path`` (a .npy file)
    the engine may write J chunk by chunk into it, memory-mapped: then ``plan.storage`` is
    'memmap' and the matrix is the ``np.memmap`` of that file. ``explain`` prints the plan to
    stderr before the sweeps start. ``sparse``: 'off', 'auto' (compressed sweeps when
    cheaper) or 'on' (the matrix is then a ``scipy.sparse.csr_array``). ``client``: a
    ``distributed.Cluster`` to run the sweeps on, as tasks."""
    from jaccli.api import flat_jacobian as engine
    from jaccli.cli.output import to_numpy
    layout = layout_of(spec)
    bar = display.ChunkProgress(f"{layout.M} x {layout.N} Jacobian")

    def on_plan(plan):
        if explain:
            data = plan.to_dict()
            bar.pause()
            display.print_plan(data, layout)
        bar.start(plan)

    with bar:
        result = engine(spec.function, spec.inputs, argnums=spec.argnums, mode=mode,
                        chunk_size=chunk_size, memory_limit=memory_limit, device=device,
                        out_path=out_path, progress=bar.update, on_plan=on_plan,
                        sparse=sparse, client=client)
    if client is not None:
        report_tasks(result.tasks, client)
    if result.point_dependent:
        display.warning("J is valid only at this point: the trace branched on values ("
                        + "; ".join(result.point_dependent) + "), so another point may take "
                        "another path.")
    matrix = result.matrix if result.plan.storage == "memmap" or sparse == "on" else \
        to_numpy(result.matrix)
    layout = layout_of(spec, result.out_shapes, result.in_shapes)
    if matrix.shape != (layout.M, layout.N):
        raise ComputeError(f"the engine returned a {matrix.shape} matrix for a "
                           f"{layout.M} x {layout.N} Jacobian.")
    used = result.mode if result.plan.compressed is None else \
        f"compressed {result.plan.compressed}"
    return matrix, layout, used, result.plan


def sparsity_pattern(spec):
    """(the bool csr pattern of the spec's flat Jacobian, the plan's sparse fields)."""
    import jaccli
    P = jaccli.sparsity(spec.function, *spec.inputs, argnums=spec.argnums)
    data = jaccli.plan(spec.function, spec.inputs, argnums=spec.argnums, sparse=True).to_dict()
    return P, data
