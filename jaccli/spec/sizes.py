"""How many values an expression's operator or call will make, from its operands' shapes,
before it runs: the spec layer refuses a result over the memory budget before allocating it.

Only what can grow past its operands is predicted: broadcasting (``x[:, None] * y``), the
products (``@ dot inner outer kron tensordot einsum``) and the makers (``tile repeat eye
broadcast_to diag``). Everything else makes at most as many values as its operands hold.
``None`` means "cannot tell": the call runs and reports its own error, if any.
"""

import math

import numpy as np

ELEMENTWISE = {"arctan2", "hypot", "logaddexp", "power", "maximum", "minimum", "fmax", "fmin",
               "clip", "where", "xlogy", "xlog1py"}


def _shape(value):
    return tuple(np.shape(value)) if not isinstance(value, (list, str)) else None


def broadcast_size(*values):
    """Values in the broadcast result of ``values`` when it is larger than each of them."""
    shapes = [shape for shape in (getattr(v, "shape", None) for v in values) if shape]
    if len(shapes) < 2 or all(shape == shapes[0] for shape in shapes[1:]):
        return None                               # same shapes or scalars: no growth
    try:
        return math.prod(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def call_size(name, args, kwargs):
    """Values ``name(*args, **kwargs)`` would make, or None."""
    predict = _PREDICTORS.get(name)
    if predict is None:
        return broadcast_size(*args) if name in ELEMENTWISE else None
    try:
        return predict(args, kwargs)
    except (TypeError, ValueError, IndexError, KeyError, ZeroDivisionError, OverflowError):
        return None


def matmul_size(a, b):
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:
        return None
    sa = (1,) + sa if len(sa) == 1 else sa
    sb = sb + (1,) if len(sb) == 1 else sb
    batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    return math.prod(batch) * sa[-2] * sb[-1]


def _arg(args, kwargs, i, name, default=None):
    return args[i] if len(args) > i else kwargs.get(name, default)


def _number(value):
    """A plain integer from a constant (never from a traced input); else TypeError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(value)
    return int(value)


def _tile(args, kwargs):
    shape, reps = _shape(args[0]), _arg(args, kwargs, 1, "reps")
    reps = tuple(_number(r) for r in (reps if isinstance(reps, (tuple, list)) else (reps,)))
    return math.prod(shape) * math.prod(reps)


def _repeat(args, kwargs):
    a, repeats = args[0], _arg(args, kwargs, 1, "repeats")
    size = math.prod(_shape(a))
    if isinstance(repeats, np.ndarray) and repeats.ndim == 1 and repeats.size:
        return size // repeats.size * int(repeats.sum())
    return size * _number(repeats)


def _eye(args, kwargs):
    n = _number(_arg(args, kwargs, 0, "N"))
    m = _arg(args, kwargs, 1, "M")
    return n * (n if m is None else _number(m))


def _broadcast_to(args, kwargs):
    shape = _arg(args, kwargs, 1, "shape")
    shape = shape if isinstance(shape, (tuple, list)) else (shape,)
    return math.prod(_number(n) for n in shape)


def _diag(args, kwargs):
    shape = _shape(args[0])
    if len(shape) != 1:
        return None
    n = shape[0] + abs(_number(_arg(args, kwargs, 1, "k", 0)))
    return n * n


def _outer(args, kwargs):
    return math.prod(_shape(args[0])) * math.prod(_shape(args[1]))


def _dot(args, kwargs):
    sa, sb = _shape(args[0]), _shape(args[1])
    if not sa or not sb:
        return max(math.prod(sa), math.prod(sb))
    other = math.prod(sb) // sb[-1] if len(sb) == 1 else math.prod(sb) // sb[-2]
    return math.prod(sa) // max(sa[-1], 1) * other


def _inner(args, kwargs):
    sa, sb = _shape(args[0]), _shape(args[1])
    if not sa or not sb:
        return max(math.prod(sa), math.prod(sb))
    return math.prod(sa[:-1]) * math.prod(sb[:-1])


def _tensordot(args, kwargs):
    sa, sb = _shape(args[0]), _shape(args[1])
    axes = _arg(args, kwargs, 2, "axes", 2)
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        return math.prod(sa[:len(sa) - n]) * math.prod(sb[n:])
    left, right = ((a,) if isinstance(a, int) else tuple(a) for a in axes)
    keep_a = [d for i, d in enumerate(sa) if i not in {k % len(sa) for k in left}]
    keep_b = [d for i, d in enumerate(sb) if i not in {k % len(sb) for k in right}]
    return math.prod(keep_a) * math.prod(keep_b)


def _einsum(args, kwargs):
    subscripts, operands = args[0], args[1:]
    if not isinstance(subscripts, str) or "." in subscripts:
        return None
    inputs, arrow, output = subscripts.replace(" ", "").partition("->")
    dims = {}
    for letters, operand in zip(inputs.split(","), operands):
        for letter, n in zip(letters, _shape(operand)):
            dims[letter] = max(dims.get(letter, 1), n)
    if not arrow:
        output = "".join(sorted(c for c in dims if inputs.count(c) == 1))
    return math.prod(dims.get(c, 1) for c in output)


_PREDICTORS = {"tile": _tile, "repeat": _repeat, "eye": _eye, "broadcast_to": _broadcast_to,
               "diag": _diag, "outer": _outer, "kron": _outer, "dot": _dot,
               "matmul": lambda args, kwargs: matmul_size(args[0], args[1]),
               "inner": _inner, "tensordot": _tensordot, "einsum": _einsum}
