"""Everything the commands show people: one rich Console on stderr for messages, plus tables.
rich is imported on first use, so a run that prints nothing does not pay for it."""

import numpy as np

SMALL_ROWS, SMALL_COLS = 40, 8
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


def jacobian_view(matrix, layout, mode):
    """A table of J when it is small, else a summary; for a terminal."""
    from rich.table import Table
    M, N = matrix.shape
    title = f"J: {M} x {N}, {mode} mode"
    if M <= SMALL_ROWS and N <= SMALL_COLS:
        table = Table(title=title, title_justify="left")
        table.add_column("")
        for label in layout.col_labels():
            table.add_column(label, justify="right")
        for i, label in enumerate(layout.row_labels()):
            table.add_row(label, *(f"{v:.8g}" for v in matrix[i]))
        return table
    table = Table(title=title, title_justify="left", show_header=False,
                  caption="too large to show; save it with -o J.npy", caption_justify="left")
    finite = matrix[np.isfinite(matrix)]
    table.add_row("rows (outputs)", _names(layout.out_names, layout.out_shapes))
    table.add_row("columns (inputs)", _names(layout.in_names, layout.in_shapes))
    table.add_row("nonzeros", f"{np.count_nonzero(matrix)} of {matrix.size} "
                              f"({np.count_nonzero(matrix) / max(matrix.size, 1):.1%})")
    if finite.size:
        table.add_row("min / max", f"{finite.min():.6g} / {finite.max():.6g}")
        table.add_row("Frobenius norm", f"{np.linalg.norm(finite):.6g}")
    return table


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
    modes = Table(title=f"M = {plan_dict['M']} rows, N = {plan_dict['N']} columns",
                  title_justify="left")
    per_mode = plan_dict.get("modes", {})
    keys = list(dict.fromkeys(k for info in per_mode.values() for k in info))
    modes.add_column("mode")
    for key in keys:
        modes.add_column(key.replace("_", " ").replace("bytes", "memory"), justify="right")
    for name, info in per_mode.items():
        chosen = " (chosen)" if name == plan_dict["mode"] else ""
        modes.add_row(name + chosen, *(_cell(key, info.get(key)) for key in keys))
    return sizes, modes


def _cell(key, value):
    if value is None:
        return "-"
    if key.endswith("bytes"):
        return _bytes(value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def _bytes(n):
    from jaccli.spec.values import format_bytes
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
