"""Benchmark cases for scripts/bench.py: the anchor cases of ../shared/bench/anchors.py written
the jaccli user's way (plain NumPy, weights as extra arguments), their data and analytic
Jacobians.

Data and references come from ``anchors.py`` when it is present (same random draws, so numbers
compare with its JSON); otherwise from the rewrite below, which draws in the same order.
"""
import importlib.util
import math
from pathlib import Path

import numpy as np

CASE_NAMES = ("seed", "mlp_wide", "mlp_tall", "square", "stencil")
# extra (non-differentiated) arguments of each case function, in call order
EXTRA_ARGS = {"seed": (), "mlp_wide": ("W1", "b1", "W2"), "mlp_tall": ("W1", "b1", "W2"),
              "square": ("A",), "stencil": ()}

ANCHORS_PATH = Path(__file__).resolve().parents[2] / "shared" / "bench" / "anchors.py"


def load_anchors():
    """The shared anchors module, or None where this checkout has no ../shared beside it."""
    if not ANCHORS_PATH.is_file():
        return None
    spec = importlib.util.spec_from_file_location("jaccli_bench_anchors", ANCHORS_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def case_functions(xp):
    """The case functions over an array namespace ``xp`` (numpy, jax.numpy or torch): for
    jaccli ``xp`` is plain NumPy, exactly what a user writes."""
    def seed(x):  # ln(x1) + x1 x2 - sin(x2)
        return xp.log(x[0:1]) + x[0:1] * x[1:2] - xp.sin(x[1:2])

    def mlp(x, W1, b1, W2):
        return W2 @ xp.tanh(W1 @ x + b1)

    def square(x, A):
        return xp.sin(A @ x) * xp.exp(-x * x) + x ** 3

    def stencil(u):
        n = u.shape[0]
        z = u[:1] * 0
        up = xp.concatenate([z, u, z])
        return (up[:-2] - 2 * up[1:-1] + up[2:]) * float(n * n) + xp.exp(up[1:-1])

    return dict(seed=seed, mlp_wide=mlp, mlp_tall=mlp, square=square, stencil=stencil)


# ---------------------------------------------------------------- fallback (no anchors.py)

def _cases(rng):
    """Same draws, same order as anchors.cases(rng, big=False); 'points' is drawn last and
    dropped."""
    C = {"seed": dict(n=2, m=1, x=np.array([2.0, 5.0]))}
    N, H, S = 2000, 500, 10
    W1 = rng.standard_normal((H, N)) / math.sqrt(N)
    b1 = rng.standard_normal(H)
    W2 = rng.standard_normal((S, H)) / math.sqrt(H)
    C["mlp_wide"] = dict(n=N, m=S, x=rng.standard_normal(N), W1=W1, b1=b1, W2=W2)
    V1 = rng.standard_normal((H, S)) / math.sqrt(S)
    c1 = rng.standard_normal(H)
    V2 = rng.standard_normal((N, H)) / math.sqrt(H)
    C["mlp_tall"] = dict(n=S, m=N, x=rng.standard_normal(S), W1=V1, b1=c1, W2=V2)
    A = rng.standard_normal((500, 500)) / math.sqrt(500)
    C["square"] = dict(n=500, m=500, x=rng.standard_normal(500), A=A)
    C["stencil"] = dict(n=2000, m=2000, x=rng.uniform(0, 0.1, 2000))
    return C


def _ref_jac(name, case):
    x = case["x"]
    if name == "seed":
        return np.array([[1 / x[0] + x[1], x[0] - np.cos(x[1])]])
    if name.startswith("mlp"):
        h = np.tanh(case["W1"] @ x + case["b1"])
        return case["W2"] @ ((1 - h * h)[:, None] * case["W1"])
    if name == "square":
        A = case["A"]
        a, e = A @ x, np.exp(-x * x)
        return (np.cos(a)[:, None] * A * e[:, None]
                + np.diag(np.sin(a) * e * (-2 * x) + 3 * x * x))
    if name == "stencil":
        n = x.shape[0]
        off = np.full(n - 1, float(n * n))
        return np.diag(-2.0 * n * n + np.exp(x)) + np.diag(off, 1) + np.diag(off, -1)
    raise KeyError(name)


def build(anchors):
    """(cases dict, ref_jac function) from anchors when given, else from the rewrite."""
    if anchors is not None:
        return anchors.cases(np.random.default_rng(0), False), anchors.ref_jac
    return _cases(np.random.default_rng(0)), _ref_jac
