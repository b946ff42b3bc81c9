"""Pytrees: nested tuples, lists, dicts and namedtuples of arrays, as arguments and results.

    leaves, tree = flatten({"W": W, "b": (b0, b1)})     # [W, b0, b1], a TreeDef
    tree.unflatten([2 * W, b0, b1])                      # {"W": 2 * W, "b": (b0, b1)}
    [render(p) for p in tree.paths()]                    # ["['W']", "['b'][0]", "['b'][1]"]

Containers are ``tuple``, ``list``, ``dict``, ``collections.OrderedDict`` and namedtuples
(a tuple subclass with ``_fields``); anything else (an array, a number, a string, an object)
is a leaf. ``None`` is an empty container (no leaves), as in JAX: a ``None`` in the
arguments comes back as ``None``. (``flatten(..., none_is_leaf=True)`` keeps it a leaf: the
outputs are flattened so, and a ``None`` output is an error, as before pytrees: most often a
forgotten ``return``.)

NOTE: leaf order. Leaves are taken depth first; a dict's children in *sorted key order*
(as JAX does, so two dicts with the same keys built in different orders have one TreeDef and
one flat layout), an OrderedDict's in insertion order. A dict whose keys cannot be sorted
(mixed types) keeps its insertion order. Unflattening a dict builds it in sorted key order.
"""
from collections import OrderedDict
from dataclasses import dataclass, field

_LEAF, _NONE, _TUPLE, _LIST, _DICT, _ODICT, _NAMED = (
    "leaf", "none", "tuple", "list", "dict", "odict", "named")


@dataclass(frozen=True)
class TreeDef:
    """The structure of a pytree: ``kind``, ``meta`` (a dict's keys, a namedtuple's type) and
    the children's TreeDefs. Hashable and comparable: equal structures are equal."""
    kind: str
    meta: object = None
    children: tuple = ()
    num_leaves: int = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        n = 1 if self.kind == _LEAF else sum(c.num_leaves for c in self.children)
        object.__setattr__(self, "num_leaves", n)

    @property
    def is_leaf(self):
        return self.kind == _LEAF

    def unflatten(self, leaves):
        """The pytree of this structure holding ``leaves`` (a sequence, in flatten's order)."""
        if len(leaves) != self.num_leaves:
            raise ValueError(f"{len(leaves)} leaves for a structure of {self.num_leaves}")
        return self._build(iter(leaves))

    def _build(self, it):
        if self.kind == _LEAF:
            return next(it)
        if self.kind == _NONE:
            return None
        kids = [c._build(it) for c in self.children]
        if self.kind == _TUPLE:
            return tuple(kids)
        if self.kind == _LIST:
            return kids
        if self.kind == _NAMED:
            return self.meta(*kids)
        pairs = zip(self.meta, kids)
        return OrderedDict(pairs) if self.kind == _ODICT else dict(pairs)

    def paths(self):
        """Each leaf's path, in leaf order: a tuple of steps (kind, key), kind one of
        'index' (a tuple's or list's position), 'key' (a dict key), 'attr' (a field)."""
        if self.kind == _LEAF:
            return [()]
        out = []
        for step, child in zip(self._steps(), self.children):
            out.extend((step,) + p for p in child.paths())
        return out

    def _steps(self):
        if not self.children:
            return []
        if self.kind in (_TUPLE, _LIST):
            return [("index", i) for i in range(len(self.children))]
        if self.kind == _NAMED:
            return [("attr", name) for name in self.meta._fields]
        return [("key", k) for k in self.meta]

    def same_shape(self, other, loose=False):
        """Whether ``other`` has this structure; ``loose`` lets a tuple stand for a list (and
        the reverse), as a cotangent or tangent given as a list for a tuple output."""
        if self == other:
            return True
        if not loose:
            return False
        seqs = (_TUPLE, _LIST)
        if self.kind in seqs and other.kind in seqs:
            return len(self.children) == len(other.children) and all(
                a.same_shape(b, loose) for a, b in zip(self.children, other.children))
        return (self.kind == other.kind and self.meta == other.meta
                and len(self.children) == len(other.children)
                and all(a.same_shape(b, loose) for a, b in zip(self.children, other.children)))

    def describe(self):
        """A short readable form: ``{'W': *, 'b': (*, *)}``."""
        if self.kind == _LEAF:
            return "*"
        if self.kind == _NONE:
            return "None"
        kids = [c.describe() for c in self.children]
        if self.kind == _TUPLE:
            return "(" + ", ".join(kids) + ("," if len(kids) == 1 else "") + ")"
        if self.kind == _LIST:
            return "[" + ", ".join(kids) + "]"
        if self.kind == _NAMED:
            return f"{self.meta.__name__}(" + ", ".join(
                f"{n}={k}" for n, k in zip(self.meta._fields, kids)) + ")"
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in zip(self.meta, kids)) + "}"


LEAF = TreeDef(_LEAF)


def _dict_keys(d):
    keys = list(d.keys())
    try:
        return tuple(sorted(keys))
    except TypeError:                       # mixed key types: insertion order
        return tuple(keys)


def _node(x, none_is_leaf=False):
    """(kind, meta, children) of a container, or None for a leaf."""
    t = type(x)
    if x is None and not none_is_leaf:
        return _NONE, None, ()
    if t is tuple:
        return _TUPLE, None, x
    if t is list:
        return _LIST, None, x
    if t is dict:
        keys = _dict_keys(x)
        return _DICT, keys, [x[k] for k in keys]
    if t is OrderedDict:
        keys = tuple(x.keys())
        return _ODICT, keys, [x[k] for k in keys]
    if isinstance(x, tuple) and hasattr(t, "_fields"):
        return _NAMED, t, tuple(x)
    return None


def is_container(x):
    """Whether ``x`` has structure (a tuple, list, dict, namedtuple; None is not one here)."""
    return x is not None and _node(x) is not None


def flatten(tree, none_is_leaf=False):
    """(leaves, TreeDef) of ``tree``: leaves depth first (see the NOTE on leaf order)."""
    leaves = []
    return leaves, _flatten(tree, leaves, none_is_leaf)


def _flatten(x, leaves, none_is_leaf):
    node = _node(x, none_is_leaf)
    if node is None:
        leaves.append(x)
        return LEAF
    kind, meta, kids = node
    return TreeDef(kind, meta, tuple(_flatten(k, leaves, none_is_leaf) for k in kids))


def render(path):
    """A path as Python would index it: ``['W1'][0].field``; '' for the root."""
    parts = []
    for kind, key in path:
        if kind == "attr":
            parts.append(f".{key}")
        else:
            parts.append(f"[{key!r}]")
    return "".join(parts)
