"""What a compiled forward sweep reads (``compiled.Program``'s analyses of a graph):

- ``forward_needs``: the values a forward sweep seeded on some inputs reads, so that
  ``Program.evaluate_for_forward`` computes those only;
- ``Symbol`` / ``value_table`` / ``known_slot``: a partial derivative that the graph already
  holds as a value (tanh's 1 - y*y in a traced gradient), found by spelling the partial out
  on symbols and looking each step up among the graph's equations.
"""
from .ir import Var
from .primitives import elementwise as ew
from .primitives.indexing import getitem_p, setitem_p
from .primitives.linalg import matmul_p
from .primitives.reductions import sum_p
from .primitives.shape import broadcast_p, concatenate_p, reshape_p, transpose_p

# Primitives whose JVP reads no float value (only the tangents and, for an index, integer
# operands): a forward sweep needs no primal value for them.
READS_NO_FLOATS = {ew.add_p, ew.sub_p, ew.neg_p, getitem_p, setitem_p, reshape_p, transpose_p,
                    broadcast_p, concatenate_p, sum_p}


SYM_OPS = {ew.mul_p: "mul", ew.add_p: "add", ew.sub_p: "sub", ew.div_p: "div", ew.neg_p: "neg"}


def operand_key(x):
    """A constant's key: its type and repr (-0.0 is not 0.0), for Python numbers only."""
    if type(x) in (float, int):
        return ("c", type(x), repr(x))
    raise TypeError("not a Python number")


class Symbol:
    """A graph value standing for a partial derivative's operand at compile time: running a
    partial (``lambda x, y: 1.0 - y * y``) on Symbols spells it out with + - * / and unary -,
    each step looked up among the graph's own equations (``table``: key -> slot). Any other
    operation (np.cos, a comparison) raises, and the partial is left to run as it is."""
    __slots__ = ("key", "table")
    __array_ufunc__ = None

    def __init__(self, key, table):
        self.key, self.table = key, table

    def _op(self, name, *xs):
        key = (name,) + tuple(x.key if type(x) is Symbol else operand_key(x) for x in xs)
        slot = self.table.get(key)
        return Symbol(key if slot is None else ("v", slot), self.table)

    __mul__ = lambda a, b: a._op("mul", a, b)                          # noqa: E731
    __rmul__ = lambda a, b: a._op("mul", b, a)                         # noqa: E731
    __add__ = lambda a, b: a._op("add", a, b)                          # noqa: E731
    __radd__ = lambda a, b: a._op("add", b, a)                         # noqa: E731
    __sub__ = lambda a, b: a._op("sub", a, b)                          # noqa: E731
    __rsub__ = lambda a, b: a._op("sub", b, a)                         # noqa: E731
    __truediv__ = lambda a, b: a._op("div", a, b)                      # noqa: E731
    __rtruediv__ = lambda a, b: a._op("div", b, a)                     # noqa: E731
    __neg__ = lambda a: a._op("neg", a)                                # noqa: E731

    def _refuse(self, *other):
        raise TypeError("a partial that compares or branches on values is not spelled out")

    __bool__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __hash__ = None


def value_table(graph, slot):
    """key -> slot of every + - * / and negation in ``graph`` on Vars and Python numbers."""
    table = {}
    for e in graph.eqns:
        name = SYM_OPS.get(e.prim)
        if name is None or e.params:
            continue
        try:
            key = (name,) + tuple(("v", slot[id(v)]) if type(v) is Var else operand_key(v)
                                  for v in e.inputs)
        except TypeError:
            continue
        table.setdefault(key, slot[id(e.out)])
    return table


def forward_needs(graph, slot, seeded, decided, reused=None):
    """The slots whose values a forward sweep seeded on the inputs ``seeded`` reads (its
    rules' operands and outputs; a matmul reads only the operand across from a live
    tangent), those the decisions check, and everything these are computed from."""
    live = {slot[id(graph.inputs[k])] for k in seeded}
    needed = set(decided)
    for e in graph.eqns:
        ins = [(slot[id(v)], v) if type(v) is Var else (None, v) for v in e.inputs]
        hot = [s in live for s, _ in ins]
        if not any(hot):
            continue
        s_out = slot[id(e.out)]
        live.add(s_out)
        if e.prim in READS_NO_FLOATS:
            needed.update(s for s, v in ins if s is not None and v.dtype.kind != "f")
        elif e.prim is matmul_p and len(ins) == 2:
            needed.update(ins[1 - j][0] for j in range(2) if hot[j] and ins[1 - j][0] is not None)
        elif e.prim is ew.mul_p:                  # its partials: the operands, not the product
            needed.update(s for s, _ in ins if s is not None)
        else:
            needed.update(s for s, _ in ins if s is not None)
            needed.add(s_out)
        needed.update((reused or {}).get(s_out, ()))
    for e in reversed(graph.eqns):
        if slot[id(e.out)] in needed:
            needed.update(slot[id(v)] for v in e.inputs if type(v) is Var)
    return needed


def known_slot(graph, e, d, slot, table):
    """The slot of a value of ``graph`` equal, bit for bit, to the partial ``d`` at equation
    ``e`` (``table``: ``value_table``), or None."""
    if any(type(v) is not Var for v in e.inputs):
        return None                     # constants are operands the table cannot name
    syms = [Symbol(("v", slot[id(v)]), table) for v in list(e.inputs) + [e.out]]
    try:
        got = d(*syms)
    except Exception:                   # an operation Symbol does not spell: not known
        return None
    if type(got) is Symbol and got.key[0] == "v":
        return got.key[1]
    return None
