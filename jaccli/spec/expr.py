"""Safe expressions for YAML specs: Python syntax parsed with `ast`, checked against a whitelist,
then evaluated by walking the checked tree. Nothing is ever passed to `eval` or `compile`.

Allowed: numbers, names in scope, `+ - * / ** @`, unary minus, subscripts whose indices are
integers, slices, None, `...` and tuples of them, calls of whitelisted NumPy functions with
constant keyword arguments, constant tuples and strings as arguments (shapes, axes, einsum
subscripts), list literals (nested too: `[[0.0], x]`) as arguments of stack/concatenate,
and comparisons (with `& | ~`) only inside the condition of `where`. The one dotted name is
`linalg.NAME` for the whitelisted linear algebra (`linalg.norm(x)` is `norm(x)`); no other
attribute is ever read. Everything else is refused with a sentence saying why.
"""

import ast
import difflib
import operator

import numpy as np

from jaccli.numpy_api import special
from jaccli.spec import sizes
from jaccli.spec.errors import SpecError
from jaccli.spec.limits import EXPRESSION_CHARS, EXPRESSION_DEPTH, NO_LIMITS, too_deep

# ---------------------------------------------------------------- whitelisted functions ----
_NUMPY_NAMES = """
    sin cos tan arcsin arccos arctan arctan2 sinh cosh tanh arcsinh arccosh arctanh hypot
    exp exp2 expm1 log log2 log10 log1p logaddexp sqrt cbrt square abs absolute sign
    reciprocal negative power maximum minimum fmax fmin clip where
    sum mean prod max min amax amin cumsum cumprod std var
    dot matmul vdot inner outer tensordot einsum kron trace diag diagonal
    reshape transpose swapaxes moveaxis squeeze expand_dims broadcast_to ravel
    stack concatenate hstack vstack tile repeat flip roll atleast_1d zeros_like ones_like eye
""".split()
_LINALG_NAMES = "solve inv det slogdet norm".split()

# scipy.special's names: its ufuncs (scipy imported at the first call) and jaccli's versions
# of its Python-level functions (scipy's own convert their operands, see numpy_api.special)
_SPECIAL_UFUNCS = """
    expit logit log_expit erf erfc erfinv erfcinv gammaln digamma xlogy xlog1py ndtr log_ndtr
    ndtri entr
""".split()


def _special_ufunc(name):
    def call(*args, **kwargs):
        import scipy.special
        return getattr(scipy.special, name)(*args, **kwargs)
    call.__name__ = name
    return call


FUNCTIONS = {name: getattr(np, name) for name in _NUMPY_NAMES}
FUNCTIONS.update({name: getattr(np.linalg, name) for name in _LINALG_NAMES})
FUNCTIONS.update({name: _special_ufunc(name) for name in _SPECIAL_UFUNCS})
FUNCTIONS.update({name: special.FUNCTIONS[name]
                  for name in ("logsumexp", "softmax", "log_softmax", "softplus")})
LIST_FUNCTIONS = {"stack", "concatenate", "hstack", "vstack"}   # may take a [a, b, ...] literal
CONDITION_FUNCTIONS = {"where"}                                  # first argument may compare
BUILTIN_NAMES = {"pi": np.pi}

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow, ast.MatMult: operator.matmul}
_CONDITION_BINARY = {ast.BitAnd: operator.and_, ast.BitOr: operator.or_}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_COMPARE = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
            ast.GtE: operator.ge, ast.Eq: operator.eq, ast.NotEq: operator.ne}
_NUMBER = (int, float)
_CONDITION_HINT = ("; & | ~ only join comparisons inside where, each in parentheses, "
                   "e.g. where((x > 0) & (x < 1), x, 0)")

_REFUSED = {
    ast.Attribute: "attribute access (a.b) is not allowed; call a function instead, "
                   "e.g. transpose(A) rather than A.T",
    ast.Lambda: "lambda is not allowed; write the expression out",
    ast.ListComp: "comprehensions are not allowed; use stack([...]) or array functions",
    ast.SetComp: "comprehensions are not allowed", ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions and generators are not allowed",
    ast.IfExp: "'a if c else b' is not allowed; use where(c, a, b)",
    ast.BoolOp: "'and'/'or' are not allowed; use & and | inside where(...)",
    ast.NamedExpr: "':=' is not allowed; use a let entry",
    ast.Dict: "dict literals are not allowed", ast.Set: "set literals are not allowed",
    ast.JoinedStr: "f-strings are not allowed", ast.Starred: "'*' unpacking is not allowed",
    ast.Await: "await is not allowed", ast.Yield: "yield is not allowed",
}


class Expr:
    """One checked expression. `names` are the variables it reads; `evaluate(env)` computes it
    with NumPy functions applied to the values in `env` (arrays, numbers, or tracers)."""

    def __init__(self, source, where, scope):
        """Parse `source` and check it; `where` ("spec.yaml, outputs.f") prefixes every
        message, `scope` is the set of names it may read (only read here: an Expr keeps no
        copy, so a chain of n let entries costs O(n), not O(n^2)). Raises SpecError."""
        self.source = str(source)
        self.where = where
        text = " ".join(self.source.split())
        if len(text) > EXPRESSION_CHARS:
            raise SpecError(f"{where}: the expression is {len(text)} characters long, more "
                            f"than the limit of {EXPRESSION_CHARS}; split it into let "
                            "entries.")
        try:
            tree = ast.parse(text, mode="eval")
        except SyntaxError as e:
            if "too many nested" in str(e.msg) or "too complex" in str(e.msg):
                raise too_deep(where, EXPRESSION_DEPTH, "the expression is nested") from None
            raise SpecError(f"{where}: {self.source!r} is not a valid expression ({e.msg}). "
                            "Use Python syntax such as 'log(x1) + x1 * x2'.") from None
        except (RecursionError, MemoryError):
            raise too_deep(where, EXPRESSION_DEPTH, "the expression is nested") from None
        if _depth(tree.body) > EXPRESSION_DEPTH:
            raise too_deep(where, EXPRESSION_DEPTH, "the expression is nested")
        self.tree = tree.body
        self.names = set()
        self._user_scope = scope
        self._check(self.tree, context="value")
        del self._user_scope

    def evaluate(self, env, limits=NO_LIMITS):
        """The value at `env`; `limits` bound the arrays it creates (checked before each
        call or operator that could make a large one)."""
        return _evaluate(self.tree, env, _Guard(limits, self.where))

    # ------------------------------------------------------------------ checking ----
    def _fail(self, message):
        end = "" if message.endswith("?") else "."
        raise SpecError(f"{self.where}: {message}{end}")

    def _check(self, node, context):
        """context: "value" (an array expression), "condition" (may compare), "argument"
        (may also be a constant string or tuple, or a list for stack-like functions)."""
        kind = type(node)
        if kind in _REFUSED:
            self._fail(_REFUSED[kind])
        if kind is ast.Constant:
            return self._check_constant(node, context)
        if kind is ast.Name:
            return self._check_name(node.id)
        if kind is ast.BinOp:
            allowed = _BINARY if context != "condition" else {**_BINARY, **_CONDITION_BINARY}
            if type(node.op) not in allowed:
                self._fail(f"the operator {_op_text(node.op)} is not allowed here"
                           + _CONDITION_HINT * (type(node.op) in _CONDITION_BINARY))
            inner = "condition" if type(node.op) in _CONDITION_BINARY else "value"
            self._check(node.left, inner)
            return self._check(node.right, inner)
        if kind is ast.UnaryOp:
            if isinstance(node.op, ast.Invert) and context == "condition":
                return self._check(node.operand, "condition")
            if type(node.op) not in _UNARY:
                self._fail(f"the operator {_op_text(node.op)} is not allowed here"
                           + _CONDITION_HINT * isinstance(node.op, ast.Invert))
            return self._check(node.operand, "value")
        if kind is ast.Compare:
            if context != "condition":
                self._fail("comparisons are only allowed as the condition of where(c, a, b)")
            if any(type(op) not in _COMPARE for op in node.ops):
                self._fail("only < <= > >= == != comparisons are allowed")
            for sub in [node.left, *node.comparators]:
                self._check(sub, "value")
            return None
        if kind is ast.Subscript:
            self._check(node.value, "value")
            return self._check_index(node.slice)
        if kind is ast.Call:
            return self._check_call(node)
        if kind in (ast.Tuple, ast.List) and context == "argument":
            return self._check_sequence_argument(node)
        if kind in (ast.Tuple, ast.List):
            self._fail("tuples and lists are only allowed as function arguments, "
                       "e.g. reshape(x, (2, 3)) or stack([a, b])")
        self._fail(f"{kind.__name__} syntax is not allowed in expressions")

    def _check_constant(self, node, context):
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            if context != "argument":
                self._fail(f"{value!r} is only allowed as a function argument or index")
        elif isinstance(value, str):
            if context != "argument":
                self._fail(f"the string {value!r} is only allowed as a function argument")
        elif not isinstance(value, _NUMBER):
            self._fail(f"the constant {value!r} is not a real number")

    def _check_name(self, name):
        if name.startswith("_"):
            self._fail(f"names starting with '_' ({name!r}) are not allowed")
        in_scope = name in self._user_scope or name in BUILTIN_NAMES
        if name in FUNCTIONS and not in_scope:
            self._fail(f"{name!r} is a function; call it, e.g. {name}(x)")
        if not in_scope:
            self._fail(f"undefined name {name!r}; define it under inputs, constants or let "
                       "(a let entry can only use the names defined above it)")
        if name in self._user_scope:
            self.names.add(name)

    def _check_index(self, node):
        parts = node.elts if isinstance(node, ast.Tuple) else [node]
        for part in parts:
            if isinstance(part, ast.Slice):
                for bound in (part.lower, part.upper, part.step):
                    if bound is not None and _constant_int(bound) is None:
                        self._fail("slice bounds must be integer constants, e.g. x[1:-1]")
            elif not (_constant_int(part) is not None or _is_constant(part, (type(None),))
                      or _is_constant(part, (type(Ellipsis),))):
                self._fail("indices must be integer constants, slices, None or ..., "
                           "e.g. x[0], A[:, 1:3], x[None, :]")

    def _check_call(self, node):
        name = _call_name(node.func)
        dotted = _dotted(node.func) if isinstance(node.func, ast.Attribute) else None
        if name is None and dotted is not None:
            head, short = dotted.split(".", 1)[0], dotted.rsplit(".", 1)[-1]
            if head == "linalg" and "." not in dotted[7:] and short not in FUNCTIONS \
                    and not short.startswith("_"):
                self._fail(f"unknown function {dotted!r}; from linalg: "
                           f"{', '.join(_LINALG_NAMES)}")
            if head in self._user_scope:
                self._fail(f"methods are not allowed: write {short}({head}, ...) rather than "
                           f"{dotted}(...)" if short in FUNCTIONS else
                           f"attribute access ({dotted}) is not allowed; call a whitelisted "
                           "function instead, e.g. transpose(A) rather than A.T")
            if short in FUNCTIONS:
                also = f" (or linalg.{short})" if short in _LINALG_NAMES else ""
                self._fail(f"write {short}(...){also} rather than {dotted}(...): functions go "
                           "by their NumPy names without a prefix")
        name = _call_name(node.func)
        if name is None:
            self._check(node.func, "value")      # names the real problem (attribute, ...)
            self._fail("only calls of named functions such as sin(x) are allowed")
        if name.startswith("_"):
            self._fail(f"names starting with '_' ({name!r}) are not allowed")
        if name not in FUNCTIONS:
            close = difflib.get_close_matches(name, FUNCTIONS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else \
                "; use a NumPy name such as sin, exp, sum, where, dot or solve"
            self._fail(f"unknown function {name!r}{hint}")
        for i, arg in enumerate(node.args):
            if isinstance(arg, ast.List) and name not in LIST_FUNCTIONS:
                self._fail(f"a list [...] is only allowed as the argument of "
                           f"{', '.join(sorted(LIST_FUNCTIONS))}")
            condition = name in CONDITION_FUNCTIONS and i == 0
            self._check(arg, "condition" if condition else "argument")
        for keyword in node.keywords:
            if keyword.arg is None:
                self._fail("'**' unpacking is not allowed")
            if not _is_static(keyword.value):
                self._fail(f"keyword argument {keyword.arg}= of {name} must be a constant "
                           "(a number, string, True/False/None or a tuple of numbers)")

    def _check_sequence_argument(self, node):
        if isinstance(node, ast.Tuple):
            if not all(_is_static(elt) for elt in node.elts):
                self._fail("tuple arguments must hold constants only, e.g. (2, 3)")
            return None
        self._check_list(node)

    def _check_list(self, node, depth=0):
        """[a, b, ...] whose items are values or, nested, list literals of values."""
        if not node.elts:
            self._fail("an empty list [] has no values; leave it out")
        for elt in node.elts:
            if isinstance(elt, ast.List):
                self._check_list(elt, depth + 1)
            else:
                self._check(elt, "value")


# --------------------------------------------------------------------- helpers ----------
def _dotted(node):
    """'np.linalg.norm' for an attribute chain of plain names, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _call_name(func):
    """The whitelist name a call's function spells: `sin`, or `norm` for `linalg.norm`
    (only whitelisted linalg names: no attribute is ever looked up); else None."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and func.value.id == "linalg" and func.attr in _LINALG_NAMES:
        return func.attr
    return None


def _op_text(op):
    return {ast.FloorDiv: "//", ast.Mod: "%", ast.BitAnd: "&", ast.BitOr: "|",
            ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>", ast.Invert: "~",
            ast.Not: "not"}.get(type(op), type(op).__name__)


def _is_constant(node, types):
    return isinstance(node, ast.Constant) and isinstance(node.value, types)


def _constant_int(node):
    """The integer a node spells (e.g. 3 or -1), or None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _constant_int(node.operand)
        return None if value is None else (-value if isinstance(node.op, ast.USub) else value)
    if _is_constant(node, int) and not isinstance(node.value, bool):
        return node.value
    return None


def _is_static(node):
    """A constant: number (maybe negated), string, True/False/None, or a tuple of those."""
    if isinstance(node, ast.Tuple):
        return all(_is_static(elt) for elt in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return _is_constant(node.operand, _NUMBER)
    return isinstance(node, ast.Constant) and (
        isinstance(node.value, (int, float, str, bool)) or node.value is None)


def _static_value(node):
    if isinstance(node, ast.Tuple):
        return tuple(_static_value(elt) for elt in node.elts)
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](node.operand.value)
    return node.value


def _power(base, exponent):
    # NOTE: two Python numbers are raised as floats so '10**10**10' overflows at once
    # instead of building a gigantic integer.
    if isinstance(base, _NUMBER) and isinstance(exponent, _NUMBER):
        return float(base) ** float(exponent)
    return base ** exponent


# ------------------------------------------------------------------ evaluation ----------
class _Guard:
    """Checks, before an operator or call runs, that its result fits the memory budget."""

    def __init__(self, limits, where):
        self.limits, self.where = limits, where

    def check(self, count, what):
        if count is not None:
            self.limits.check_values(count, self.where, f"{what} ({count} values)")


def _evaluate(node, env, guard):
    kind = type(node)
    if kind is ast.Constant:
        return node.value
    if kind is ast.Name:
        return env[node.id] if node.id in env else BUILTIN_NAMES[node.id]
    if kind is ast.BinOp:
        left, right = _evaluate(node.left, env, guard), _evaluate(node.right, env, guard)
        if isinstance(node.op, ast.MatMult):
            try:
                guard.check(sizes.matmul_size(left, right), "the result of @")
            except ValueError:
                pass                                # the operator says what does not match
        else:
            count = sizes.broadcast_size(left, right)
            if count is not None:
                guard.check(count, f"the result of {_op_text(node.op)}")
        if isinstance(node.op, ast.Pow):
            return _power(left, right)
        return {**_BINARY, **_CONDITION_BINARY}[type(node.op)](left, right)
    if kind is ast.UnaryOp:
        operand = _evaluate(node.operand, env, guard)
        return operator.invert(operand) if isinstance(node.op, ast.Invert) \
            else _UNARY[type(node.op)](operand)
    if kind is ast.Compare:
        return _compare(node, env, guard)
    if kind is ast.Subscript:
        return _evaluate(node.value, env, guard)[_index(node.slice)]
    if kind is ast.Call:
        name = _call_name(node.func)
        args = [_evaluate(arg, env, guard) for arg in node.args]
        kwargs = {kw.arg: _static_value(kw.value) for kw in node.keywords}
        count = sizes.call_size(name, args, kwargs)
        if count is not None:
            guard.check(count, f"the result of {name}(...)")
        return FUNCTIONS[name](*args, **kwargs)
    if kind is ast.Tuple:
        return _static_value(node)
    if kind is ast.List:
        return [_inner_list(elt, env, guard) if isinstance(elt, ast.List) else
                _evaluate(elt, env, guard) for elt in node.elts]
    return _static_value(node)


def _inner_list(node, env, guard):
    """A list literal inside a list argument, as one array: [0.0] -> array([0.]),
    [x[0], x[1]] -> stack([x[0], x[1]])."""
    items = [_inner_list(elt, env, guard) if isinstance(elt, ast.List) else
             _evaluate(elt, env, guard) for elt in node.elts]
    if all(isinstance(item, (_NUMBER, np.ndarray)) and not isinstance(item, bool)
           for item in items):
        return np.asarray(items, dtype=float)
    return np.stack(items)


def _compare(node, env, guard):
    result, left = None, _evaluate(node.left, env, guard)
    for op, comparator in zip(node.ops, node.comparators):
        right = _evaluate(comparator, env, guard)
        guard.check(sizes.broadcast_size(left, right), "the result of a comparison")
        part = _COMPARE[type(op)](left, right)
        result = part if result is None else operator.and_(result, part)
        left = right
    return result


def _index(node):
    if isinstance(node, ast.Tuple):
        return tuple(_index(elt) for elt in node.elts)
    if isinstance(node, ast.Slice):
        return slice(*(None if b is None else _constant_int(b)
                       for b in (node.lower, node.upper, node.step)))
    return _static_value(node)


def constant_number(source, where):
    """Evaluate a constant arithmetic expression such as '10**7' (for shapes); no names."""
    return Expr(source, where, scope=()).evaluate({})


def _depth(root):
    """The nesting depth of an expression tree, without recursion."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest
