"""Lazy tangents in a forward sweep (``interpret.jvp_sweep``): chains of elementwise equations
kept as sums of products (``Lin``), and the products of a matmul with one-hot seeds kept as
one line per seed (``Line``), each written out only where a rule needs the array.

NOTE: why. A forward sweep multiplies each elementwise equation's tangents (K seeds x the
value's size) by its partial derivatives, writing one K-sized array per equation, three for
a product with two live tangents (t_x * y, t_y * x, their sum). In the gradient graph of a
Hessian such chains are the bulk of the work: an MLP loss's graph holds
``t = (ct * w) * (1 - h * h)``, eleven K-sized writes per chunk of seeds. A ``Lin`` keeps the
tangent as ``sum_j base_j * coef_j`` instead: ``base_j`` a tangent already written out,
``coef_j`` the product of the partials met on the way (the size of one seed, no K axis). It is
written out once, one product per term, when a rule that is not elementwise reads it (a
matmul, a reduction, a sweep output); the same tangent reached twice (``h * h``) is one term.

Only where it pays and is plain: NumPy tangents of at least ``LAZY_MIN_SIZE`` elements (on
small ones the Python bookkeeping costs more than the writes it saves) and primal operands
without leading (point) axes, so that a coefficient is one seed's size and broadcasts like
the operand. Anything else -- Tracers (a rule traced again), CuPy, points -- takes the rules.
A chain longer than ``MAX_TERMS`` terms is written out on the spot.

NOTE: lines. A Hessian's seeds on a weight matrix W (9 x 50 in the MLP) are one-hot
matrices E_j, and X @ E_j is X's column in one column of zeros: a ``Line`` holds that column
per seed, scales line by line through the elementwise chain, and a later matmul with a
constant takes it without writing it out (``_matmul``: (v e_c^T) @ b is v b[c], ...). A term
``b * coef`` with b broadcast along one axis (``ct[:, None] * w`` in a gradient graph) meets
a constant matrix as one GEMM (``_folded``). The MLP loss's 500 x 500 Hessian: 488 -> 89 ms
on the development machine (scripts/bench_hessian.py).

The arithmetic is the rules' own with the products grouped otherwise (``t * (d1 * d2)`` for
``(t * d1) * d2``): the same tangent to rounding.
"""
import math

import numpy as np

from .primitives import elementwise as ew
from .primitives import linalg as la
from .rules import jvp_rules, lift

LAZY_MIN_SIZE = 1 << 15        # elements of one tangent
MAX_TERMS = 4


class Lin:
    """A tangent ``sum_j lift(base_j) * coef_j`` of logical shape ``shape`` (coef None: 1);
    ``value``: the written-out array, once a rule has asked for it."""
    __slots__ = ("terms", "shape", "value")

    def __init__(self, terms, shape):
        self.terms, self.shape, self.value = terms, shape, None


class Line:
    """A tangent of logical shape ``shape`` (p, m), zero but for one line per seed: seed k
    holds ``values[k]`` in column (``axis`` 1) or row (axis 0) ``index[k]``. A matmul's
    tangent where its other operand is seeded with one-hot matrices (``line_seed``); it
    scales by a coefficient line by line and is written out (zeros, then the lines) only
    when a rule reads it."""
    __slots__ = ("values", "index", "axis", "shape", "value")

    def __init__(self, values, index, axis, shape):
        self.values, self.index, self.axis, self.shape = values, index, axis, tuple(shape)
        self.value = None

    def scaled(self, coef):
        """The lines times ``coef`` (a number or an array broadcasting to ``shape``)."""
        if coef is None:
            return self.values
        if not hasattr(coef, "ndim") or coef.ndim == 0:
            return self.values * coef
        full = np.broadcast_to(coef, self.shape)
        return self.values * (full[:, self.index].T if self.axis == 1 else full[self.index])

    def add_into(self, acc, values):
        """acc (K,) + shape += these lines holding ``values`` (``scaled``'s)."""
        k = np.arange(len(self.index))
        if self.axis == 1:
            acc[k, :, self.index] += values
        else:
            acc[k, self.index, :] += values


def line_seed(e, xs, i, start, stop):
    """A matmul's tangent as a ``Line`` when its input ``i``, seeded with identity rows
    start:stop, meets a constant matrix; None otherwise (the interpreter only: compiled
    programs take ``seed_rules``' dense product)."""
    if not la.one_hot_applies(e, xs, i):
        return None
    return Line(*la.one_hot_lines(xs[1 - i], e.in_shapes[i], i, start, stop))


def written(t):
    """``t`` as an array (a ``Lin`` or ``Line`` written out once, then kept); other values
    unchanged."""
    if type(t) is not Lin and type(t) is not Line:
        return t
    if t.value is None:
        terms = [(t, None)] if type(t) is Line else t.terms
        t.value = _write(terms, t.shape)
        if type(t) is Lin and any(type(b) is not Line for b, _ in terms):
            t.terms = [(t.value, None)]     # later readers: no second product per term
    return t.value


def _write(terms, shape):
    lines = [(b, c) for b, c in terms if type(b) is Line]
    acc, owned = _write_dense([(b, c) for b, c in terms if type(b) is not Line], shape)
    if not lines:
        return acc
    full = (len(lines[0][0].index),) + tuple(shape)
    values = [b.scaled(c) for b, c in lines]
    dtype = np.result_type(*values, *([] if acc is None else [acc]))
    if acc is None:
        acc = np.zeros(full, dtype)
    elif not (owned and acc.shape == full and acc.dtype == dtype):
        acc = np.array(np.broadcast_to(acc, full), dtype)
    for (b, _), v in zip(lines, values):
        b.add_into(acc, v)
    return acc


def _write_dense(terms, shape):
    acc, owned = None, False
    for base, coef in terms:
        term = base if coef is None else base * coef
        if acc is None:                 # a product is a new array (a 0-d one: a scalar)
            acc, owned = term, coef is not None and type(term) is np.ndarray
        elif owned and np.broadcast_shapes(acc.shape, term.shape) == acc.shape and \
                np.result_type(acc, term) == acc.dtype:
            np.add(acc, term, out=acc)
        else:
            acc = acc + term
            owned = type(acc) is np.ndarray
    if acc is None:
        return None, False
    full = acc.shape[:max(acc.ndim - len(shape), 0)] + tuple(shape)
    return (acc, owned) if acc.shape == full else (np.broadcast_to(acc, full), False)


def _plain(x, rank):
    return type(x) is not np.ndarray or x.ndim == rank


def applies(e, xs, ts):
    """Whether equation ``e`` (an elementwise family rule's) may take and give Lins here."""
    big = False
    for t, s in zip(ts, e.in_shapes):
        if t is None:
            continue
        if type(t) is Lin or type(t) is Line:
            big = True
        elif type(t) is not np.ndarray:
            return False
        elif not big:            # the size of the tangent it gives: its leading axes x out
            big = math.prod(t.shape[:t.ndim - len(s)]) * math.prod(e.out.shape) \
                >= LAZY_MIN_SIZE
    if not big:
        return False
    for x, s in zip(xs, e.in_shapes):      # None: a value no forward rule reads (compiled)
        if not (x is None or isinstance(x, (np.ndarray, np.generic, int, float)) and
                _plain(x, len(s))):
            return False
    return True


def pays(graph, seeds):
    """Whether a forward sweep of ``seeds`` seeds over ``graph`` has tangents large enough
    for lazy chains (then the interpreter, not a compiled program, sweeps it)."""
    return seeds * max((math.prod(e.out.shape) for e in graph.eqns), default=0) >= \
        LAZY_MIN_SIZE


def _terms(t, rank, shape):
    """The terms of tangent ``t`` (logical rank ``rank``) lifted to the rank of ``shape``;
    a ``Line`` stays one where it has that shape, else is written out."""
    r = len(shape)
    terms = t.terms if type(t) is Lin else [(t, None)]
    return [(b if type(b) is Line and b.shape == tuple(shape) else
             lift(written(b), rank, r), c)                # coefficients carry no lead axes
            for b, c in terms]


def _scaled(terms, d):
    if type(d) in (int, float) and d == 1:
        return terms
    kind = getattr(getattr(d, "dtype", None), "kind", "f")
    if kind not in "fc":        # boolean or integer partials: as they would promote a tangent
        d = d.astype(np.result_type(d.dtype, np.float32))       # (True + True is True)
    return [(b, d if c is None else c * d) for b, c in terms]


def _combine(groups, shape):
    """One Lin from lists of terms: the same base once, its coefficients added."""
    merged = {}
    for terms in groups:
        for b, c in terms:
            old = merged.get(id(b))
            if old is None:
                merged[id(b)] = (b, c)
            else:
                merged[id(b)] = (b, (1.0 if old[1] is None else old[1]) +
                                 (1.0 if c is None else c))
    terms = list(merged.values())
    lin = Lin(terms, shape)
    if len(terms) > MAX_TERMS:
        written(lin)
    return lin


def _unary(e, xs, out, ts):
    d = e.prim.partials[0](xs[0], out)
    return _combine([_scaled(_terms(ts[0], len(e.in_shapes[0]), e.out.shape), d)],
                    e.out.shape)


def _neg(e, xs, out, ts):
    return _combine([_scaled(_terms(ts[0], len(e.in_shapes[0]), e.out.shape), -1.0)],
                    e.out.shape)


def _binary(e, xs, out, ts):
    r = len(e.out.shape)
    lifted = [lift(x, len(s), r) if hasattr(x, "ndim") else x
              for x, s in zip(xs, e.in_shapes)]
    groups = []
    for i, (t, s) in enumerate(zip(ts, e.in_shapes)):
        d = e.prim.partials[i]
        if t is None or d is None:
            continue
        if callable(d):
            d = d(*lifted, out)
        groups.append(_scaled(_terms(t, len(s), e.out.shape), d))
    return _combine(groups, e.out.shape) if groups else None


def _lazy_terms(t):
    """The (base, coef) terms of ``t`` while it is not written out, else None."""
    if type(t) is Line:
        return [(t, None)]
    return t.terms if type(t) is Lin and t.value is None else None


def _matmul(e, xs, out, ts):
    """A matmul with a lazy tangent across from a plain matrix or vector, term by term,
    without writing that tangent out: a line's product -- (v e_c^T) @ b is v b[c],
    C @ (v e_c^T) is (C v) e_c^T, ... -- and a product with a tangent broadcast along the
    other axis folded into one GEMM (``_folded``); the other terms, and another live
    tangent, take the rule. None where no term is taken so (the interpreter runs the rule)."""
    parts, dense = [], []
    for i, t in enumerate(ts):
        if t is None:
            continue
        c, terms = xs[1 - i], _lazy_terms(t)
        if terms is None or len(e.in_shapes[i]) != 2 or type(c) is not np.ndarray or \
                c.ndim != len(e.in_shapes[1 - i]) or c.ndim not in (1, 2):
            terms = []
        rest = []
        for b, coef in terms:
            part = _line_product(b.scaled(coef), b.index, b.axis, c, i, e.out.shape) \
                if type(b) is Line else _folded(b, coef, c, i, e.in_shapes[i])
            if part is None:
                rest.append((b, coef))
            else:
                parts.append(part)
        if rest or not terms:
            dense.append((i, rest if terms else None, t))
    if not parts:
        return None
    for i, rest, t in dense:                  # the rule, on what no line or fold took
        one = [(written(t) if rest is None else _write(rest, e.in_shapes[i])) if j == i
               else None for j in range(2)]
        parts.append(jvp_rules[la.matmul_p](e, xs, out, one))
    return _combine([[(p, None)] for p in parts], e.out.shape)


def _folded(b, coef, c, i, shape):
    """C @ (b * coef) with b (K, p, 1) broadcast along the columns, as (C * b_k) @ coef: one
    GEMM, no (K, p, m) product written (a gradient graph's ``(ct[:, None] * w) * s``); or
    (b * coef) @ C with b (K, 1, m), as coef @ (b_k * C). None for any other term."""
    if coef is None or not hasattr(coef, "ndim") or c.ndim != 2 or type(b) is not np.ndarray \
            or b.ndim != 3:
        return None
    (p, m), K = shape, b.shape[0]
    if i == 1 and b.shape[2] == 1 and b.shape[1] == p and coef.ndim == 2:
        cb = (c[None] * b[:, :, 0][:, None, :]).reshape(-1, p)        # (K q, p)
        return (cb @ np.broadcast_to(coef, (p, m))).reshape(K, c.shape[0], m)
    if i == 0 and b.shape[1] == 1 and b.shape[2] == m and coef.ndim == 2:
        return np.matmul(np.broadcast_to(coef, (p, m)), b[:, 0, :, None] * c[None])
    return None


def _line_product(v, index, axis, c, i, shape):
    """The product of lines ``v`` (K, L) at ``index`` along ``axis`` (the tangent operand,
    input ``i`` of the matmul) with the constant ``c``: a Line or an array."""
    if i == 0 and c.ndim == 2:                   # T @ C
        if axis == 0:
            return Line(v @ c, index, 0, shape)
        return v[:, :, None] * c[index][:, None, :]
    if c.ndim == 2:                              # C @ T
        if axis == 1:
            return Line(v @ c.T, index, 1, shape)
        return c[:, index].T[:, :, None] * v[:, None, :]
    if axis == 1 - i:                            # T @ c across rows, c @ T across columns
        return v * c[index][:, None]
    res = np.zeros((len(index),) + tuple(shape), np.result_type(v, c))   # one entry a seed
    res[np.arange(len(index)), index] = v @ c
    return res


# by the rule an equation's primitive has (any primitive made by defunary, defbinary,
# deflinear_binary, wherever it is defined): the lazy rule repeating its arithmetic
LAZY_RULES = {jvp_rules[ew.sin_p]: _unary, jvp_rules[ew.mul_p]: _binary,
              jvp_rules[ew.add_p]: _binary, jvp_rules[ew.neg_p]: _neg}
LINE_SEEDS = {la.matmul_p: line_seed}     # seed rules giving lazy tangents (interpreter only)
LINE_RULES = {la.matmul_p: _matmul}       # rules taking them without writing them out
