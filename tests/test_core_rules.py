"""Every primitive has every rule, and the dispatch tables point at real primitives."""
import numpy as np
import pytest

import jaccli  # noqa: F401  (registers the primitives)
from jaccli import numpy_api
from jaccli.ir import Eqn, Var
from jaccli.rules import (KINDS, eval_rule, eval_rules, impl_rules, jvp_rules, nondiff, primitives,
                          vjp_rules)


@pytest.mark.parametrize("name", sorted(primitives))
def test_every_primitive_has_every_rule(name):
    p = primitives[name]
    assert p in impl_rules and callable(impl_rules[p])
    assert p in jvp_rules and callable(jvp_rules[p]), f"{name} has no JVP rule"
    assert p in vjp_rules and callable(vjp_rules[p]), f"{name} has no VJP rule"


def test_nondiff_primitives_are_registered():
    assert nondiff <= set(primitives.values())


def test_supported_names_cover_the_core_surface():
    names = set(numpy_api.supported_names())
    for must in ["np.sin", "np.matmul", "np.einsum", "np.linalg.solve", "np.concatenate",
                 "np.sum", "np.where", "np.zeros_like", "ndarray.reshape", "ndarray.sum"]:
        assert must in names, must
    assert len(names) > 150


# ---------------------------------------------------------------- kinds, partials, eval rules

def _elementwise_diff():
    return [p for name, p in sorted(primitives.items())
            if p.kind == "elementwise" and p not in nondiff]


@pytest.mark.parametrize("name", sorted(primitives))
def test_every_primitive_has_a_kind_and_its_data(name):
    p = primitives[name]
    assert p.kind in KINDS, f"{name}: kind {p.kind!r}"
    if p.kind == "elementwise" and p not in nondiff:
        assert p.partials and all(d is None or callable(d) or isinstance(d, float)
                                  for d in p.partials), name
    else:
        assert p.partials is None, f"{name}: partials are for differentiable elementwise ones"
    assert (p.monoid is not None) == (p.kind in ("reduction", "scan")), name


@pytest.mark.parametrize("name", sorted(primitives))
def test_only_elementwise_primitives_use_the_default_eval_rule(name):
    """A primitive with an ``axis`` and no eval rule would reduce over the point axis."""
    p = primitives[name]
    if p.kind != "elementwise":
        assert p in eval_rules, f"{name} ({p.kind}) needs its own eval rule"
    assert callable(eval_rule(p))


def _point(p, rng):
    n = len(p.partials)
    lo, hi = (1.2, 1.8) if p.name == "arccosh" else (0.2, 0.8)
    xs = [rng.uniform(lo, hi, 3) for _ in range(n)]
    if p.name == "where":
        xs[0] = np.array([True, False, True])
    if p.name == "ldexp":                      # an integer exponent
        xs[1] = np.array([-1, 0, 3])
    return xs


@pytest.mark.parametrize("p", _elementwise_diff(), ids=lambda p: p.name)
def test_partials_are_what_the_rules_apply(p):
    """t_out = sum_i t_i * d_i and ct_i = ct * d_i, whatever shortcut the rules take."""
    rng = np.random.default_rng(0)
    xs = _point(p, rng)
    params = {"dtype": np.dtype(np.float64)} if p.name == "convert" else \
        {"dtype": np.dtype(np.complex128)} if p.name == "promote" else {}
    out = impl_rules[p](*xs, **params)
    e = Eqn(p, [Var(x.shape, x.dtype) for x in xs], params, Var(out.shape, out.dtype),
            tuple(x.shape for x in xs))
    ts = [rng.standard_normal(3) if d is not None else None for d in p.partials]
    terms = [t * (d(*xs, out) if callable(d) else d) for t, d in zip(ts, p.partials)
             if d is not None]
    np.testing.assert_allclose(jvp_rules[p](e, xs, out, ts), sum(terms), rtol=1e-14)
    ct = rng.standard_normal(3)
    cts = vjp_rules[p](e, xs, out, ct, e.needs)
    for c, d in zip(cts, p.partials):
        if d is not None:
            np.testing.assert_allclose(c, ct * (d(*xs, out) if callable(d) else d), rtol=1e-14)


def test_the_nondiff_ufuncs_are_primitives_of_the_closed_set():
    from jaccli.numpy_api.ufuncs import BINARY, UNARY
    from jaccli.primitives import elementwise as ew
    assert UNARY[np.invert] is ew.invert_p
    defined = {v for k, v in vars(ew).items() if k.endswith("_p")}
    for uf in (np.floor_divide, np.heaviside, np.bitwise_and, np.bitwise_or, np.bitwise_xor):
        assert BINARY[uf] in nondiff and BINARY[uf] in defined, uf
