"""Sparsity patterns from the graph: which input elements each element of each value can
depend on, found by propagating index sets through the equations (never by probing values).

A pattern is a boolean ``scipy.sparse.csr_array`` of shape (size of the value, N): row r holds
the columns (flat positions over all differentiated inputs) that element r may depend on.
Each equation maps its inputs' patterns to its output's with one of a few vectorised
families, chosen from the primitive:

- index maps (reshape, transpose, getitem, setitem, concatenate, ...): every output element is
  one input element or a constant. The primitive's own impl is applied to arrays of element
  *numbers*; the result says which input row each output row is. A gather of rows.
- elementwise: the union of the (broadcast) operands' rows; a constant factor that is zero
  (``x * c`` with ``c == 0``) or a constant ``where`` condition removes rows.
- groups (sum, max, cumsum, ...): output row k is the union of the input rows reduced into it:
  a product with a 0/1 grouping matrix.
- matmul: the constant operand's nonzeros (zeros in a constant are zeros); a traced operand
  counts as dense.
- dense per matrix (solve, inv, det, decompositions, einsum, sort): every output element of a
  matrix (line, stack entry) depends on every input element of the same one.

NOTE: a superset, always. Nothing here reads a traced value, so the pattern holds wherever the
graph does: everywhere when the trace recorded no value-dependent decision (*global*), at this
point otherwise (*local*). Cancellation (``x - x``) is not seen: such zeros stay in the pattern.
"""
import math

import numpy as np
import scipy.sparse as sp

from ..ir import Var
from ..rules import impl_rules, nondiff, primitives


class DensePattern(Exception):
    """Propagation stopped: a value's pattern grew past the size limit (the Jacobian is
    clearly dense, or too large to track element by element)."""


# ---------------------------------------------------------------- csr helpers

def _empty(rows, n):
    return sp.csr_array((rows, n), dtype=bool)


def identity_block(size, offset, n):
    """Element i of an input laid out at ``offset`` depends on column offset + i."""
    return sp.csr_array((np.ones(size, bool), np.arange(offset, offset + size),
                         np.arange(size + 1)), shape=(size, n))


MAX_RUNS = 256      # a gather of fewer contiguous runs than this copies slices, no index


def gather_rows(P, rows):
    """The csr array whose row r is ``P[rows[r]]`` (an empty row where rows[r] < 0)."""
    return gather_from([P], rows)


def gather_from(sources, rows):
    """Row r of the result is row ``rows[r]`` of the sources stacked one above the other
    (an empty row where rows[r] < 0). Index maps give few contiguous runs (a slice, an
    assignment into a slice, a concatenation): those are copied as slices of the sources'
    arrays, in O(rows + nnz); anything else goes through one fancy row index."""
    rows = np.asarray(rows, dtype=np.int64).ravel()
    offsets = np.cumsum([0] + [p.shape[0] for p in sources])
    cut = np.diff(rows) != 1
    cut |= rows[:-1] < 0
    if len(sources) > 1:
        cut |= np.isin(rows[1:], offsets[1:-1])
    starts = np.concatenate([[0], np.flatnonzero(cut) + 1]) if rows.size else np.zeros(0, int)
    if starts.size > MAX_RUNS:
        return _fancy(stack_rows(sources), rows)
    if len(sources) == 1 and starts.size == 1 and rows.size == sources[0].shape[0] \
            and rows[0] == 0:
        return sources[0]                                   # the identity map
    ends = np.append(starts[1:], rows.size)
    ptrs, pieces, total = [], [], 0
    for a, b in zip(starts.tolist(), ends.tolist()):        # runs, not rows
        r0 = int(rows[a])
        if r0 < 0:
            ptrs.append(np.full(b - a, total, dtype=np.int64))
            continue
        k = int(np.searchsorted(offsets, r0, side="right")) - 1
        P, lo = sources[k], r0 - int(offsets[k])
        first = int(P.indptr[lo])
        ptrs.append(P.indptr[lo:lo + b - a] - first + total)
        pieces.append(P.indices[first:P.indptr[lo + b - a]])
        total += int(P.indptr[lo + b - a]) - first
    index = np.int32 if total < 2 ** 31 else np.int64      # one dtype: no upcast copy
    indptr = np.concatenate(ptrs + [np.array([total])]).astype(index, copy=False)
    indices = np.concatenate(pieces).astype(index, copy=False) if pieces else \
        np.zeros(0, index)
    return _canonical_flags(sp.csr_array((np.ones(total, bool), indices, indptr),
                                         shape=(rows.size, sources[0].shape[1])))


def _fancy(P, rows):
    if rows.size and rows.min() < 0:                   # an empty row at the end for -1
        P = stack_rows([P, _empty(1, P.shape[1])])
        rows = np.where(rows < 0, P.shape[0] - 1, rows)
    return _canonical_flags(P[rows])


def stack_rows(pats):
    """Patterns one above the other, as one csr array (a cheap ``scipy.sparse.vstack``)."""
    if len(pats) == 1:
        return pats[0]
    nnz = np.cumsum([0] + [p.nnz for p in pats])
    indptr = np.concatenate([p.indptr[:-1] + k for p, k in zip(pats, nnz)] + [nnz[-1:]])
    indices = np.concatenate([p.indices for p in pats])
    out = sp.csr_array((np.ones(indices.size, bool), indices, indptr),
                       shape=(sum(p.shape[0] for p in pats), pats[0].shape[1]))
    return _canonical_flags(out)


def _canonical_flags(P):
    """Rows of canonical patterns stay sorted and duplicate-free: tell scipy so."""
    P.has_canonical_format = True
    return P


def _group_union(P, groups, count):
    """Row g of the result: the union of the rows r of P with groups[r] == g (< 0: none)."""
    groups = np.asarray(groups, dtype=np.int64).ravel()
    keep = groups >= 0
    G = sp.csr_array((np.ones(int(keep.sum()), bool), (groups[keep], np.flatnonzero(keep))),
                     shape=(count, P.shape[0]))
    return _canonical(G @ P)


def _canonical(P):
    P = sp.csr_array(P, dtype=bool)
    P.sum_duplicates()
    return P


def _union(parts):
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    out = parts[0]
    for p in parts[1:]:
        out = out.maximum(p) if p is not out else out
    return _canonical_flags(out)


def _numbers(shape, offset=0):
    return np.arange(offset, offset + math.prod(shape), dtype=np.int64).reshape(shape)


def _broadcast_rows(in_shape, out_shape):
    """For each element of ``out_shape``, the element of ``in_shape`` broadcast into it."""
    return np.broadcast_to(_numbers(in_shape), out_shape)


# ---------------------------------------------------------------- the families

def index_map_rule(impl):
    return lambda e, pats, xs: _index_map(e, pats, impl)


def _index_map(e, pats, impl):
    """Each output element is one element of one input, or a constant: run ``impl`` on element
    numbers (input i's elements numbered after those of inputs 0..i-1, -1 for constants)."""
    offset, numbered, stack = 0, [], []
    for pat, shape in zip(pats, e.in_shapes):
        if pat is None:
            numbered.append(np.full(shape, -1, dtype=np.int64))
            continue
        numbered.append(_numbers(shape, offset))
        stack.append(pat)
        offset += pat.shape[0]
    if not stack:
        return None
    return gather_from(stack, impl(*numbered, **e.params))


def elementwise_rule(e, pats, xs, masks=None):
    """Output element k depends on what the operands' elements broadcast into k depend on.
    ``masks[i]``: a boolean array (broadcastable to the output) of where operand i can
    contribute at all, or None."""
    shape = e.out.shape
    parts = []
    for i, (pat, s) in enumerate(zip(pats, e.in_shapes)):
        if pat is None:
            continue
        mask = None if masks is None else masks[i]
        if s == shape and (mask is None or np.all(mask)):
            parts.append(pat)                   # the common case: no copy at all
            continue
        rows = _broadcast_rows(s, shape)
        if mask is not None and not np.all(mask):
            rows = np.where(np.broadcast_to(mask, shape), rows, -1)
        parts.append(gather_rows(pat, rows))
    return _union(parts)


def mul_rule(e, pats, xs):
    """``x * c``: zero where the constant factor is zero."""
    masks = [None if xs[1 - i] is None else np.asarray(xs[1 - i]) != 0 for i in range(2)]
    return elementwise_rule(e, pats, xs, masks)


def where_rule(e, pats, xs):
    """``where(c, a, b)``: a constant condition picks one branch per element."""
    if xs[0] is None:                    # a traced condition: either branch
        return elementwise_rule(e, [None, pats[1], pats[2]], xs)
    c = np.asarray(xs[0], dtype=bool)
    return elementwise_rule(e, [None, pats[1], pats[2]], xs, [None, c, ~c])


def reduction_rule(e, pats, xs):
    """sum / max / min over ``axes``: output row k is the union of the input rows reduced
    into it."""
    (shape,), (pat,) = e.in_shapes, pats
    axes = e.params.get("axes", (len(shape) - 1,))
    kept = tuple(1 if a in axes else d for a, d in enumerate(shape))
    groups = np.broadcast_to(_numbers(kept), shape)
    return _group_union(pat, groups, math.prod(kept))


def scan_rule(e, pats, xs, limit):
    """cumsum / cumprod along ``axis``: element k of a line depends on elements 0..k."""
    (shape,), (pat,) = e.in_shapes, pats
    axis = e.params["axis"] % len(shape)
    L = shape[axis]
    lines = math.prod(shape) // max(L, 1)
    if lines * L * (L + 1) // 2 > limit:
        raise DensePattern("a scan's pattern is too large to track")
    numbers = np.moveaxis(_numbers(shape), axis, -1).reshape(lines, L)
    k, j = np.tril_indices(L)
    G = sp.csr_array((np.ones(lines * k.size, bool),
                      (numbers[:, k].ravel(), numbers[:, j].ravel())),
                     shape=(math.prod(shape), math.prod(shape)))
    return _canonical(G @ pat)


def dense_core_rule(core_out, core_in):
    """Every output element of one matrix (or line) of a stack depends on every element of
    the same matrix of each input: ``core_out``/``core_in(e, i)`` are the trailing ranks that
    make one matrix; leading (stack) axes broadcast."""
    def rule(e, pats, xs):
        out_shape = e.out.shape
        r_out = core_out(e)
        stack = out_shape[:len(out_shape) - r_out]
        n_stack = math.prod(stack)
        unions = []
        for i, (pat, s) in enumerate(zip(pats, e.in_shapes)):
            if pat is None:
                continue
            r_in = core_in(e, i)
            own = s[:len(s) - r_in]
            numbers = _numbers(own).reshape(own + (1,) * r_in)
            groups = np.broadcast_to(numbers, own + s[len(s) - r_in:])
            per_own = _group_union(pat, groups, math.prod(own))
            # stacks broadcast: stack entry t of the output reads own entry b(t)
            unions.append(gather_rows(per_own, _broadcast_rows(own, stack)))
        union = _union(unions)
        if union is None:
            return None
        core = math.prod(out_shape[len(out_shape) - r_out:])
        return gather_rows(union, np.repeat(np.arange(n_stack), core))
    return rule


def matmul_rule(limit):
    def rule(e, pats, xs):
        (sa, sb), (a, b) = e.in_shapes, xs
        A_shape = (1,) + sa if len(sa) == 1 else sa
        B_shape = sb + (1,) if len(sb) == 1 else sb
        stack = np.broadcast_shapes(A_shape[:-2], B_shape[:-2])
        (I, J), K = A_shape[-2:], B_shape[-1]
        S = math.prod(stack)
        parts = []
        for i, (pat, own_shape, other, other_shape) in enumerate(
                ((pats[0], A_shape, b, B_shape), (pats[1], B_shape, a, A_shape))):
            if pat is None:
                continue
            full = stack + own_shape[-2:]
            P = gather_rows(pat, _broadcast_rows(own_shape, full))
            if pats[1 - i] is None:
                struct = np.asarray(other).reshape(other_shape) != 0
            else:
                struct = np.ones(other_shape, bool)
            struct = np.broadcast_to(struct, stack + other_shape[-2:]).reshape(
                (S,) + other_shape[-2:])
            if i == 0:                   # out[s,i,k] <- a[s,i,j] where b[s,j,k] != 0
                s, j, k = np.nonzero(struct)
                count = s.size * I
                ii = np.arange(I)[:, None]
                rows = ((s * I + ii) * K + k).ravel()
                cols = ((s * I + ii) * J + j).ravel()
            else:                        # out[s,i,k] <- b[s,j,k] where a[s,i,j] != 0
                s, ii, j = np.nonzero(struct)
                count = s.size * K
                kk = np.arange(K)[:, None]
                rows = ((s * I + ii) * K + kk).ravel()
                cols = ((s * J + j) * K + kk).ravel()
            if count > limit:
                raise DensePattern("a matrix product's pattern is too large to track")
            G = sp.csr_array((np.ones(rows.size, bool), (rows, cols)),
                             shape=(S * I * K, P.shape[0]))
            parts.append(G @ P)
        return _union(parts)
    return rule


def einsum_rule(limit):
    """Exact structure by evaluating the contraction on |constants| and ones for traced
    operands, with an identity seeded into one operand at a time (no cancellation: every
    term is >= 0)."""
    def rule(e, pats, xs):
        subs = e.params["subscripts"]
        ins, out = subs.split("->")
        ins = ins.split(",")
        seed = next(c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in subs)
        out_size = math.prod(e.out.shape)
        parts = []
        for i, pat in enumerate(pats):
            if pat is None:
                continue
            size = math.prod(e.in_shapes[i])
            if size * out_size > limit:
                raise DensePattern("a contraction's pattern is too large to track")
            ops = [np.ones(s) if x is None else np.abs(np.asarray(x, dtype=float))
                   for x, s in zip(xs, e.in_shapes)]
            ops[i] = np.eye(size).reshape((size,) + tuple(e.in_shapes[i]))
            spec = ",".join(seed + s if k == i else s for k, s in enumerate(ins))
            G = np.einsum(f"{spec}->{seed}{out}", *ops).reshape(size, out_size) != 0
            parts.append(_canonical(sp.csr_array(G.T) @ pat))
        return _union(parts)
    return rule


# ---------------------------------------------------------------- the table and the pass

DEFAULT_LIMIT = 20_000_000      # entries of any one pattern or grouping matrix (~100 MB)
DENSE_FRACTION = 0.5            # a value this dense, and large, makes the Jacobian dense
DENSE_MIN_NNZ = 100_000

_ELEMENTWISE = ("exp exp2 expm1 log log2 log10 log1p sqrt sqrt0 cbrt square reciprocal sin cos "
                "tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh abs deg2rad "
                "rad2deg neg convert add sub div pow float_power arctan2 hypot max min fmax "
                "fmin logaddexp logaddexp2 mod fmod copysign").split()
_INDEX_MAPS = "reshape transpose broadcast_to getitem setitem concatenate diagonal".split()
_CORES = {  # name: (trailing rank of one output matrix, of one input matrix)
    "sort_last": (1, 1), "inv": (2, 2), "det": (0, 2), "logabsdet": (0, 2),
    "cholesky": (2, 2), "qr_q": (2, 2), "qr_r": (2, 2), "eigh_w": (1, 2), "eigh_v": (2, 2),
    "svd_u": (2, 2), "svd_s": (1, 2), "svd_vt": (2, 2), "eig_w": (1, 2), "eig_v": (2, 2)}


def _rule_table(limit):
    table = {}
    for name in _ELEMENTWISE:
        table[name] = elementwise_rule
    table["mul"], table["where"] = mul_rule, where_rule
    for name in _INDEX_MAPS:
        table[name] = index_map_rule(impl_rules[primitives[name]])
    for name in ("sum", "reduce_max", "reduce_min", "prod_last"):
        table[name] = reduction_rule
    for name in ("cumsum", "cumprod"):
        table[name] = lambda e, pats, xs: scan_rule(e, pats, xs, limit)
    for name, (r_out, r_in) in _CORES.items():
        table[name] = dense_core_rule(lambda e, r=r_out: r, lambda e, i, r=r_in: r)
    table["solve"] = dense_core_rule(lambda e: 1 if e.params["vec"] else 2,
                                     lambda e, i: 1 if i == 1 and e.params["vec"] else 2)
    table["matmul"] = matmul_rule(limit)
    table["einsum"] = einsum_rule(limit)
    return table


def rule_for(prim, limit=DEFAULT_LIMIT):
    """The sparsity rule of a primitive (None for the non-differentiable ones)."""
    if prim in nondiff:
        return None
    return _rule_table(limit)[prim.name]


def output_pattern(graph, columns=None, limit=DEFAULT_LIMIT):
    """The pattern of the flat Jacobian (M, N) of ``graph``: rows are the outputs, columns
    the inputs listed in ``columns`` (indices into ``graph.inputs``; default all), each
    flattened in C order. Raises DensePattern when a value's pattern is clearly dense."""
    columns = range(len(graph.inputs)) if columns is None else columns
    sizes = [math.prod(graph.inputs[k].shape) for k in columns]
    N = sum(sizes)
    pats, offset = {}, 0
    for k, size in zip(columns, sizes):
        pats[graph.inputs[k]] = identity_block(size, offset, N)
        offset += size
    table = _rule_table(limit)
    for e in graph.eqns:
        ins = [pats.get(v) if type(v) is Var else None for v in e.inputs]
        if e.prim in nondiff or e.out.dtype.kind != "f" or all(p is None for p in ins):
            continue
        xs = [None if type(v) is Var else v for v in e.inputs]
        P = table[e.prim.name](e, ins, xs)
        if P is not None:
            _check_size(P, N, limit)
            pats[e.out] = P
    rows = [pats.get(o) if type(o) is Var else None for o in graph.outputs]
    blocks = [p if p is not None else _empty(math.prod(np.shape(o) if type(o) is not Var
                                                           else o.shape), N)
              for p, o in zip(rows, graph.outputs)]
    return blocks[0] if len(blocks) == 1 else sp.vstack(blocks, format="csr")


def _check_size(P, N, limit):
    nnz = P.nnz
    if nnz > limit:
        raise DensePattern(f"a pattern holds {nnz} entries, over the limit of {limit}")
    if nnz > DENSE_MIN_NNZ and nnz > DENSE_FRACTION * P.shape[0] * N:
        raise DensePattern("the pattern is dense")
