"""Sparsity rules, one per primitive kind (``jaccli.rules.KINDS``): how an equation maps the
patterns of its inputs to the pattern of its output.

    rule(e, pats, consts, limit) -> pattern or None

``pats[i]``: input i's pattern (None: it depends on no differentiated input); ``consts[i]``:
its value when it is a constant (None for a traced value, whose value changes from point to
point); ``limit``: the most entries a grouping matrix may hold. A few primitives refine their
kind's rule with what a constant operand's values say (``REFINED``): ``x * c`` is zero where
``c`` is, a constant ``where`` condition picks one branch, a matrix product keeps only a
constant operand's nonzeros.
"""
import math

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from ..rules import impl_rules, reduced_axes
from .csr import (broadcast_rows, canonical, gather_from, gather_rows, group_union, numbers,
                  union)


DENSE_FRACTION = 0.5            # a value this dense, and this large, makes J dense
DENSE_MIN_NNZ = 100_000


class DensePattern(Exception):
    """Propagation stopped: a value's pattern grew past the size limit (the Jacobian is
    clearly dense, or too large to track element by element)."""


# ---------------------------------------------------------------- elementwise

def elementwise_rule(e, pats, consts, limit, masks=None):
    """out[k] depends on what each operand's element broadcast into k depends on.
    ``masks[i]``: where operand i can contribute at all (broadcastable to out), or None."""
    shape = e.out.shape
    parts = []
    for i, (pat, s) in enumerate(zip(pats, e.in_shapes)):
        if pat is None:
            continue
        mask = None if masks is None or masks[i] is None or np.all(masks[i]) else masks[i]
        if s == shape and mask is None:
            parts.append(pat)                   # the common case: no copy at all
            continue
        rows = broadcast_rows(s, shape)
        if mask is not None:
            rows = np.where(np.broadcast_to(mask, shape), rows, -1)
        parts.append(gather_rows(pat, rows))
    return union(parts)


def _mul_rule(e, pats, consts, limit):
    """``x * c``: zero where the constant factor is zero."""
    masks = [None if consts[1 - i] is None else np.asarray(consts[1 - i]) != 0
             for i in range(2)]
    return elementwise_rule(e, pats, consts, limit, masks)


def _where_rule(e, pats, consts, limit):
    """``where(c, a, b)``: a constant condition picks one branch per element."""
    if consts[0] is None:                       # a traced condition: either branch
        return elementwise_rule(e, pats, consts, limit)
    c = np.asarray(consts[0], dtype=bool)
    return elementwise_rule(e, pats, consts, limit, [None, c, ~c])


# ---------------------------------------------------------------- index maps

def index_map_rule(e, pats, consts, limit):
    """view, gather, join, setitem: every output element is one element of one input, or a
    constant. The primitive's impl, run on element numbers (input i's after those of inputs
    0..i-1; -1 where an input is constant), says which."""
    offset, numbered, sources = 0, [], []
    for pat, shape in zip(pats, e.in_shapes):
        if pat is None:
            numbered.append(np.full(shape, -1, dtype=np.int64))
            continue
        numbered.append(numbers(shape, offset))
        sources.append(pat)
        offset += pat.shape[0]
    if not sources:
        return None
    return gather_from(sources, impl_rules[e.prim](*numbered, **e.params))


def _scatter_add_rule(e, pats, consts, limit):
    """x with v added into x[index] (repeats accumulating): out[k] depends on x[k] and on
    every v element sent to k."""
    (sx, sv), (px, pv) = e.in_shapes, pats
    parts = [px]
    if pv is not None:
        region = numbers(sx)[e.params["index"]]          # where each region element lands
        sent = np.broadcast_to(numbers(sv), region.shape)
        G = sp.csr_array((np.ones(region.size, bool), (region.ravel(), sent.ravel())),
                         shape=(math.prod(sx), math.prod(sv)))
        parts.append(canonical(G @ pv))
    return union(parts)


# ---------------------------------------------------------------- reductions and scans

def reduction_rule(e, pats, consts, limit):
    """out[j] is the union of the input rows reduced into it."""
    (shape,), (pat,) = e.in_shapes, pats
    axes = reduced_axes(e)
    kept = tuple(1 if a in axes else d for a, d in enumerate(shape))
    return group_union(pat, np.broadcast_to(numbers(kept), shape), math.prod(kept))


def scan_rule(e, pats, consts, limit):
    """Along ``axis``, position k of a line depends on positions 0..k."""
    (shape,), (pat,) = e.in_shapes, pats
    axis = e.params["axis"] % len(shape)
    size, L = math.prod(shape), shape[axis]
    lines = size // max(L, 1)
    if lines * L * (L + 1) // 2 > limit:
        raise DensePattern("a scan's pattern is too large to track")
    labels = np.moveaxis(numbers(shape), axis, -1).reshape(lines, L)
    k, j = np.tril_indices(L)
    G = sp.csr_array((np.ones(lines * k.size, bool),
                      (labels[:, k].ravel(), labels[:, j].ravel())), shape=(size, size))
    return canonical(G @ pat)


def transform_rule(e, pats, consts, limit):
    """np.fft: every out element of a line along the transformed axes depends on the whole
    input line; the other coordinates are kept."""
    (shape,), (pat,) = e.in_shapes, pats
    axes = e.params["axes"]
    kept = tuple(1 if a in axes else d for a, d in enumerate(shape))
    per_line = group_union(pat, np.broadcast_to(numbers(kept), shape), math.prod(kept))
    return gather_rows(per_line, np.broadcast_to(numbers(kept), e.out.shape).ravel())


# ---------------------------------------------------------------- dense per matrix

def _core_rank(e, i):
    """Trailing axes of input i that make one matrix: 1 for a sorted line and for solve's
    right-hand side vectors, else 2."""
    if e.prim.kind == "sort" or (i == 1 and e.params.get("vec")):
        return 1
    return 2


def dense_core_rule(e, pats, consts, limit):
    """sort, linalg, decomposition: each output element of one matrix (line) of a stack
    depends on every element of that matrix of each input; stack axes broadcast."""
    ranks = [_core_rank(e, i) for i in range(len(e.in_shapes))]
    stack_rank = max(len(s) - r for s, r in zip(e.in_shapes, ranks))
    out_shape = e.out.shape
    stack = out_shape[:stack_rank]
    unions = []
    for pat, s, r in zip(pats, e.in_shapes, ranks):
        if pat is None:
            continue
        own = s[:len(s) - r]
        groups = np.broadcast_to(numbers(own).reshape(own + (1,) * r), s)
        per_own = group_union(pat, groups, math.prod(own))
        unions.append(gather_rows(per_own, broadcast_rows(own, stack)))
    whole = union(unions)
    if whole is None:
        return None
    core = math.prod(out_shape[stack_rank:])
    return gather_rows(whole, np.repeat(np.arange(math.prod(stack)), core))


# ---------------------------------------------------------------- contractions

def _matmul_entries(struct, I, J, K, traced_left):
    """(rows, cols) of the 0/1 map from one operand's elements to the product's elements:
    ``struct`` (S, J, K) is where the right operand may be nonzero when the left one is
    traced (out[s,i,k] <- a[s,i,j]), (S, I, J) for the left one otherwise
    (out[s,i,k] <- b[s,j,k])."""
    if traced_left:
        s, j, k = np.nonzero(struct)
        ii = np.arange(I)[:, None]
        return ((s * I + ii) * K + k).ravel(), ((s * I + ii) * J + j).ravel()
    s, ii, j = np.nonzero(struct)
    kk = np.arange(K)[:, None]
    return ((s * I + ii) * K + kk).ravel(), ((s * J + j) * K + kk).ravel()


def _dense_product(fill, rows, P):
    """Stop before building a product that is clearly dense: a (nearly) dense operand mixes
    every row of the other one, so each of the ``rows`` output rows holds about all the
    columns the other operand depends on."""
    if fill < 0.9:
        return
    columns = np.count_nonzero(np.bincount(P.indices, minlength=P.shape[1]))
    if rows * columns * fill > DENSE_MIN_NNZ and columns > DENSE_FRACTION * P.shape[1]:
        raise DensePattern("a product with a dense matrix makes the pattern dense")


def _matmul_rule(e, pats, consts, limit):
    """Zeros of a constant operand are zeros; a traced operand counts as dense."""
    sa, sb = e.in_shapes
    A = (1,) + sa if len(sa) == 1 else sa
    B = sb + (1,) if len(sb) == 1 else sb
    stack = np.broadcast_shapes(A[:-2], B[:-2])
    (I, J), K, S = A[-2:], B[-1], math.prod(stack)
    parts = []
    for i, (own, other) in enumerate(((A, B), (B, A))):
        if pats[i] is None:
            continue
        P = gather_rows(pats[i], broadcast_rows(own, stack + own[-2:]))
        struct = np.ones(other, bool) if consts[1 - i] is None else \
            np.asarray(consts[1 - i]).reshape(other) != 0
        struct = np.broadcast_to(struct, stack + other[-2:]).reshape((S,) + other[-2:])
        entries = np.count_nonzero(struct) * (I if i == 0 else K)
        if entries > limit:
            raise DensePattern("a matrix product's pattern is too large to track")
        _dense_product(entries / max(struct.size * (I if i == 0 else K), 1), S * I * K, P)
        rows, cols = _matmul_entries(struct, I, J, K, i == 0)
        G = sp.csr_array((np.ones(rows.size, bool), (rows, cols)), shape=(S * I * K, P.shape[0]))
        parts.append(canonical(G @ P))
    return union(parts)


def _einsum_rule(e, pats, consts, limit):
    """The exact structure: the contraction evaluated on |constants| and ones for traced
    operands, an identity seeded into one operand at a time (every term >= 0: nothing
    cancels)."""
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
        ops = [np.ones(s) if c is None else np.abs(np.asarray(c)).astype(float)
               for c, s in zip(consts, e.in_shapes)]
        ops[i] = np.eye(size).reshape((size,) + tuple(e.in_shapes[i]))
        spec = ",".join(seed + s if k == i else s for k, s in enumerate(ins))
        G = np.einsum(f"{spec}->{seed}{out}", *ops).reshape(size, out_size) != 0
        parts.append(canonical(sp.csr_array(G.T) @ pat))
    return union(parts)


def contraction_rule(e, pats, consts, limit):
    rule = _einsum_rule if "subscripts" in e.params else _matmul_rule
    return rule(e, pats, consts, limit)


# ---------------------------------------------------------------- user primitives

def _custom_rule(e, pats, consts, limit):
    """A jaccli.primitive (jaccli.custom): dense, every output element depending on every
    element of every input, unless it declared sparsity='elementwise' or a callable
    ``(*in_shapes, **params) -> one boolean (out.size, in.size) matrix per input``."""
    how, size = e.prim.sparsity, math.prod(e.out.shape)
    if how == "elementwise":
        return elementwise_rule(e, pats, consts, limit)
    if callable(how):
        mats = how(*[tuple(s) for s in e.in_shapes], **e.params)
        parts = []
        for i, (pat, s) in enumerate(zip(pats, e.in_shapes)):
            if pat is None:
                continue
            D = sp.csr_array(mats[i], dtype=bool)
            if D.shape != (size, math.prod(s)):
                raise InputError(f"the sparsity of {e.prim.label} gave a {D.shape} matrix "
                                 f"for input {i}; expected (out.size, in.size) = "
                                 f"{(size, math.prod(s))}.")
            parts.append(canonical(D @ pat))
        return union(parts)
    whole = union([group_union(pat, np.zeros(pat.shape[0], np.int64), 1)
                   for pat in pats if pat is not None])
    if whole is None:
        return None
    if whole.nnz * size > limit:
        raise DensePattern(f"{e.prim.label} is dense (a jaccli.primitive without sparsity=)")
    return gather_rows(whole, np.zeros(size, np.int64))


# ---------------------------------------------------------------- the tables

KIND_RULES = {
    "elementwise": elementwise_rule, "view": index_map_rule, "gather": index_map_rule,
    "join": index_map_rule, "scatter": index_map_rule, "reduction": reduction_rule,
    "scan": scan_rule, "sort": dense_core_rule, "contraction": contraction_rule,
    "linalg": dense_core_rule, "decomposition": dense_core_rule, "transform": transform_rule,
    "custom": _custom_rule,
}
REFINED = {"mul": _mul_rule, "where": _where_rule, "scatter_add": _scatter_add_rule}


def rule_for(prim):
    """The sparsity rule of ``prim``: its refinement, else its kind's."""
    return REFINED.get(prim.name) or KIND_RULES[prim.kind]
