"""The flat Jacobian's labels and files: .npy, .npz and .csv, written atomically."""

import errno
import io
import os
import re
import stat
import sys
from pathlib import Path

import numpy as np

from jaccli.errors import ComputeError
from jaccli.spec import SpecError

FORMATS = ("npy", "npz", "csv")
NPZ_BLOCKS_MAX_BYTES = 64 * 10 ** 6   # above this, .npz holds no OUT__IN blocks by default


def npz_blocks(choice, layout):
    """(whether a .npz gets the OUT__IN blocks, a sentence when that was decided by size).
    ``choice``: True, False, or None for by size (the blocks double the file)."""
    if choice is not None:
        return choice, None
    size = 8 * layout.M * layout.N
    if size <= NPZ_BLOCKS_MAX_BYTES:
        return True, None
    from jaccli.memory import format_bytes
    return False, (f"J is {format_bytes(size)}, so the .npz holds the flat matrix and the "
                   "labels but not the OUT__IN blocks, which would double it; --npz-blocks "
                   "adds them.")


class Layout:
    """Names and shapes of the rows (outputs) and columns (inputs) of a flat Jacobian."""

    def __init__(self, out_names, out_shapes, in_names, in_shapes):
        self.out_names, self.out_shapes = list(out_names), [tuple(s) for s in out_shapes]
        self.in_names, self.in_shapes = list(in_names), [tuple(s) for s in in_shapes]
        self.M = sum(int(np.prod(s)) for s in self.out_shapes)
        self.N = sum(int(np.prod(s)) for s in self.in_shapes)

    def row_label(self, i):
        return _label_at(self.out_names, self.out_shapes, i)

    def col_label(self, j):
        return _label_at(self.in_names, self.in_shapes, j)

    def row_labels(self):
        return _labels(self.out_names, self.out_shapes)

    def col_labels(self):
        return _labels(self.in_names, self.in_shapes)

    def blocks(self, matrix):
        """{'OUT__IN': block of shape out.shape + in.shape} for every pair."""
        blocks, r0 = {}, 0
        for out, out_shape in zip(self.out_names, self.out_shapes):
            r1, c0 = r0 + int(np.prod(out_shape)), 0
            for name, in_shape in zip(self.in_names, self.in_shapes):
                c1 = c0 + int(np.prod(in_shape))
                blocks[f"{out}__{name}"] = matrix[r0:r1, c0:c1].reshape(out_shape + in_shape)
                c0 = c1
            r0 = r1
        return blocks


def element_label(name, shape, index):
    """'x' for a scalar, 'x[2]' for a vector entry, 'A[1,0]' for a matrix entry."""
    if not shape:
        return name
    return f"{name}[{','.join(str(int(k)) for k in np.unravel_index(index, shape))}]"


def _label_at(names, shapes, flat):
    for name, shape in zip(names, shapes):
        size = int(np.prod(shape))
        if flat < size:
            return element_label(name, shape, flat)
        flat -= size
    raise IndexError(flat)


def _labels(names, shapes):
    return [element_label(name, shape, k) for name, shape in zip(names, shapes)
            for k in range(int(np.prod(shape)))]


def nonfinite_problem(matrix, layout, block_bytes=64 * 1024 ** 2):
    """None if every entry is finite, else a sentence saying how many are not and where.
    A memory-mapped J is scanned in blocks of about ``block_bytes`` along its file order."""
    if matrix.size == 0:                # a zero-size input or output: nothing to scan
        return None
    count, first = 0, None
    by_columns = matrix.flags.f_contiguous and not matrix.flags.c_contiguous
    length = matrix.shape[1] if by_columns else matrix.shape[0]
    other = max(matrix.shape[0] if by_columns else matrix.shape[1], 1)
    step = length if not isinstance(matrix, np.memmap) else \
        max(1, block_bytes // (other * matrix.itemsize))
    for lo in range(0, length, step):
        part = matrix[:, lo:lo + step] if by_columns else matrix[lo:lo + step]
        bad = ~np.isfinite(part)
        n = int(bad.sum())
        if n and first is None:
            i, j = np.argwhere(bad)[0] if not by_columns else np.argwhere(bad.T)[0][::-1]
            first = (int(i) + (0 if by_columns else lo), int(j) + (lo if by_columns else 0))
        count += n
        del part, bad
        _drop_pages(matrix)
    if not count:
        return None
    i, j = first
    what = "entry is" if count == 1 else "entries are"
    return (f"{count} Jacobian {what} NaN or inf; the first is at row "
            f"{layout.row_label(i)}, column {layout.col_label(j)} ({matrix[i, j]}).")


def _drop_pages(matrix):
    """Hand back the pages a scan mapped of a read-only memory-mapped J (a file the engine
    wrote): they would count in this process's memory, up to the whole J."""
    mapping = getattr(matrix, "_mmap", None)
    if mapping is not None and getattr(matrix, "mode", None) == "r" and \
            hasattr(mapping, "madvise"):
        import mmap
        try:
            mapping.madvise(mmap.MADV_DONTNEED)
        except (OSError, ValueError, AttributeError):
            pass


def format_for(output, fmt):
    """--format, or else the -o file's suffix, or else npy."""
    if fmt:
        return fmt
    suffix = Path(output).suffix.lstrip(".").lower() if output and output != "-" else ""
    return suffix if suffix in FORMATS else "npy"


def serialize(matrix, layout, fmt, stream, blocks=True):
    """J in ``fmt`` on ``stream``; a .npz has the OUT__IN blocks only with ``blocks``."""
    if fmt == "npy":
        np.save(stream, matrix)
    elif fmt == "csv":
        np.savetxt(stream, matrix, delimiter=",", fmt="%.17g")
    else:
        seekable = stream.seekable()
        target = stream if seekable else io.BytesIO()     # zipfile wants a seekable file
        np.savez(target, jacobian=matrix, rows=np.array(layout.row_labels(), dtype=str),
                 cols=np.array(layout.col_labels(), dtype=str),
                 **(layout.blocks(matrix) if blocks else {}))
        if not seekable:
            stream.write(target.getvalue())


def write_stdout(matrix, layout, fmt, stream, writer=None, blocks=True):
    """J as ``fmt`` on ``stream``; ``writer(matrix, layout, fmt, stream)`` serializes
    (default: ``serialize``, the dense formats; ``blocks``: whether an npz holds J's
    blocks too)."""
    if stream is None:
        raise ComputeError("standard output is closed, so J cannot be written to it; "
                           "write it to a file with -o J.npy.")
    try:
        if writer is not None:
            writer(matrix, layout, fmt, stream)
        else:
            serialize(matrix, layout, fmt, stream, blocks=blocks)
        stream.flush()
    except OSError as e:                 # BrokenPipeError, or NumPy's short-write OSError
        # NOTE: the reader went away (e.g. `| head`); point stdout at /dev/null so that
        # Python's flush at exit does not print a second error.
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            pass
        if e.errno == errno.ENOSPC:
            raise ComputeError("writing J to stdout failed: no space left on the device "
                               "it points at; free some space or write elsewhere.") from None
        raise ComputeError(f"writing J to stdout failed ({e}); did the reader stop "
                           "early?") from None


# ------------------------------------------------------------------ files ----------------
# NOTE: a regular file (or a new one) is written to a temporary file beside it, then renamed
# over it, so that a failed or interrupted run never leaves a partial file. Anything else (a
# device such as /dev/null, a FIFO, /dev/stdout) is written directly, as np.save would: a
# rename would replace the device node or FIFO with a regular file. A symlink is followed:
# its target is what gets replaced. Temporary names carry our pid, so that a later run to the
# same path can delete the ones a killed run left behind: ".J.npy.<pid>-<random>.tmp".
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[A-Za-z0-9_]{8}\.tmp$")


def output_target(path):
    """(target, direct): the file to write for ``-o path``, and whether to write it directly
    (a device, FIFO or socket) rather than through a temporary file and a rename."""
    path = Path(path)
    try:
        info = os.stat(path)                       # follows symlinks
    except FileNotFoundError:
        info = None
    except OSError as e:
        raise SpecError(f"-o {path}: cannot use this path ({e.strerror}); "
                        "write J somewhere else.") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise SpecError(f"-o {path} is a folder; name a file inside it, e.g. "
                        f"-o {path / 'J.npy'}.")
    if info is not None and not stat.S_ISREG(info.st_mode):
        return path, True
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise SpecError(f"-o {path}: the folder '{folder}' does not exist; create it first.")
    return target, False


_OURS = set()          # temporaries this process created and has not renamed or removed


def temporary_beside(target):
    """A new empty temporary file beside ``target``, named with our pid; its path. It is
    registered before it exists, so that ``remove_temporaries`` finds it whenever a signal
    arrives."""
    import secrets
    folder = target.parent if str(target.parent) else Path(".")
    remove_stale_temporaries(target)
    while True:
        temporary = str(folder / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
        _OURS.add(temporary)
        try:
            os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return temporary
        except FileExistsError:
            _OURS.discard(temporary)
        except OSError as e:
            _OURS.discard(temporary)
            raise _write_error(e, target) from None


def remove_temporaries():
    """Delete every temporary of this process still there (on a signal or a timeout)."""
    for temporary in list(_OURS):
        _unlink(temporary)


def _renamed(temporary, target):
    os.chmod(temporary, 0o666 & ~_umask())
    os.replace(temporary, target)
    _OURS.discard(temporary)


def remove_stale_temporaries(target):
    """Delete the temporary files of ours for ``target`` whose process is gone."""
    folder = target.parent if str(target.parent) else Path(".")
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = _TEMPORARY.match(name)
        if not match or match["name"] != target.name:
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or _alive(pid):
            continue
        try:
            os.unlink(folder / name)
        except OSError:
            pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True                                # someone else's process: leave it
    return True


def _write_error(error, path):
    """A ComputeError sentence for an OSError while writing ``path``."""
    if error.errno == errno.ENOSPC:
        return ComputeError(f"-o {path}: no space left on the device; free some space or "
                            "write J elsewhere.")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ComputeError(f"-o {path}: not allowed to write there ({error.strerror}); "
                            "write J elsewhere.")
    return ComputeError(f"-o {path}: writing J failed ({error.strerror or error}); "
                        "write it elsewhere.")


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        _OURS.discard(path)
    except OSError:
        pass
    else:
        _OURS.discard(path)


def write_file(matrix, layout, fmt, path, writer=None, blocks=True):
    """Write J to ``path``: regular files through a temporary file and a rename (never a
    partial file), devices and FIFOs directly (see the NOTE above). ``writer(matrix, layout,
    fmt, stream)`` serializes (default: ``serialize``, the dense formats, with the .npz
    blocks when ``blocks``)."""
    if writer is None:
        def writer(matrix, layout, fmt, stream):
            if blocks:
                serialize(matrix, layout, fmt, stream)
            else:
                serialize(matrix, layout, fmt, stream, blocks=False)
    target, direct = output_target(path)
    if direct:
        try:
            with open(target, "wb") as f:
                writer(matrix, layout, fmt, _Sequential(f))
        except OSError as e:
            raise _write_error(e, path) from None
        return
    temporary = temporary_beside(target)
    try:
        with open(temporary, "wb") as f:
            writer(matrix, layout, fmt, f)
        _renamed(temporary, target)
    except BaseException as e:
        _unlink(temporary)
        if isinstance(e, OSError):
            raise _write_error(e, path) from None
        raise


class _Sequential(io.RawIOBase):
    """A write-only, unseekable view of a file: NumPy then writes to it with write() calls,
    which FIFOs and devices take, instead of tofile(), which asks for the file position."""

    def __init__(self, f):
        super().__init__()
        self.f, self._closing = f, False

    def writable(self):
        return True

    def write(self, data):
        self.f.write(data)
        return len(data)

    def flush(self):
        if not self.closed and not self._closing:
            self.f.flush()

    def close(self):
        """Closing the view leaves the file to its owner, who flushes it and reports a full
        disk: a flush from here may come from the garbage collector, where no one catches
        its error."""
        self._closing = True
        super().close()


class MappedFile:
    """A temporary file beside ``path`` that the engine may fill as a memory-mapped .npy;
    ``commit()`` renames it to ``path``. Leaving the block without commit deletes it, so a
    failed or interrupted run never leaves a partial file. ``temporary`` is None when
    ``path`` is not a regular file (a device or FIFO cannot be memory-mapped): J is then
    computed in memory and written directly."""

    def __init__(self, path):
        self.path, direct = output_target(path)
        self.temporary = None if direct else temporary_beside(self.path)

    def __enter__(self):
        return self

    def commit(self):
        try:
            _renamed(self.temporary, self.path)
        except OSError as e:
            raise _write_error(e, self.path) from None

    def __exit__(self, *exc):
        if self.temporary is not None:
            _unlink(self.temporary)
        return False


def nothing():
    import contextlib
    return contextlib.nullcontext()


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def stdout_stream():
    """The binary stdout, or None when it is closed."""
    return getattr(sys.stdout, "buffer", None)


def stderr_is_terminal():
    """Whether stderr is a terminal (a person may be watching); a closed stderr is not."""
    return sys.stderr is not None and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def tell_where_bytes_went(what, fmt):
    """Without -o, J's bytes went to a stdout that is not a terminal (the pipe contract):
    when stderr is a terminal, say so once, since `| cat`, `| tee` or a notebook's `!` cell
    print them as binary."""
    if not stderr_is_terminal():
        return
    from jaccli.cli import display
    display.message(f"wrote {what} to stdout as .{fmt} bytes, since stdout is not a terminal "
                    "(for a program reading the pipe); write a file with -o J.npy (or "
                    "-o J.csv for text), or run without a pipe to see a table.")


def stdout_is_terminal():
    """Whether stdout is a terminal; a closed stdout is not."""
    return sys.stdout is not None and sys.stdout.isatty()


def to_numpy(matrix):
    """A float64 NumPy array, also from a CuPy one (without importing CuPy)."""
    if type(matrix).__module__.split(".")[0] == "cupy":
        matrix = matrix.get()
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2:
        raise ComputeError(f"the engine returned a Jacobian of shape {matrix.shape}, "
                           "not a matrix.")
    return matrix
