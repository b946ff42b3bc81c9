"""Random NumPy programs for the random-program check (tests/test_random_programs.py, and
scripts/random_programs.py before a release): compositions of the supported operations --
broadcasting, reductions over random axes, matmul / einsum, indexing with slices, integer
arrays and masks, item assignment (through views too), concatenate / stack / reshape /
transpose, where / maximum, cumsum / sort, solve / inv / det of well-conditioned matrices,
pinv / svd / eigvalsh, the corners of issue 18 (x ** 0, unique, integer dtype=, ldexp /
frexp, integer casts, copies in K order), Python loops -- written out as source text, so a failing program prints as it ran.

``check(seed)`` builds one program, runs jaccli (fwd, rev and batched over two points) and
compares with central differences of the same program. Its verdict:

- "agreed": every mode matched central differences;
- "refused": jaccli raised a JaccliError (a clear, deliberate refusal);
- "skipped": the point is not smooth enough for central differences to be a reference (two
  step sizes disagree: a kink, a tie or a jump within reach), or NumPy itself failed;
- "wrong": jaccli returned numbers that differ from a trustworthy reference -- never allowed;
- "raw": jaccli raised something other than a JaccliError -- never allowed either.
"""
import warnings

import numpy as np

import jaccli
from jaccli.errors import JaccliError
from jaccli.points import BranchWarning

# ---- the generator ---------------------------------------------------------------------
# Each operation is (name, applies(shape) -> bool, make(rng, name_in, shape) -> source line
# producing a new variable). Shapes come from running the lines on the point as we go.


def _axis(rng, shape):
    return int(rng.integers(-len(shape), len(shape)))


def _unary(rng, v, shape):
    f = rng.choice(["np.sin({})", "np.tanh({})", "np.cos({})", "{} * {}", "np.sqrt({} * {} + 1.0)",
                    "np.log1p({} * {})", "np.exp(-{} * {})", "0.5 * {} - 1.0", "-{}",
                    "np.abs({}) + {}", "{} ** 3", "np.arctan({})"])
    return f.replace("{}", v)


def _broadcast_partner(rng, shape):
    """A shape broadcastable against ``shape``: a suffix of it, with some ones."""
    k = int(rng.integers(0, len(shape) + 1))
    tail = list(shape[len(shape) - k:])
    return tuple(1 if rng.random() < 0.3 else d for d in tail)


OPS = []


def op(applies=lambda s: True):
    def register(make):
        OPS.append((make.__name__, applies, make))
        return make
    return register


@op()
def unary(rng, v, s, env):
    return _unary(rng, v, s)


@op()
def binary_var(rng, v, s, env):
    """Two variables of the program, broadcast (a reduction of the other to fit)."""
    names = [n for n in env if n.startswith("v") and np.shape(env[n]) == s]
    w = str(rng.choice(names))
    sym = str(rng.choice(["+", "-", "*"]))
    return f"{v} {sym} {w}"


@op()
def binary_const(rng, v, s, env):
    c = np.round(rng.uniform(0.5, 1.5, _broadcast_partner(rng, s)), 2)
    sym = str(rng.choice(["+", "-", "*", "/"]))
    lit = repr(c.tolist()) if c.ndim else repr(float(c))
    return f"{v} {sym} np.array({lit})" if rng.random() < 0.5 else f"np.array({lit}) {sym} {v}"


@op(lambda s: len(s) >= 1)
def list_operand(rng, v, s, env):
    c = np.round(rng.uniform(0.5, 1.5, s[-1:]), 2).tolist()
    return str(rng.choice([f"{v} * {c}", f"{c} + {v}", f"{v} - {c}"]))


@op(lambda s: len(s) >= 1)
def reduction(rng, v, s, env):
    fn = str(rng.choice(["np.sum", "np.mean", "np.max", "np.min", "np.prod", "np.std"]))
    axis = _axis(rng, s)
    keep = bool(rng.random() < 0.3)
    src = f"{fn}({v}, axis={axis}, keepdims={keep})"
    return f"{src} * 0.5" if fn == "np.prod" else src


@op(lambda s: len(s) >= 1)
def reduce_all(rng, v, s, env):
    return str(rng.choice([f"{v}.sum()", f"np.mean({v})", f"np.linalg.norm({v})",
                           f"np.max({v})"]))


@op(lambda s: 1 <= len(s) <= 2)
def matmul(rng, v, s, env):
    k = int(rng.integers(1, 4))
    W = np.round(rng.uniform(-1, 1, (s[-1], k)), 2).tolist()
    if rng.random() < 0.5:
        return f"{v} @ np.array({W})"
    return f"np.matmul({v}, {W})"


@op(lambda s: len(s) == 2)
def gram(rng, v, s, env):
    return str(rng.choice([f"{v} @ {v}.T * 0.3", f"np.einsum('ij,kj->ik', {v}, {v}) * 0.3",
                           f"np.einsum({v}, [0, 1], [1, 0])", f"np.einsum('ij,ij->i', {v}, {v})"]))


@op(lambda s: len(s) >= 1 and s[0] >= 2)
def slicing(rng, v, s, env):
    return str(rng.choice([f"{v}[1:]", f"{v}[::-1]", f"{v}[:-1] - {v}[1:]", f"{v}[::2]",
                           f"{v}[-1:, ...]"]))


@op(lambda s: len(s) >= 1 and s[-1] >= 2)
def fancy(rng, v, s, env):
    idx = rng.integers(0, s[-1], int(rng.integers(1, 5))).tolist()
    mask = (rng.random(s[-1]) < 0.6).tolist()
    if not any(mask):
        mask[0] = True
    return str(rng.choice([f"{v}[..., {idx}]", f"{v}[..., np.array({mask})]"]))


@op(lambda s: len(s) >= 1 and s[0] >= 2)
def setitem(rng, v, s, env):
    """Item assignment, into a copy, a zeros_like or through a view of a copy."""
    k = int(rng.integers(0, 4))
    if k == 0:
        return f"_a = {v}.copy()\n_a[0] = np.sin({v}[-1])\n{{out}} = _a"
    if k == 1:
        return f"_a = np.zeros_like({v})\n_a[1:] = {v}[:-1] * 2.0\n{{out}} = _a + {v}"
    if k == 2:
        return f"_a = {v}.copy()\n_w = _a[-1:, ...]\n_w += {v}[0] * 0.5\n{{out}} = _a"
    return f"_a = {v}.T.copy()\n_w = _a.reshape(-1)\n_w[0] = 3.0 * _a.reshape(-1)[-1]\n{{out}} = _a"


@op(lambda s: len(s) >= 1)
def joining(rng, v, s, env):
    axis = _axis(rng, s)
    return str(rng.choice([f"np.concatenate([{v}, np.sin({v})], axis={axis})",
                           f"np.stack([{v}, {v} * 2.0], axis={int(rng.integers(0, len(s) + 1))})",
                           f"np.concatenate([{v}, {v}[..., :1]], axis=-1)"]))


@op(lambda s: len(s) >= 1)
def reshaping(rng, v, s, env):
    size = int(np.prod(s))
    choices = [f"{v}.reshape(-1)", f"{v}.T", f"np.expand_dims({v}, 0)", f"{v}.ravel()[::-1]"]
    if len(s) >= 2:
        choices += [f"np.swapaxes({v}, 0, -1)", f"{v}.reshape({s[0]}, -1)"]
    if size % 2 == 0:
        choices.append(f"{v}.reshape(2, -1)")
    return str(rng.choice(choices))


@op(lambda s: len(s) >= 1)
def piecewise(rng, v, s, env):
    return str(rng.choice([f"np.where({v} > 0.1, {v}, 0.5 * {v})", f"np.maximum({v}, 0.2)",
                           f"np.minimum({v}, np.cos({v}))", f"np.clip({v}, -0.5, 0.8)"]))


@op(lambda s: len(s) >= 1)
def scans(rng, v, s, env):
    axis = _axis(rng, s)
    return str(rng.choice([f"np.cumsum({v}, axis={axis})", f"np.sort({v}, axis={axis})",
                           f"np.cumprod(np.tanh({v}), axis={axis})", f"np.diff({v}, axis={axis})"
                           if s[axis] >= 2 else f"np.cumsum({v}, axis={axis})"]))


@op(lambda s: len(s) == 2 and s[0] == s[1])
def linalg(rng, v, s, env):
    n = s[0]
    A = f"(np.eye({n}) * 3.0 + 0.3 * np.tanh({v}))"
    b = np.round(rng.uniform(-1, 1, n), 2).tolist()
    return str(rng.choice([f"np.linalg.solve({A}, {v})", f"np.linalg.inv({A})",
                           f"np.linalg.det({A}) * {v}", f"np.linalg.solve({A}, np.array({b}))",
                           f"np.linalg.slogdet({A})[1] + {v}"]))


@op(lambda s: len(s) == 2)
def decompositions(rng, v, s, env):
    return str(rng.choice([f"np.linalg.pinv({v})", f"np.linalg.pinv({v}[:, :1] @ {v}[:1])",
                           f"np.linalg.svd({v}, compute_uv=False)",
                           f"np.linalg.eigvalsh({v} @ {v}.T, 'U')",
                           f"np.linalg.det({v}[:, :1] @ {v}[:1] + 0.0 * {v}[:1].T @ {v}[:1])"
                           if s[0] == s[1] else f"np.linalg.norm({v}, 2)"]))


@op(lambda s: len(s) >= 1)
def odd_corners(rng, v, s, env):
    return str(rng.choice([f"{v} ** 0 + {v}", f"np.unique({v})", f"np.sum({v} * 3.0, dtype=int) * {v}",
                           f"np.cumsum({v}, dtype=np.int64) + {v}", f"np.ldexp({v}, 2)",
                           f"np.frexp({v})[0]", f"np.fft.fftshift({v})", f"np.angle({v}) * {v}",
                           f"np.int64({v}.reshape(-1)[0] * 4.0) * {v}",
                           f"np.copy({v}.T, order='K').reshape(-1)"]))


@op()
def loop(rng, v, s, env):
    k = int(rng.integers(1, 4))
    return (f"_a = {v}\nfor _k in range({k}):\n    _a = 0.5 * _a + np.sin(_a) * 0.3\n"
            f"{{out}} = _a")


@op(lambda s: len(s) >= 1 and s[-1] >= 2)
def square_up(rng, v, s, env):
    """Make a square matrix out of v's last axis (for linalg to apply)."""
    n = s[-1]
    return f"np.outer({v}.reshape(-1)[:{n}], np.ones({n})) * 0.5 + np.diag(np.arange({n}) * 0.1)"


def _line(src, out):
    if "{out}" in src:
        return src.replace("{out}", out)
    return f"{out} = {src}"


def make_program(rng, steps=None):
    """(source text of ``def f(x): ...``, the point x): a random program of ``steps`` ops."""
    shape = tuple(int(d) for d in rng.integers(2, 5, int(rng.integers(1, 4))))
    x = rng.uniform(-1.5, 1.5, shape)
    env = {"np": np, "v0": x.copy()}
    lines = ["v0 = x"]
    steps = int(rng.integers(3, 10)) if steps is None else steps
    last = "v0"
    for i in range(1, steps + 1):
        vars_ = [n for n in env if n.startswith("v")]
        v = last if rng.random() < 0.75 else str(rng.choice(vars_))
        s = np.shape(env[v])
        for _ in range(20):
            name, applies, make = OPS[int(rng.integers(len(OPS)))]
            if applies(s):
                break
        else:
            name, make = "unary", unary
        line = _line(make(rng, v, s, env), f"v{i}")
        trial = dict(env)
        try:
            with np.errstate(all="ignore"):
                exec(line, trial)
        except Exception:                 # noqa: BLE001 - an op that does not fit: skip it
            continue
        value = trial[f"v{i}"]
        if not np.all(np.isfinite(value)) or np.size(value) == 0 or np.size(value) > 200 \
                or np.max(np.abs(value)) > 1e4:
            continue
        env.update({k: val for k, val in trial.items() if k.startswith("v")})
        lines.append(line)
        last = f"v{i}"
    body = "\n".join("    " + ln for ln in "\n".join(lines).split("\n"))
    return f"def f(x):\n{body}\n    return {last}\n", x


def compile_program(source):
    scope = {"np": np}
    exec(source, scope)
    return scope["f"]


# ---- the check -------------------------------------------------------------------------

def _fd(f, x, h):
    y = np.asarray(f(x.copy()), dtype=float)
    J = np.zeros(y.shape + x.shape)
    for j in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[j] += h
        xm[j] -= h
        J[(...,) + j] = (np.asarray(f(xp), dtype=float) - np.asarray(f(xm), dtype=float)) / (2 * h)
    return J


def reference(f, x):
    """Central differences at two step sizes, or None where they disagree (not smooth)."""
    with np.errstate(all="ignore"):
        J1, J2 = _fd(f, x, 1e-5), _fd(f, x, 1e-6)
    if not (np.all(np.isfinite(J1)) and np.allclose(J1, J2, rtol=1e-4, atol=1e-6)):
        return None
    return J2


def _close(J, ref):
    return np.shape(J) == np.shape(ref) and np.allclose(J, ref, rtol=1e-4, atol=1e-6)


def check(seed, steps=None):
    """(verdict, detail) for the program of ``seed``; see the module docstring."""
    rng = np.random.default_rng(seed)
    source, x = make_program(rng, steps)
    f = compile_program(source)
    x2 = x + rng.uniform(-0.05, 0.05, x.shape)
    try:
        y = np.asarray(f(x.copy()))
        refs = [reference(f, x), reference(f, x2)]
    except Exception as exc:                      # noqa: BLE001 - NumPy itself failed
        return "skipped", f"numpy: {type(exc).__name__}: {exc}\n{source}"
    if refs[0] is None:
        return "skipped", f"not smooth at the point\n{source}"
    try:
        yj, _ = jaccli.jvp(f, (x.copy(),), (np.zeros_like(x),))
        if not np.allclose(np.asarray(yj), y, rtol=1e-10, atol=1e-12):
            return "wrong", f"value differs from NumPy's\n{source}"
        for mode in ("fwd", "rev"):
            J = jaccli.jacobian(f, x.copy(), mode=mode)
            if not _close(J, refs[0]):
                return "wrong", f"{mode}: max |J - fd| = {_maxdiff(J, refs[0])}\n{source}"
        if refs[1] is not None:
            with warnings.catch_warnings():           # two points on two paths: expected
                warnings.simplefilter("ignore", BranchWarning)
                Jb = jaccli.jacobian(f, np.stack([x, x2]), batched=True)
            for b, ref in enumerate(refs):
                if not _close(Jb[b], ref):
                    return "wrong", f"batched point {b}: max |J - fd| = " \
                                    f"{_maxdiff(Jb[b], ref)}\n{source}"
    except JaccliError as exc:
        return "refused", f"{type(exc).__name__}: {exc}\n{source}"
    except Exception as exc:                      # noqa: BLE001 - what the check is for
        return "raw", f"{type(exc).__name__}: {exc}\n{source}"
    return "agreed", source


def _maxdiff(J, ref):
    return float(np.max(np.abs(np.asarray(J) - ref))) if np.shape(J) == np.shape(ref) else \
        f"shapes {np.shape(J)} vs {np.shape(ref)}"
