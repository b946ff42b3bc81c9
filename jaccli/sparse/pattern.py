"""Sparsity patterns from the graph: which input elements each element of each value can
depend on, found by propagating index sets through the equations (never by probing values).

A pattern is a boolean ``scipy.sparse.csr_array`` of shape (size of the value, N): row r holds
the columns (flat positions over all differentiated inputs) that element r may depend on.
Each equation maps its inputs' patterns to its output's by its primitive's kind
(``pattern_rules``), with one of a few vectorised families:

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
from ..rules import nondiff
from .csr import empty, identity_block
from .pattern_rules import DENSE_FRACTION, DENSE_MIN_NNZ, DensePattern, rule_for

__all__ = ["DensePattern", "output_pattern"]

DEFAULT_LIMIT = 20_000_000      # entries of any one pattern or grouping matrix (~100 MB)


def output_pattern(graph, columns=None, limit=DEFAULT_LIMIT):
    """The pattern of the flat Jacobian (M, N) of ``graph``, a bool ``csr_array``: rows are
    the outputs, columns the inputs listed in ``columns`` (indices into ``graph.inputs``;
    default all), each flattened in C order. Raises DensePattern when a value's pattern is
    clearly dense or holds more than ``limit`` entries."""
    columns = range(len(graph.inputs)) if columns is None else columns
    sizes = [math.prod(graph.inputs[k].shape) for k in columns]
    N = sum(sizes)
    pats, offset = {}, 0
    for k, size in zip(columns, sizes):
        pats[graph.inputs[k]] = identity_block(size, offset, N)
        offset += size
    for e in graph.eqns:
        ins = [pats.get(v) if type(v) is Var else None for v in e.inputs]
        if e.prim in nondiff or e.out.dtype.kind not in "fc" or all(p is None for p in ins):
            continue
        consts = [None if type(v) is Var else v for v in e.inputs]
        P = rule_for(e.prim)(e, ins, consts, limit)
        if P is not None:
            _check_size(P, N, limit)
            pats[e.out] = P
    blocks = [pats.get(o) if type(o) is Var else None for o in graph.outputs]
    blocks = [empty(math.prod(np.shape(o) if type(o) is not Var else o.shape), N)
              if p is None else p for p, o in zip(blocks, graph.outputs)]
    return blocks[0] if len(blocks) == 1 else sp.vstack(blocks, format="csr")


def _check_size(P, N, limit):
    nnz = P.nnz
    if nnz > limit:
        raise DensePattern(f"a pattern holds {nnz} entries, over the limit of {limit}")
    if nnz > DENSE_MIN_NNZ and nnz > DENSE_FRACTION * P.shape[0] * N:
        raise DensePattern("the pattern is dense")
