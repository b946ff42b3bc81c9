"""Run before each release: thousands of random NumPy programs (tests/programs.py) through
jaccli, fwd, rev and batched=, against central differences; prints the counts per verdict
and every wrong or raw result with its program. Exit status 1 if any was wrong or raw.

    python scripts/random_programs.py [COUNT] [FIRST_SEED]
"""
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.programs import check  # noqa: E402


def main(argv):
    count = int(argv[0]) if argv else 2000
    first = int(argv[1]) if len(argv) > 1 else 0
    counts, bad = collections.Counter(), []
    start = time.perf_counter()
    for seed in range(first, first + count):
        verdict, detail = check(seed)
        counts[verdict] += 1
        if verdict in ("wrong", "raw"):
            bad.append((seed, verdict, detail))
    for seed, verdict, detail in bad:
        print(f"---- seed {seed}: {verdict}\n{detail}")
    print(f"{count} programs in {time.perf_counter() - start:.1f} s: "
          + ", ".join(f"{k} {counts[k]}" for k in ("agreed", "refused", "skipped", "wrong",
                                                    "raw")))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
