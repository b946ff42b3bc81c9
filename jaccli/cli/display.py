"""Everything the commands show people: one rich Console on stderr for messages, plus tables.
rich is imported on first use, so a run that prints nothing does not pay for it."""

import numpy as np

SMALL_ROWS = 40          # a table on the terminal has at most this many rows
_console = None


def console():
    """The one Console for messages; it writes to whatever sys.stderr is at print time."""
    global _console
    if _console is None:
        from rich.console import Console
        _console = Console(stderr=True, highlight=False)
    return _console


def reset():
    """Forget the console (tests swap sys.stderr between runs)."""
    global _console
    _console = None


def stdout_console():
    from rich.console import Console
    return Console(highlight=False)


def message(text, style=None):
    console().print(text, style=style, markup=False, soft_wrap=True)


def error(text):
    from rich.text import Text
    console().print(Text("error: ", style="bold red") + Text(str(text)), soft_wrap=True)


def warning(text):
    from rich.text import Text
    console().print(Text("warning: ", style="bold yellow") + Text(str(text)), soft_wrap=True)


def jacobian_view(matrix, layout, mode, width=None):
    """J as a table when it fits the terminal (``width`` columns, default the console's):
    with 8 significant digits if they fit, else transposed, else with 6 or 4 digits; a
    summary when none of these fits."""
    from rich.table import Table
    M, N = matrix.shape
    width = width or console().width
    title = f"J: {M} x {N}, {mode} mode"
    fitted = fit_table(matrix, layout.row_labels, layout.col_labels, width)
    if fitted is not None:
        digits, transposed, rows, cols, cells = fitted
        notes = []
        if transposed:
            title += ", transposed (rows: inputs, columns: outputs)"
        if digits < TABLE_DIGITS[0]:
            notes.append(f"{digits} significant digits to fit {width} columns; "
                         "-o J.csv keeps all 17")
        table = Table(title=title, title_justify="left", caption="; ".join(notes) or None,
                      caption_justify="left")
        table.add_column("", no_wrap=True)
        for label in cols:
            table.add_column(label, justify="right", no_wrap=True)
        for label, row in zip(rows, cells):
            table.add_row(label, *row)
        return table
    table = Table(title=title, title_justify="left", show_header=False,
                  caption=f"too large for a table {width} columns wide; save it with "
                          "-o J.npy or -o J.csv", caption_justify="left")
    finite = matrix[np.isfinite(matrix)]
    table.add_row("rows (outputs)", _names(layout.out_names, layout.out_shapes))
    table.add_row("columns (inputs)", _names(layout.in_names, layout.in_shapes))
    table.add_row("nonzeros", f"{np.count_nonzero(matrix)} of {matrix.size} "
                              f"({np.count_nonzero(matrix) / max(matrix.size, 1):.1%})")
    if finite.size:
        table.add_row("min / max", f"{finite.min():.6g} / {finite.max():.6g}")
        table.add_row("Frobenius norm", f"{np.linalg.norm(finite):.6g}")
    return table


TABLE_DIGITS = (8, 6, 4)


def fit_table(matrix, row_labels, col_labels, width):
    """(digits, transposed, row labels, column labels, cell texts) of the first layout of
    ``matrix`` whose table is at most ``width`` characters wide and SMALL_ROWS rows long:
    8 digits, 8 transposed, 6, 6 transposed, 4, 4 transposed; None if none is. The labels
    are functions, called only when a table may fit."""
    M, N = matrix.shape
    # NOTE: a rich table with a box takes 1 + (w + 3) per column (a border and a space on
    # each side); a column is at least 2 characters wide, which bounds what can fit at all.
    if not any(rows <= SMALL_ROWS and 5 * cols <= width for rows, cols in ((M, N), (N, M))):
        return None
    labels = None
    for digits in TABLE_DIGITS:
        for transposed in (False, True):
            shown = matrix.T if transposed else matrix
            if shown.shape[0] > SMALL_ROWS or shown.shape[1] * 5 > width:
                continue
            if labels is None:
                labels = (list(row_labels()), list(col_labels()))
            rows, cols = labels[::-1] if transposed else labels
            cells = [[f"{v:.{digits}g}" for v in row] for row in shown]
            widths = [max([len(r) for r in rows] + [0])] + [
                max([len(cols[j])] + [len(row[j]) for row in cells]) for j in range(len(cols))]
            if 1 + sum(w + 3 for w in widths) <= width:
                return digits, transposed, rows, cols, cells
    return None


def _names(names, shapes):
    return ", ".join(f"{n} {list(s)}" if s else n for n, s in zip(names, shapes))


def plan_view(plan_dict, layout):
    from rich.table import Table
    sizes = Table(title="Inputs (columns) and outputs (rows)", title_justify="left")
    for column in ("", "name", "shape", "size"):
        sizes.add_column(column, justify="right" if column == "size" else "left")
    for kind, names, shapes in (("input", layout.in_names, layout.in_shapes),
                                ("output", layout.out_names, layout.out_shapes)):
        for name, shape in zip(names, shapes):
            sizes.add_row(kind, name, str(list(shape)), str(int(np.prod(shape))))
    modes = Table(title=f"M = {plan_dict['M']} rows, N = {plan_dict['N']} columns, "
                        f"J {_bytes(plan_dict.get('jacobian_bytes'))}", title_justify="left")
    for column in ("mode", "seeds", "sweeps", "chunk size", "peak memory", "est. time"):
        modes.add_column(column, justify="left" if column == "mode" else "right")
    for name, info in plan_dict.get("modes", {}).items():
        chosen = "" if name != plan_dict["mode"] else \
            " (dense pick)" if plan_dict.get("compressed") else " (chosen)"
        peak = _bytes(info.get("peak_bytes"))
        if info.get("fits") is False:
            peak += " (over budget)"
        modes.add_row(name + chosen, str(info.get("seeds", "-")), str(info.get("sweeps", "-")),
                      str(info.get("chunk_size", "-")), peak, _seconds(info.get("est_seconds")))
    return sizes, modes


ROUGH = ("Estimates are rough: measured runs are often 2-5x slower (writing a memory-mapped J "
         "to disk is not counted).")


def print_plan(plan_dict, layout, to=None):
    """The plan's tables, its sentence and how rough the estimates are, on ``to`` (default:
    the message console), the text wrapped between words to the console's width."""
    to = to or console()
    for table in plan_view(plan_dict, layout):
        to.print(table)
    to.print(plan_sentence(plan_dict), markup=False)
    to.print(ROUGH, markup=False)


_MODE_WORDS = {"fwd": "one seed per input column", "rev": "one seed per output row"}
_COMPRESSED_WORDS = {
    "fwd": "J is sparse: input columns that share no output row get one seed together",
    "rev": "J is sparse: output rows that share no input column get one seed together",
    "bi": "J is sparse: forward seeds shared by columns, and reverse seeds shared by "
          "rows, that do not overlap"}


def plan_sentence(plan_dict):
    """'chosen: fwd mode (one seed per input column), chunk size 64. Why: <reason>.'"""
    mode = plan_dict["mode"]
    text = (f"chosen: {mode} mode ({_MODE_WORDS.get(mode, mode)}), chunk size "
            f"{plan_dict['chunk_size']}. Why: {plan_dict['reason']}.")
    compressed = plan_dict.get("compressed")
    if compressed:
        word = {"fwd": "forward", "rev": "reverse", "bi": "forward-and-reverse"}.get(
            compressed, compressed)
        text = (f"chosen: compressed {word} sweeps "
                f"({_COMPRESSED_WORDS.get(compressed, compressed)}). Why: "
                f"{plan_dict['sparse_reason']}. Dense, it would be: {plan_dict['reason']}.")
    elif plan_dict.get("sparse_reason"):
        text += f" Sparse: {plan_dict['sparse_reason']}."
    return text


def cluster_sentence(split):
    """'cluster (--workers 4): 16 tasks of 512 seeds ..., or why a cluster does not pay."""
    return (f"cluster (--workers {split['workers']}): {split['reason']}; "
            f"{_bytes(split['block_bytes'])} per task's block.")


def _seconds(s):
    from jaccli.memory import format_seconds
    return "-" if s is None else format_seconds(s)


def _bytes(n):
    from jaccli.memory import format_bytes
    return "?" if n is None else format_bytes(n)


def check_view(rows, passed):
    from rich.table import Table
    table = Table(title="Jacobian check: forward, reverse and central differences",
                  title_justify="left")
    for column in ("compared", "max abs diff", "max rel diff", "worst entry", "ok"):
        table.add_column(column, justify="right" if "diff" in column else "left",
                         no_wrap=column != "worst entry", overflow="fold")
    for row in rows:
        table.add_row(row["pair"], f"{row['abs']:.3g}", f"{row['rel']:.3g}", row["where"],
                      "yes" if row["ok"] else "NO", style=None if row["ok"] else "red")
    return table


class ChunkProgress:
    """Feedback while the engine runs, on stderr and only when stderr is a terminal: a spinner
    at first, then, for a run of more than one chunk that lasts over about a second, a
    progress bar with chunks done, seeds per second and the time left."""

    SHOW_AFTER = 1.0     # seconds: elapsed, or projected for the whole run after a chunk

    def __init__(self, title, stream=None):
        import sys
        import time
        self.title, self.now = title, time.perf_counter
        stream = stream if stream is not None else sys.stderr
        self.active = bool(getattr(stream, "isatty", lambda: False)())
        self.status = self.bar = self.task = None
        self.chunk_size = self.started = None

    def __enter__(self):
        if self.active:
            self._spin(f"computing the {self.title}")
        return self

    def __exit__(self, *exc):
        self.pause()
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
        return False

    def pause(self):
        if self.status is not None:
            self.status.stop()
            self.status = None

    def start(self, plan):
        """The plan is made: the sweeps start now."""
        self.chunk_size, self.started = plan.chunk_size, self.now()
        if self.active and self.status is None:
            self._spin(f"computing the {self.title} ({plan.mode} mode)")

    def update(self, done, total):
        if not self.active or self.started is None or total <= self.chunk_size:
            return
        elapsed = self.now() - self.started
        if self.bar is None:
            projected = elapsed * total / max(done, 1)
            if done >= total or (elapsed < self.SHOW_AFTER and projected < 2 * self.SHOW_AFTER):
                return
            self._show(total)
        chunks = -(-total // self.chunk_size)
        rate = done / elapsed if elapsed > 0 else 0.0
        self.bar.update(self.task, completed=done,
                        chunks=f"chunk {-(-done // self.chunk_size)}/{chunks}",
                        rate=f"{rate:,.0f} seeds/s")

    def _spin(self, text):
        self.status = console().status(text)
        self.status.start()

    def _show(self, total):
        from rich.progress import (BarColumn, Progress, TaskProgressColumn, TextColumn,
                                   TimeRemainingColumn)
        self.pause()
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            TaskProgressColumn(), TextColumn("{task.fields[chunks]}"),
                            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                            console=console(), transient=True)
        self.task = self.bar.add_task(self.title, total=total, chunks="", rate="")
        self.bar.start()
