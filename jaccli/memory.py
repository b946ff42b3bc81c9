"""How much memory there is, and sizes and times in words: shared by the planner, the API and
the command line."""
import math
import os
import re

_UNITS = {"": 1, "b": 1,
          "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$", re.IGNORECASE)


def available_memory():
    """Bytes of memory available now: Linux MemAvailable, else the physical memory, else a
    conservative 4 GiB guess."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 4 * 1024 ** 3


def format_bytes(n):
    """``1234567`` -> ``'1.2 MB'`` (powers of 1000)."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if n < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000


def format_seconds(s):
    """``0.0123`` -> ``'12.3 ms'``: microseconds below 1 ms, seconds below a minute, then
    minutes, hours and days, and ``'> 1 year'`` beyond a year."""
    if s < 1e-3:
        return f"{s * 1e6:.0f} us"
    if s < 1:
        return f"{s * 1e3:.1f} ms"
    if s < 60:
        return f"{s:.2f} s"
    for unit, size, below in (("min", 60, 3600), ("h", 3600, 86400), ("days", 86400, _YEAR)):
        if s < below:
            return f"{s / size:.1f} {unit}"
    return "> 1 year"


_YEAR = 365.25 * 86400


def parse_size(text):
    """Bytes in a size such as '2GB' (10^9), '64MiB' or '64M' (2^20), '512kb', '1e6'.

    Raises ValueError with a sentence saying what is accepted."""
    match = _SIZE.match(str(text))
    unit = match[2].lower() if match else None
    if not match or unit not in _UNITS:
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a size; write e.g. 2GB, 512MB or 64MiB") \
                from None
        unit, number = "", value
    else:
        number = float(match[1])
    if not math.isfinite(number):
        raise ValueError(f"'{text}' is not a finite size; write e.g. 2GB")
    size = int(number * _UNITS[unit])
    if size <= 0:
        raise ValueError(f"'{text}' is not a positive size; write e.g. 2GB")
    return size


# NOTE: the allocator. A sweep's intermediates are fresh arrays of a few MB (a Hessian of an
# MLP loss: (8, 1000, 50) tangents), freed at the end of the sweep. glibc's defaults hand such
# memory back to the OS after every sweep (its trim threshold follows the largest freed block)
# and the next sweep page-faults it in again: the 500 x 500 MLP Hessian of
# scripts/bench_hessian.py took 335 ms of CPU, 116-144 ms with freed memory kept (same box,
# interleaved). So jaccli asks glibc, once at import, to keep up to TRIM_BYTES of freed memory
# and to serve blocks up to MMAP_BYTES from it. Larger blocks keep coming from fresh mmaps:
# their zeros are the kernel's, lazily (a 32 MB np.zeros served from reused memory is cleared
# by hand first: with MMAP_BYTES at 32 MiB the first 2000 x 2000 Hessian of bench_hessian
# took 8-17 ms instead of 4 in one run of three). JACCLI_MALLOC=0 in the environment leaves
# the allocator alone; elsewhere than glibc this does nothing.
MMAP_BYTES = 8 * 1024 ** 2
TRIM_BYTES = 64 * 1024 ** 2


def tune_allocator(environ=os.environ):
    """Keep freed memory for the next sweep (the NOTE above); True when glibc took it."""
    if environ.get("JACCLI_MALLOC", "1") == "0":
        return False
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_BYTES)) and \
            bool(libc.mallopt(M_TRIM_THRESHOLD, TRIM_BYTES))
    except (OSError, AttributeError):
        return False
