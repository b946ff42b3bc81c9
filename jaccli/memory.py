"""How much memory there is, and sizes in words: shared by the planner and the spec loader."""
import os


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
