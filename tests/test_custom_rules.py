"""User-defined primitives (jaccli.primitive): rules given as JVP or VJP (each derived from
the other), checked forward, reverse, batched over points, second order, sparse, through
jacfun and pickling, against central differences or hand-derived formulas; and the errors
a wrong or missing rule gives. jaccli.testing.check_rules must catch a wrong rule."""
import pickle

import numpy as np
import pytest
import scipy.linalg

import jaccli
from checks import fd_jacobian
from jaccli.sweeps import Seeds, sweep_chunk


@jaccli.primitive
def solve_jvp_only(A, b):
    return scipy.linalg.solve(A, b)


@solve_jvp_only.defjvp
def _solve_jvp(primals, tangents):
    (A, b), (A_dot, b_dot) = primals, tangents
    x = solve_jvp_only(A, b)
    return x, np.linalg.solve(A, b_dot - A_dot @ x)


@jaccli.primitive
def solve_vjp_only(A, b):
    return scipy.linalg.solve(A, b)


@solve_vjp_only.defvjp
def _solve_vjp(primals, out, cotangent):
    A, b = primals
    b_bar = np.linalg.solve(A.T, cotangent)
    return -np.outer(b_bar, out), b_bar


@jaccli.primitive(sparsity="elementwise", vectorized=True)
def cube(x):
    return np.asarray(x) ** 3          # called, not traced


@cube.defjvp
def _cube_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return cube(x), 3 * x ** 2 * t


@jaccli.primitive
def wrong_cube(x):
    return np.asarray(x) ** 3


@wrong_cube.defjvp
def _wrong_cube_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return wrong_cube(x), 2 * x ** 2 * t     # deliberately wrong: should be 3 x^2


@jaccli.primitive
def no_rules(x):
    return np.asarray(x) * 2.0


@jaccli.primitive
def bad_shape(x):
    return np.asarray(x) * 2.0


@bad_shape.defjvp
def _bad_shape_jvp(primals, tangents):
    return bad_shape(primals[0]), np.sum(tangents[0])          # a scalar, not x's shape


@jaccli.primitive
def bad_count(A, b):
    return scipy.linalg.solve(A, b)


@bad_count.defvjp
def _bad_count_vjp(primals, out, cotangent):
    return (np.linalg.solve(primals[0].T, cotangent),)          # one cotangent for 2 inputs


@jaccli.primitive
def opaque_exp(x):
    return np.exp(np.asarray(x))


@opaque_exp.defjvp(batched=True)
def _opaque_exp_jvp(primals, tangents):
    # called with tangents carrying leading seed axes; may call anything (not traced)
    y = np.exp(primals[0])
    return y, scipy.special.expit(0.0) * 2 * y * tangents[0]   # expit(0) * 2 == 1


@jaccli.primitive
def self_tangent(x):
    return np.asarray(x) * 3.0


@self_tangent.defjvp
def _self_tangent_jvp(primals, tangents):
    return self_tangent(primals[0]), self_tangent(tangents[0])   # the primitive on tangents


import scipy.special  # noqa: E402  (used by the opaque rule)

RNG = np.random.default_rng(16)
A = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
B = RNG.standard_normal(3)
SOLVERS = [solve_jvp_only, solve_vjp_only]


def _model(solver):
    return lambda A, b: np.sin(solver(A, b)) * b.sum()


def _reference(fn, args, nums):
    return [fd_jacobian(fn, args, k) for k in nums]


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: s.__name__)
@pytest.mark.parametrize("mode", ["fwd", "rev"])
@pytest.mark.parametrize("chunk_size", [None, 1, 4])
def test_first_order_against_central_differences(solver, mode, chunk_size):
    f = _model(solver)
    got = jaccli.jacobian(f, A, B, argnums=(0, 1), mode=mode, chunk_size=chunk_size)
    for g, r in zip(got, _reference(f, (A, B), (0, 1))):
        np.testing.assert_allclose(g, r, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: s.__name__)
def test_jvp_and_vjp_calls(solver):
    f = _model(solver)
    J = _reference(f, (A, B), (0, 1))
    tA, tb = RNG.standard_normal((3, 3)), RNG.standard_normal(3)
    _, ydot = jaccli.jvp(f, (A, B), (tA, tb))
    np.testing.assert_allclose(ydot, np.tensordot(J[0], tA, 2) + J[1] @ tb, rtol=1e-6,
                               atol=1e-8)
    u = RNG.standard_normal(3)
    _, vjp_fn = jaccli.vjp(f, A, B)
    Abar, bbar = vjp_fn(u)
    np.testing.assert_allclose(bbar, u @ J[1], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(Abar, np.tensordot(u, J[0], 1), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: s.__name__)
def test_hessian_against_the_hand_formula(solver):
    """f(b) = |A^-1 b|^2 has Hessian 2 A^-T A^-1, whatever b."""
    Ainv = np.linalg.inv(A)
    H = jaccli.hessian(lambda b: np.sum(solver(A, b) ** 2), B)
    np.testing.assert_allclose(H, 2 * Ainv.T @ Ainv, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS, ids=lambda s: s.__name__)
def test_nested_jacobian_and_second_order_in_A(solver):
    def g(A):
        return np.sum(np.sin(solver(A, B)))
    H = jaccli.jacobian(lambda A: jaccli.jacobian(g, A, mode="rev"), A, mode="fwd")
    grad = lambda A: jaccli.jacobian(g, A, mode="rev")             # checked above to 1st order
    np.testing.assert_allclose(H, fd_jacobian(grad, (A,), 0), rtol=1e-5, atol=1e-7)


def test_batched_points_with_a_vectorized_primitive():
    X = RNG.uniform(0.5, 1.5, (5, 4))
    f = lambda x: np.cumsum(cube(x)) * x[0]
    J = jaccli.jacobian(f, X, batched=True)
    for i in range(5):
        np.testing.assert_allclose(J[i], fd_jacobian(f, (X[i],), 0), rtol=1e-6, atol=1e-8)


def test_batched_points_need_a_vectorized_primitive():
    f = _model(solve_jvp_only)
    with pytest.raises(jaccli.InputError, match="vectorized=True"):
        jaccli.jacobian(f, np.stack([A, A]), np.stack([B, B]), argnums=(0, 1), batched=True)


def test_sparsity_dense_by_default_and_elementwise_when_declared():
    x = RNG.uniform(0.5, 1.5, 6)
    P = jaccli.sparsity(lambda x: cube(x) + 1.0, x).toarray()
    np.testing.assert_array_equal(P, np.eye(6, dtype=bool))
    P = jaccli.sparsity(lambda b: solve_jvp_only(A, b[:3]), x).toarray()
    np.testing.assert_array_equal(P, np.hstack([np.ones((3, 3), bool), np.zeros((3, 3), bool)]))
    S = jaccli.jacobian(lambda x: cube(x) * 2.0, x, sparse=True)
    np.testing.assert_allclose(S.toarray(), np.diag(6 * x ** 2), rtol=1e-12)
    assert S.nnz == 6


def test_sparsity_as_a_callable():
    @jaccli.primitive(sparsity=lambda shape: [np.eye(shape[0], dtype=bool)[::-1]])
    def reverse(x):
        return np.asarray(x)[::-1].copy()

    @reverse.defvjp
    def _(primals, out, ct):
        return ct[::-1]
    x = RNG.standard_normal(4)
    np.testing.assert_array_equal(jaccli.sparsity(reverse, x).toarray(),
                                  np.eye(4, dtype=bool)[::-1])
    np.testing.assert_allclose(jaccli.jacobian(reverse, x, sparse=True).toarray(),
                               np.eye(4)[::-1])


def test_jacfun_reuses_the_graph_at_a_new_point():
    f = _model(solve_vjp_only)
    jac = jaccli.jacfun(f, argnums=1)
    for b in (B, B + 0.5):
        np.testing.assert_allclose(jac(A, b), fd_jacobian(f, (A, b), 1), rtol=1e-6, atol=1e-8)


def test_a_graph_with_a_user_primitive_pickles_by_name():
    graph = jaccli.trace(_model(solve_jvp_only), A, B)
    back = pickle.loads(pickle.dumps(graph))
    prims = [e.prim for e in back.eqns if e.prim.kind == "custom"]
    assert prims == [solve_jvp_only.prim]
    seeds = Seeds.identity(0, 12)
    np.testing.assert_allclose(sweep_chunk(back, back.values, "fwd", seeds),
                               sweep_chunk(graph, graph.values, "fwd", seeds), rtol=1e-14)


def test_a_batched_rule_is_called_not_traced_and_is_first_order_only():
    x = RNG.uniform(0.5, 1.5, 3)
    np.testing.assert_allclose(jaccli.jacobian(opaque_exp, x, mode="fwd"), np.diag(np.exp(x)),
                               rtol=1e-12)
    with pytest.raises(jaccli.InputError, match="opaque_exp.*mode='rev' needs a VJP"):
        jaccli.jacobian(opaque_exp, x, mode="rev")
    with pytest.raises(jaccli.InputError, match="batched=True.*second"):
        jaccli.jacobian(lambda x: jaccli.jacobian(opaque_exp, x, mode="fwd"), x, mode="fwd")


def test_check_rules_passes_right_rules_and_catches_a_wrong_one():
    jaccli.testing.check_rules(solve_jvp_only, A, B, order=2)
    jaccli.testing.check_rules(solve_vjp_only, A, B, modes=("rev", "fwd"))
    jaccli.testing.check_rules(cube, RNG.uniform(0.5, 1.5, 4), order=2)
    with pytest.raises(AssertionError, match=r"(?s)wrong_cube.*mode='fwd'.*max abs error") as info:
        jaccli.testing.check_rules(wrong_cube, np.array([1.0, 2.0]))
    assert "central differences 12" in str(info.value)     # 3 * 2^2 at x = 2; jaccli said 8


def test_check_rules_checks_plain_functions_too():
    jaccli.testing.check_rules(lambda x: np.sin(x) * x.sum(), RNG.standard_normal(3), order=2)
    with pytest.raises(ValueError, match="one array output"):
        jaccli.testing.check_rules(lambda x: (x, x), np.ones(2))


def test_check_rules_catches_a_wrong_second_order():
    """A JVP whose first order is right at the point but whose derivative is not: x0 = 1, so
    3 x^2 and 2 x^2 + 1 (the wrong rule) agree there; their derivatives 6 x and 4 x differ."""
    @jaccli.primitive
    def cube_again(x):
        return np.asarray(x) ** 3

    @cube_again.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return cube_again(x), (2 * x ** 2 + 1) * t
    x = np.array([1.0])
    jaccli.testing.check_rules(cube_again, x)                   # first order: right here
    with pytest.raises(AssertionError, match="order 2"):
        jaccli.testing.check_rules(cube_again, x, order=2)


def test_missing_and_wrong_rules_name_the_primitive():
    x = np.ones(3)
    with pytest.raises(jaccli.InputError, match="no_rules has no derivative rule"):
        jaccli.jacobian(no_rules, x)
    assert np.allclose(no_rules(x), 2.0)                       # the value still computes
    with pytest.raises(jaccli.InputError, match=r"JVP rule of bad_shape.*shape \(\)"):
        jaccli.jacobian(bad_shape, x)
    with pytest.raises(jaccli.InputError, match="VJP rule of bad_count.*one cotangent per "
                                                "input \\(2\\), got 1"):
        jaccli.jacobian(lambda b: bad_count(A, b), B, mode="rev")
    with pytest.raises(jaccli.InputError, match="self_tangent.*without end"):
        jaccli.jacobian(self_tangent, x)


def test_bad_arguments_and_outputs_are_clear():
    with pytest.raises(jaccli.InputError, match="float arrays"):
        cube(np.array([1, 2], dtype=np.int64) > 0)

    @jaccli.primitive
    def two(x):
        return x, x
    with pytest.raises(jaccli.InputError, match="one float array"):
        jaccli.jacobian(two, np.ones(2))
    with pytest.raises(jaccli.InputError, match="sparsity="):
        jaccli.primitive(sparsity="diagonal")(lambda x: x)


def test_keyword_arguments_are_static_parameters():
    @jaccli.primitive
    def scaled(x, factor=1.0):
        return np.asarray(x) * factor

    @scaled.defjvp
    def _(primals, tangents, factor=1.0):
        return scaled(primals[0], factor=factor), tangents[0] * factor
    x = np.ones(3)
    for mode in ("fwd", "rev"):
        np.testing.assert_allclose(jaccli.jacobian(lambda x: scaled(x, factor=2.5), x,
                                                   mode=mode), 2.5 * np.eye(3))


# ---------------------------------------------------------------- other processes

_UNPICKLE = """
import pickle, sys
import numpy as np
from jaccli.sweeps import Seeds, sweep_chunk
graph = pickle.loads(sys.stdin.buffer.read())       # cases.custom is imported by name
assert "cases.custom" in sys.modules
np.save(sys.stdout.buffer, sweep_chunk(graph, graph.values, "rev", Seeds.identity(0, 3)))
"""


@pytest.mark.slow
def test_a_fresh_process_finds_the_primitive_by_its_name():
    import io
    import os
    import subprocess
    import sys
    from pathlib import Path
    from cases.custom import solve_by_vjp
    graph = jaccli.trace(lambda A, b: np.sin(solve_by_vjp(A, b)), A, B)
    tests = Path(__file__).resolve().parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tests.parent), str(tests)]))
    done = subprocess.run([sys.executable, "-c", _UNPICKLE], input=pickle.dumps(graph),
                          capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    here = sweep_chunk(graph, graph.values, "rev", Seeds.identity(0, 3))
    np.testing.assert_array_equal(np.load(io.BytesIO(done.stdout)), here)


@pytest.mark.slow
def test_on_a_dask_cluster(monkeypatch):
    distributed = pytest.importorskip("distributed")
    from jaccli.distributed import sizing
    from cases.custom import solve_by_jvp
    monkeypatch.setattr(sizing, "TASK_SECONDS", 1e-9)      # many small tasks
    monkeypatch.setattr(sizing, "LOCAL_START_SECONDS", 0.0)
    from jaccli.api import flat_jacobian
    b = np.linspace(0.5, 2.0, 24)
    Abig = np.eye(24) * 4 + np.outer(b, b) / 10
    g = lambda b: np.sin(solve_by_jvp(Abig, b)) * b.sum()
    serial = jaccli.jacobian(g, b, mode="fwd", chunk_size=4)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=50) as cluster, \
            distributed.Client(cluster, set_as_default=False) as client:
        on = flat_jacobian(g, (b,), mode="fwd", chunk_size=4, client=client)
    assert on.tasks.pays and on.tasks.tasks > 2              # the workers ran the rules
    np.testing.assert_array_equal(on.matrix, serial)
    np.testing.assert_allclose(serial, fd_jacobian(g, (b,), 0), rtol=1e-6, atol=1e-8)


def test_the_transpose_skips_the_inputs_that_need_no_cotangent():
    """With A constant, the reverse sweep through solve_jvp_only's JVP never touches A_dot's
    product (a K x n x n cotangent nobody reads)."""
    jaccli.jacobian(lambda b: solve_jvp_only(A, b), B, mode="rev")
    (g,) = [g for key, g in solve_jvp_only.prim.graphs.items() if key[0] == "jvp"]
    part = g.part((False, True), (True,))
    assert all(e.prim.name != "matmul" for e in part.eqns), [e.prim.name for e in part.eqns]
    whole = g.part((True, True), (True,))
    assert any(e.prim.name == "matmul" for e in whole.eqns)


def test_the_function_is_called_once_per_point_not_once_per_chunk():
    calls = []

    @jaccli.primitive
    def counted(x):
        calls.append(1)
        return np.asarray(x) ** 3

    @counted.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return counted(x), 3 * x ** 2 * t             # the rule calls it on the primals
    x = RNG.uniform(0.5, 1.5, 12)
    for mode in ("fwd", "rev"):
        del calls[:]
        J = jaccli.jacobian(counted, x, mode=mode, chunk_size=2)
        np.testing.assert_allclose(J, np.diag(3 * x ** 2), rtol=1e-12)
        # the trace's call, and the rule's trace (once, cached): not one per chunk of 2
        assert len(calls) <= 2, (mode, len(calls))


_MAIN_SCRIPT = """
import sys
import cloudpickle
import numpy as np
import jaccli
from jaccli.sweeps import Seeds, sweep_chunk

@jaccli.primitive
def scaled_sin(x):
    return np.sin(x) * 2.0

@scaled_sin.defjvp
def _(primals, tangents):
    return scaled_sin(primals[0]), 2.0 * np.cos(primals[0]) * tangents[0]

x = np.linspace(0.1, 1.0, 4)
graph = jaccli.trace(lambda x: scaled_sin(x) * x, x)
with open(sys.argv[1], "wb") as f:
    f.write(cloudpickle.dumps(graph))
np.save(sys.argv[2], sweep_chunk(graph, graph.values, "fwd", Seeds.identity(0, 4)))
"""

_LOAD_ELSEWHERE = """
import sys
import cloudpickle
import numpy as np
from jaccli.sweeps import Seeds, sweep_chunk
with open(sys.argv[1], "rb") as f:
    graph = cloudpickle.loads(f.read())
np.save(sys.argv[2], sweep_chunk(graph, graph.values, "rev", Seeds.identity(0, 4)))
"""


@pytest.mark.slow
def test_a_primitive_of_a_main_script_travels_by_value(tmp_path):
    """Dask falls back to cloudpickle for what names __main__: the primitive's function and
    rules go by value and register in the other process."""
    pytest.importorskip("cloudpickle")
    import os
    import subprocess
    import sys
    from pathlib import Path
    script = tmp_path / "model.py"
    script.write_text(_MAIN_SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    blob, here, there = tmp_path / "graph.pkl", tmp_path / "here.npy", tmp_path / "there.npy"
    for argv in ([str(script), str(blob), str(here)], ["-c", _LOAD_ELSEWHERE, str(blob),
                                                      str(there)]):
        done = subprocess.run([sys.executable, *argv], capture_output=True, env=env,
                              timeout=120, cwd=tmp_path)
        assert done.returncode == 0, done.stderr.decode()
    x = np.linspace(0.1, 1.0, 4)
    expected = np.diag(2 * np.cos(x) * x + 2 * np.sin(x))        # d/dx (2 sin(x) x)
    np.testing.assert_allclose(np.load(here).T, expected, rtol=1e-12)   # fwd gives J^T
    np.testing.assert_allclose(np.load(there), expected, rtol=1e-12)    # rev, elsewhere


@jaccli.primitive
def _scaled(x, s=1.0):
    return s * np.sin(x)


@_scaled.defjvp
def _scaled_jvp(primals, tangents, s=1.0):
    (x,), (t,) = primals, tangents
    return _scaled(x, s=s), s * np.cos(x) * t


def test_a_traced_keyword_parameter_is_refused_or_kept_constant():
    """Keyword arguments of a primitive are static: a traced value there (a float argument
    that jacfun/hessfun/hvpfun trace, or one computed from x) is a TracingError, never a
    zero derivative; the reusable functions then take it as a constant, as asked."""
    x = np.array([0.3, -0.7])
    f = lambda x, s: _scaled(x, s=s)                                       # noqa: E731
    expected = np.diag(2.0 * np.cos(x))
    np.testing.assert_allclose(jaccli.jacobian(f, x, 2.0), expected, rtol=1e-13)
    jac = jaccli.jacfun(f)
    for _ in range(2):
        np.testing.assert_allclose(jac(x, 2.0), expected, rtol=1e-13)
    loss = lambda x, s: np.sum(_scaled(x, s=s) ** 2)                      # noqa: E731
    hess = 2.0 * np.diag((2.0 * np.cos(x)) ** 2 - (2.0 * np.sin(x)) ** 2)
    np.testing.assert_allclose(jaccli.hessfun(loss)(x, 2.0), hess, rtol=1e-12)
    np.testing.assert_allclose(jaccli.hvpfun(loss)(x, np.ones(2), 2.0), hess @ np.ones(2),
                               rtol=1e-12)
    for call in (lambda: jaccli.vjp(f, x, 2.0), lambda: jaccli.jacobian(f, x, 2.0, argnums=(0, 1)),
                 lambda: jaccli.jacobian(lambda x: _scaled(x, s=np.sum(x)), x)):
        with pytest.raises(jaccli.TracingError, match="keyword argument 's' is a traced"):
            call()
