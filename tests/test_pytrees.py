"""Pytree arguments and outputs (issue 16, item 1): nested tuples, lists, dicts and
namedtuples of arrays in, the same structures out (outputs outside, arguments inside).

Every value is checked against central differences of the equivalent flat function written
by hand (concatenating the leaves ourselves, not with jaccli.pytree), or against jaccli on
that flat function (whose plain-array path the case tables check), never against the
pytree path's own output.
"""
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
import scipy.sparse as sp

import jaccli
from jaccli.api import flat_jacobian
from jaccli.errors import InputError, TracingError
from jaccli.pytree import flatten, render

RNG = np.random.default_rng(16)
W = RNG.standard_normal((3, 2))
B = RNG.standard_normal(3)
X = RNG.standard_normal(2)
Pair = namedtuple("Pair", ["u", "v"])


def layer(params, x):
    """A dict in, a nested dict/tuple/list out."""
    h = np.tanh(params["W"] @ x + params["b"])
    return {"a": h, "z": (np.sum(h * x[0]), [params["b"] * x[1]])}


def layer_flat(v):
    """``layer`` on one flat vector: W (C order), b (the sorted keys 'W' < 'b'), then x;
    the outputs a, z[0], z[1][0] concatenated."""
    Wm, b, x = v[:6].reshape(3, 2), v[6:9], v[9:11]
    h = np.tanh(Wm @ x + b)
    return np.concatenate([h, [np.sum(h * x[0])], b * x[1]])


def fd(g, v, eps=1e-6):
    """Central differences of g at the flat vector v: (M, N)."""
    cols = []
    for j in range(v.size):
        e = np.zeros_like(v)
        e[j] = eps
        cols.append((g(v + e) - g(v - e)) / (2 * eps))
    return np.stack(cols, axis=1)


V = np.concatenate([W.ravel(), B, X])
JF = fd(layer_flat, V)                           # rows a(3), z0(1), z1(3); cols W, b, x
ROWS = {"a": slice(0, 3), "z0": slice(3, 4), "z1": slice(4, 7)}
COLS = {"W": slice(0, 6), "b": slice(6, 9), "x": slice(9, 11)}
OSHAPE = {"a": (3,), "z0": (), "z1": (3,)}
ISHAPE = {"W": (3, 2), "b": (3,), "x": (2,)}


def block(o, i):
    return JF[ROWS[o], COLS[i]].reshape(OSHAPE[o] + ISHAPE[i])


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("mode", ["fwd", "rev", "auto"])
def test_dict_argument_and_nested_output(mode):
    J = jaccli.jacobian(layer, {"W": W, "b": B}, X, mode=mode)
    assert set(J) == {"a", "z"} and isinstance(J["z"], tuple) and isinstance(J["z"][1], list)
    for o, got in (("a", J["a"]), ("z0", J["z"][0]), ("z1", J["z"][1][0])):
        assert set(got) == {"W", "b"}
        for i in ("W", "b"):
            assert got[i].shape == OSHAPE[o] + ISHAPE[i]
            close(got[i], block(o, i))


def test_argnums_tuple_over_pytrees():
    J = jaccli.jacobian(layer, {"W": W, "b": B}, X, argnums=(0, 1))
    Jp, Jx = J["a"]
    close(Jp["W"], block("a", "W"))
    close(Jp["b"], block("a", "b"))
    close(Jx, block("a", "x"))
    Jp, Jx = J["z"][1][0]
    close(Jx, block("z1", "x"))


def test_dict_keys_in_any_order_give_one_layout():
    """Sorted keys: {'b', 'W'} built in either order has columns W then b."""
    for params in ({"b": B, "W": W}, {"W": W, "b": B}):
        flat = flat_jacobian(layer, (params, X))
        close(flat.matrix, JF[:, :9])
        assert flat.in_names == ["['W']", "['b']"]
        assert flat.out_names == ["['a']", "['z'][0]", "['z'][1][0]"]
    flat = flat_jacobian(layer, ({"W": W, "b": B}, X), argnums=(0, 1))
    assert flat.in_names == ["[0]['W']", "[0]['b']", "[1]"]
    close(flat.matrix, JF)
    Jsp = jaccli.jacobian(layer, {"b": B, "W": W}, X, sparse=True)
    assert sp.issparse(Jsp)
    close(Jsp.toarray(), JF[:, :9])


def test_ordered_dict_keeps_insertion_order():
    params = OrderedDict([("b", B), ("W", W)])
    flat = flat_jacobian(layer, (params, X))
    close(flat.matrix, np.concatenate([JF[:, 6:9], JF[:, 0:6]], axis=1))
    J = jaccli.jacobian(layer, params, X)
    assert type(J["a"]) is OrderedDict and list(J["a"]) == ["b", "W"]


def test_tuple_list_namedtuple_arguments_keep_their_type():
    def f(p):
        return np.tanh(p[0]["W"] @ p[1].u + p[0]["b"]) * p[1].v

    x, s = X, np.array(1.5)
    J = jaccli.jacobian(f, [{"W": W, "b": B}, Pair(x, s)])
    assert type(J) is list and type(J[1]) is Pair

    def g(v):                                   # W, b, u, v flat
        return np.tanh(v[:6].reshape(3, 2) @ v[9:11] + v[6:9]) * v[11]
    ref = fd(g, np.concatenate([W.ravel(), B, x, [s]]))
    close(J[0]["W"], ref[:, :6].reshape(3, 3, 2))
    close(J[0]["b"], ref[:, 6:9])
    close(J[1].u, ref[:, 9:11])
    close(J[1].v, ref[:, 11])


def test_tuple_argument_is_not_stacked():
    """A tuple argument of different shapes is a pytree (it was once stacked into one
    array): each leaf gets its own block."""
    J = jaccli.jacobian(lambda t: t[0] * t[1].sum(), (X, B))
    assert type(J) is tuple
    close(J[0], np.eye(2) * B.sum())
    close(J[1], np.outer(X, np.ones(3)))


def test_list_of_numbers_is_a_list_of_leaves():
    J = jaccli.jacobian(lambda p: p[0] ** 2 * p[1], [1.5, 2.0])
    assert type(J) is list and len(J) == 2
    close(J[0], 2 * 1.5 * 2.0)
    close(J[1], 1.5 ** 2)


def test_tuple_of_outputs_unchanged_and_list_output_is_a_list():
    J = jaccli.jacobian(lambda x: (np.sin(x), x.sum()), X)
    assert type(J) is tuple
    close(J[0], np.diag(np.cos(X)))
    J = jaccli.jacobian(lambda x: [np.sin(x), x.sum()], X)
    assert type(J) is list
    close(J[1], np.ones(2))


def test_none_in_arguments_is_an_empty_subtree():
    J = jaccli.jacobian(lambda p: p["x"] * 2 if p["mask"] is None else p["x"],
                        {"x": X, "mask": None})
    assert J["mask"] is None
    close(J["x"], 2 * np.eye(2))


def test_jvp_with_pytree_primals_and_tangents():
    tW, tb, tx = (RNG.standard_normal(s) for s in ((3, 2), (3,), (2,)))
    y, ydot = jaccli.jvp(layer, ({"W": W, "b": B}, X), ({"W": tW, "b": tb}, tx))
    ref = JF @ np.concatenate([tW.ravel(), tb, tx])
    close(ydot["a"], ref[0:3])
    close(ydot["z"][0], ref[3])
    close(ydot["z"][1][0], ref[4:7])
    close(y["a"], layer_flat(V)[:3])
    with pytest.raises(InputError, match="structure"):
        jaccli.jvp(layer, ({"W": W, "b": B}, X), ({"W": tW}, tx))


def test_vjp_with_pytree_cotangent():
    ca, cz0, cz1 = RNG.standard_normal(3), 0.7, RNG.standard_normal(3)
    y, vjp_fn = jaccli.vjp(layer, {"W": W, "b": B}, X)
    gp, gx = vjp_fn({"a": ca, "z": (cz0, [cz1])})
    ref = np.concatenate([ca, [cz0], cz1]) @ JF
    close(gp["W"], ref[:6].reshape(3, 2))
    close(gp["b"], ref[6:9])
    close(gx, ref[9:])
    with pytest.raises(InputError, match="structure"):
        vjp_fn({"a": ca})


def loss(params, x):
    return np.sum(np.tanh(params["W"] @ x + params["b"]) ** 2) + params["b"][0] ** 3


def loss_flat(Wm, b, x):
    return np.sum(np.tanh(Wm @ x + b) ** 2) + b[0] ** 3


def test_hessian_and_hvp_of_a_dict():
    H = jaccli.hessian(loss, {"W": W, "b": B}, X)
    ref = jaccli.hessian(loss_flat, W, B, X, argnums=(0, 1))
    for a, i in (("W", 0), ("b", 1)):
        for c, j in (("W", 0), ("b", 1)):
            close(H[a][c], ref[i][j])
    tW, tb = RNG.standard_normal((3, 2)), RNG.standard_normal(3)
    y, Hv = jaccli.hvp(loss, ({"W": W, "b": B}, X), ({"W": tW, "b": tb}, np.zeros(2)))
    close(y, loss_flat(W, B, X))
    close(Hv[0]["W"], np.tensordot(ref[0][0], tW, 2) + np.tensordot(ref[0][1], tb, 1))
    close(Hv[0]["b"], np.tensordot(ref[1][0], tW, 2) + np.tensordot(ref[1][1], tb, 1))


def test_jacfun_reuses_the_graph_of_a_structure():
    jac = jaccli.jacfun(layer)
    for k in range(3):
        W2, B2 = W + k, B - k
        J = jac({"W": W2, "b": B2}, X)
        v = np.concatenate([W2.ravel(), B2, X])
        ref = fd(layer_flat, v)
        close(J["a"]["W"], ref[0:3, 0:6].reshape(3, 3, 2))
        close(J["z"][1][0]["b"], ref[4:7, 6:9])
    assert jac.traces == 1
    close(jac.flat({"W": W, "b": B}, X), JF[:, :9])


def test_hessfun_and_hvpfun_of_a_dict():
    ref = jaccli.hessian(loss_flat, W, B, X, argnums=(0, 1))
    H = jaccli.hessfun(loss)({"W": W, "b": B}, X)
    close(H["b"]["W"], ref[1][0])
    close(H["W"]["W"], ref[0][0])
    tW, tb = RNG.standard_normal((3, 2)), RNG.standard_normal(3)
    Hv = jaccli.hvpfun(loss)({"W": W, "b": B}, {"W": tW, "b": tb}, X)
    close(Hv["b"], np.tensordot(ref[1][0], tW, 2) + np.tensordot(ref[1][1], tb, 1))


def test_plan_and_sparsity_over_leaves():
    p = jaccli.plan(layer, ({"W": W, "b": B}, X))
    assert (p.M, p.N) == (7, 9)
    P = jaccli.sparsity(lambda p: {"y": p["b"] * 2, "s": p["W"].sum()}, {"W": W, "b": B})
    # rows: s (1), y (3); columns: W (6), b (3)
    expected = np.zeros((4, 9), bool)
    expected[0, :6] = True
    expected[1:, 6:] = np.eye(3, dtype=bool)
    np.testing.assert_array_equal(P.toarray(), expected)


def test_batched_over_pytree_arguments():
    Xs = RNG.standard_normal((4, 2))
    J = jaccli.jacobian(lambda x, p: {"y": np.tanh(p["W"] @ x)}, Xs, {"W": W}, batched=True)
    assert J["y"].shape == (4, 3, 2)            # the batch axis leads every leaf's block
    Jw = jaccli.jacobian(lambda p, x: {"y": np.tanh(p["W"] @ x)}, {"W": np.stack([W] * 4)},
                         Xs, batched=(1,))
    for k in range(4):
        close(J["y"][k], fd(lambda x: np.tanh(W @ x), Xs[k]))
        close(Jw["y"]["W"][k], fd(lambda v: np.tanh(v.reshape(3, 2) @ Xs[k]),
                                  W.ravel()).reshape(3, 3, 2))


@pytest.mark.parametrize("leaf, dtype", [("abc", "<U3"), (object(), "object"),
                                         (np.arange(3), "int64")])
def test_a_leaf_that_is_not_float_is_named(leaf, dtype):
    with pytest.raises(InputError, match=r"argument 0 at \['b'\] has dtype " + dtype):
        jaccli.jacobian(layer, {"W": W, "b": leaf}, X)
    with pytest.raises(InputError, match=r"argument 0 at \['b'\]"):
        jaccli.jacfun(layer)({"W": W, "b": leaf}, X)


def test_nested_leaf_paths_in_errors():
    with pytest.raises(InputError, match=r"argument 1 at \[0\]\.v has dtype int64"):
        jaccli.jacobian(lambda a, p: a * p[0].u, X, [Pair(X, 3)], argnums=1)


def test_empty_containers():
    with pytest.raises(InputError, match="argument 0 holds no arrays"):
        jaccli.jacobian(lambda p: X, {})
    with pytest.raises(InputError, match="argument 0 holds no arrays"):
        jaccli.jacobian(lambda p, x: x, [], X)
    with pytest.raises(TracingError, match="no arrays"):
        jaccli.jacobian(lambda x: {}, X)
    with pytest.raises(TracingError, match=r"output at \['b'\] .* is None"):
        jaccli.jacobian(lambda x: {"a": x, "b": None}, X)
    J = jaccli.jacobian(lambda p: p["x"] * 2, {"x": X, "empty": ()})
    assert J["empty"] == ()


def test_paths_render_as_python_indexing():
    leaves, tree = flatten({"W1": [X, Pair(X, {"k": X})]})
    assert len(leaves) == 3
    assert [render(p) for p in tree.paths()] == ["['W1'][0]", "['W1'][1].u",
                                                 "['W1'][1].v['k']"]
    assert tree.unflatten(leaves)["W1"][1].v["k"] is X


def test_cli_labels_rows_by_path(tmp_path):
    from click.testing import CliRunner
    from jaccli.cli import main
    module = tmp_path / "m.py"
    module.write_text("import numpy as np\n"
                      "def rhs(x, y):\n"
                      "    return {'pos': np.sin(x) * y, 'vel': (x.sum(), y ** 2)}\n")
    out = tmp_path / "J.npz"
    result = CliRunner().invoke(main, ["jacobian", f"{module}:rhs", "--input", "x=[1.0, 2.0]",
                                       "--input", "y=3.0", "--format", "npz", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = np.load(out)
    assert list(data["rows"]) == ["rhs['pos'][0]", "rhs['pos'][1]", "rhs['vel'][0]",
                                  "rhs['vel'][1]"]
    y = 3.0
    expected = np.array([[np.cos(1.0) * y, 0, np.sin(1.0)], [0, np.cos(2.0) * y, np.sin(2.0)],
                         [1, 1, 0], [0, 0, 2 * y]])
    close(data["jacobian"], expected)


def test_trace_takes_pytrees_and_keywords():
    graph = jaccli.trace(layer, {"W": W, "b": B}, X)
    assert [tuple(v.shape) for v in graph.inputs] == [(3, 2), (3,), (2,)]
    graph = jaccli.trace(lambda p, n, k=1.0: p["a"][n] * k, {"a": X, "c": (B,)}, 1, k=2.0)
    assert [tuple(v.shape) for v in graph.inputs] == [(2,), (3,)]      # n is not float


def test_tangent_leaf_shape_is_named():
    with pytest.raises(InputError, match=r"tangent 0 at \['b'\] has shape"):
        jaccli.jvp(layer, ({"W": W, "b": B}, X), ({"W": W, "b": np.ones(2)}, X))
    with pytest.raises(InputError, match=r"tangent 0 at \['b'\] has shape"):
        jaccli.hvp(loss, ({"W": W, "b": B}, X), ({"W": W, "b": np.ones(2)}, X))


def test_sparse_hessian_over_dict_leaves():
    """The flat (N, N) Hessian takes the leaves in the sorted-key order: W then b."""
    H = jaccli.hessian(loss, {"b": B, "W": W}, X, sparse=True)
    ref = jaccli.hessian(loss_flat, W, B, X, argnums=(0, 1))
    dense = np.block([[ref[0][0].reshape(6, 6), ref[0][1].reshape(6, 3)],
                      [ref[1][0].reshape(3, 6), ref[1][1]]])
    close(H.toarray(), dense)


def test_hvpfun_refuses_v_of_another_structure():
    with pytest.raises(InputError, match="structure"):
        jaccli.hvpfun(loss)({"W": W, "b": B}, {"W": W}, X)
