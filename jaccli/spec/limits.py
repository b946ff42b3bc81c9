"""What a spec may expand to, so that a hostile or unlucky spec fails at once with a sentence
instead of running without bound in time or memory.

NOTE: the fixed limits are far above what a hand-written spec needs (a large input belongs in
a .npy file, a long computation in a Python module) and low enough that checking them, and
everything that runs after them, stays well under a second and a few MB:
- SPEC_BYTES: the size of a YAML spec file (PyYAML reads about 1 MB a second);
- YAML_VALUES: values in the YAML document, aliases counted every time they are used (a
  418-byte "billion laughs" expands to 10^9);
- YAML_DEPTH: nesting of YAML mappings and lists;
- VALUE_DEPTH: nesting of a number list (an array of at most 32 dimensions);
- EXPRESSION_CHARS and EXPRESSION_DEPTH: length and nesting of one expression (the parser,
  checker and evaluator walk it recursively);
- LET_ENTRIES: entries under let:.
The memory budget (``Limits.memory_bytes``) bounds every array a spec creates: a
``{shape: ...}`` input, a .npy file, and the result of tile, repeat, outer, eye, broadcasting
and the like, checked before it is allocated.
"""

import math
from dataclasses import dataclass

from jaccli.memory import available_memory, format_bytes
from jaccli.spec.errors import SpecError

SPEC_BYTES = 256 * 1024
YAML_VALUES = 1_000_000
YAML_DEPTH = 100
VALUE_DEPTH = 32
EXPRESSION_CHARS = 10_000
EXPRESSION_DEPTH = 200
LET_ENTRIES = 1_000


@dataclass
class Limits:
    """Per-run limits of a spec: ``memory_bytes`` (None: the memory available now) bounds
    every array it creates; ``inputs_under`` (None: anywhere) is the folder its ``file:``
    inputs must lie in."""

    memory_bytes: int = None
    inputs_under: str = None

    def budget(self):
        """(bytes an array may take, the words that say why)."""
        available = available_memory()
        if self.memory_bytes is not None and self.memory_bytes <= available:
            return int(self.memory_bytes), \
                f"the memory limit {format_bytes(self.memory_bytes)} is too small for it"
        return available, f"only {format_bytes(available)} of memory is available"

    def check_values(self, count, where, what, itemsize=8):
        """Refuse, before allocating it, an array of ``count`` values over the budget."""
        needed = int(count) * itemsize
        if needed <= 64 * 1024 ** 2 and (self.memory_bytes is None
                                         or needed <= self.memory_bytes):
            return                                  # no /proc read for everyday sizes
        budget, why = self.budget()
        if needed > budget:
            hint = "raise --memory-limit or " if "limit" in why else ""
            raise SpecError(f"{where}: {what} needs {format_bytes(needed)} but {why}; "
                            f"{hint}use smaller sizes.")

    def check_shape(self, shape, where, what=None):
        what = what or f"an array of shape {list(shape)}"
        self.check_values(math.prod(shape), where, what)


NO_LIMITS = Limits()


def too_deep(where, limit, what="nested"):
    return SpecError(f"{where}: {what} too deeply (limit {limit}); flatten it, or move the "
                     "data to a .npy file.")
