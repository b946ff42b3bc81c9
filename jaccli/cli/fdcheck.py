"""`jaccli check`: compare forward and reverse AD with central finite differences.

Column j uses the step h_j = eps^(1/3) * max(1, |x_j|), which balances the truncation error
(~h^2) against rounding (~eps |f| / h). Entry (i, j) passes when

    |J_ad - J_fd| <= rtol * max(1, |J_ad|) + 100 * eps * max(1, |f_i|) / h_j

and forward against reverse passes when |J_fwd - J_rev| <= rtol * max(1, |J_fwd|).
"""

import numpy as np

EPS = np.finfo(np.float64).eps


def steps(inputs):
    flat = np.concatenate([np.ravel(x) for x in inputs]) if inputs else np.zeros(0)
    return np.cbrt(EPS) * np.maximum(1.0, np.abs(flat))


def central_differences(evaluate, inputs, h):
    """(M, N) matrix of (f(x + h_j e_j) - f(x - h_j e_j)) / (2 h_j), one column at a time;
    `evaluate(inputs)` returns the tuple of outputs as plain arrays."""
    columns, j = [], 0
    for k, x in enumerate(inputs):
        x = np.asarray(x, dtype=np.float64)
        for index in range(x.size):
            shifted = []
            for sign in (1.0, -1.0):
                moved = x.copy().reshape(-1)
                moved[index] += sign * h[j]
                args = list(inputs)
                args[k] = moved.reshape(x.shape)
                shifted.append(_flat(evaluate(args)))
            columns.append((shifted[0] - shifted[1]) / (2.0 * h[j]))
            j += 1
    return np.stack(columns, axis=1) if columns else np.zeros((0, 0))


def _flat(outputs):
    return np.concatenate([np.ravel(np.asarray(out, dtype=np.float64)) for out in outputs])


def compare(name, a, b, allowed, layout):
    """One row of the report: largest differences of a against b and whether all pass."""
    diff = np.abs(a - b)
    scale = np.maximum(np.abs(a), np.abs(b))
    rel = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    excess = diff - allowed
    nan = ~np.isfinite(diff)
    ok = bool(np.all(excess[~nan] <= 0)) and not np.any(nan & ~(np.isnan(a) & np.isnan(b)))
    where = "-"
    if diff.size:
        worst = int(np.nanargmax(np.where(nan, np.inf, excess)))
        i, j = divmod(worst, a.shape[1])
        where = f"{layout.row_label(i)}, {layout.col_label(j)}"
    return {"pair": name, "abs": float(np.nanmax(diff)) if diff.size else 0.0,
            "rel": float(np.nanmax(rel)) if rel.size else 0.0, "where": where, "ok": ok}


def check_rows(j_fwd, j_rev, j_fd, outputs, h, rtol, layout):
    f_scale = np.maximum(1.0, np.abs(_flat(outputs)))[:, None]
    fd_allowed = 100 * EPS * f_scale / h[None, :]
    rows = [compare("fwd vs rev", j_fwd, j_rev, rtol * np.maximum(1.0, np.abs(j_fwd)), layout)]
    for name, j_ad in (("fwd vs FD", j_fwd), ("rev vs FD", j_rev)):
        allowed = rtol * np.maximum(1.0, np.abs(j_ad)) + fd_allowed
        rows.append(compare(name, j_ad, j_fd, allowed, layout))
    return rows
