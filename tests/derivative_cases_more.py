"""The derivative case table, continued: linear algebra, shapes and indexing, item assignment,
and composite functions. Appends to `derivative_cases.CASES`."""
import numpy as np

from derivative_cases import away, case, fixed, normal, until


def well_conditioned(n, *rest_shapes):
    """A = random + n*I (well conditioned), then standard normal arrays of rest_shapes."""
    def sample(rng):
        A = rng.standard_normal((n, n)) + n * np.eye(n)
        return (A,) + normal(*rest_shapes)(rng)
    return sample


# ---- linear algebra ------------------------------------------------------------------
M = (0, 1)
case("matmul-1d2d", np.matmul, normal((3,), (3, 4)), argnums=M)
case("matmul-2d1d", np.matmul, normal((3, 4), (4,)), argnums=M)
case("matmul-2d2d", np.matmul, normal((2, 3), (3, 4)), argnums=M)
case("matmul-3d2d", np.matmul, normal((2, 3, 4), (4, 2)), argnums=M)
case("matmul-3d3d", lambda a, b: a @ b, normal((2, 3, 4), (2, 4, 2)), argnums=M)
case("matmul-1d1d", lambda a, b: a @ b, normal((4,), (4,)), argnums=M)
case("dot-1d1d", np.dot, normal((4,), (4,)), argnums=M)
case("dot-2d1d", np.dot, normal((3, 4), (4,)), argnums=M)
case("dot-2d2d", np.dot, normal((2, 3), (3, 4)), argnums=M)
case("dot-scalar", np.dot, normal((), (3,)), argnums=M)
case("dot-method", lambda a, b: a.dot(b), normal((2, 3), (3,)), argnums=M)
case("vdot", np.vdot, normal((2, 3), (2, 3)), argnums=M)
case("inner-1d", np.inner, normal((4,), (4,)), argnums=M)
case("inner-2d", np.inner, normal((2, 4), (3, 4)), argnums=M)
case("outer", np.outer, normal((3,), (4,)), argnums=M)
case("tensordot-int", lambda a, b: np.tensordot(a, b, axes=1), normal((2, 3), (3, 4)), argnums=M)
case("tensordot-int2", lambda a, b: np.tensordot(a, b, axes=2), normal((2, 3, 4), (3, 4)), argnums=M)
case("tensordot-pair", lambda a, b: np.tensordot(a, b, axes=([0, 2], [2, 0])), normal((2, 3, 4), (4, 5, 2)),
     argnums=M)
case("tensordot-pair-scalar-axes", lambda a, b: np.tensordot(a, b, axes=(1, 0)), normal((2, 3), (3, 4)),
     argnums=M)
case("einsum-matmul", lambda a, b: np.einsum("ij,jk->ik", a, b), normal((2, 3), (3, 4)), argnums=M)
case("einsum-transpose", lambda a: np.einsum("ij->ji", a), normal((2, 3)))
case("einsum-diag", lambda a: np.einsum("ii->i", a), normal((3, 3)))
case("einsum-trace", lambda a: np.einsum("ii", a), normal((3, 3)))
case("einsum-dot", lambda a, b: np.einsum("i,i->", a, b), normal((4,), (4,)), argnums=M)
case("einsum-batched", lambda a, b: np.einsum("bij,bjk->bik", a, b), normal((2, 2, 3), (2, 3, 2)), argnums=M)
case("einsum-implicit", lambda a, b: np.einsum("ij,jk", a, b), normal((2, 3), (3, 4)), argnums=M)
case("einsum-same-operand", lambda a: np.einsum("ij,ij->i", a, a), normal((2, 3)))
case("kron", np.kron, normal((2, 2), (2, 3)), argnums=M)
case("kron-1d", np.kron, normal((2,), (3,)), argnums=M)
case("solve-vec", np.linalg.solve, well_conditioned(3, (3,)), argnums=M)
case("solve-mat", np.linalg.solve, well_conditioned(3, (3, 2)), argnums=M)
case("inv", np.linalg.inv, well_conditioned(3))
case("det", np.linalg.det, well_conditioned(3))
case("det-2x2", np.linalg.det, normal((2, 2)))
case("slogdet", lambda a: np.linalg.slogdet(a)[1], well_conditioned(3))
case("slogdet-attr", lambda a: np.linalg.slogdet(a).logabsdet, lambda r: (-well_conditioned(3)(r)[0],))
case("diag-1d", np.diag, normal((3,)))
case("diag-1d-k1", lambda x: np.diag(x, k=1), normal((3,)))
case("diag-1d-kneg", lambda x: np.diag(x, -1), normal((3,)))
case("diag-2d", np.diag, normal((3, 4)))
case("diag-2d-k1", lambda x: np.diag(x, 1), normal((3, 4)))
case("diagonal", np.diagonal, normal((3, 4)))
case("diagonal-offset", lambda x: np.diagonal(x, offset=-1), normal((3, 4)))
case("diagonal-method", lambda x: x.diagonal(), normal((3, 3)))
case("triu", np.triu, normal((3, 4)))
case("triu-k1", lambda x: np.triu(x, 1), normal((4, 3)))
case("tril", np.tril, normal((3, 4)))
case("tril-kneg", lambda x: np.tril(x, k=-1), normal((4, 4)))

# ---- shapes --------------------------------------------------------------------------
S = [
    ("reshape", lambda x: np.reshape(x, (3, 4)), (2, 6)),
    ("reshape-method", lambda x: x.reshape(4, -1), (2, 6)),
    ("reshape-method-tuple", lambda x: x.reshape((-1,)), (2, 3)),
    ("ravel", np.ravel, (2, 3)),
    ("ravel-method", lambda x: x.ravel(), (2, 3)),
    ("flatten", lambda x: x.flatten(), (2, 3)),
    ("transpose", np.transpose, (2, 3)),
    ("T", lambda x: x.T, (2, 3)),
    ("transpose-axes", lambda x: np.transpose(x, (1, 2, 0)), (2, 3, 4)),
    ("transpose-method-axes", lambda x: x.transpose(2, 0, 1), (2, 3, 4)),
    ("swapaxes", lambda x: np.swapaxes(x, 0, 2), (2, 3, 4)),
    ("moveaxis", lambda x: np.moveaxis(x, 0, -1), (2, 3, 4)),
    ("expand_dims", lambda x: np.expand_dims(x, 1), (2, 3)),
    ("squeeze", np.squeeze, (2, 1, 3)),
    ("squeeze-axis", lambda x: np.squeeze(x, axis=1), (2, 1, 3)),
    ("broadcast_to", lambda x: np.broadcast_to(x, (3, 2, 4)), (2, 1)),
    ("atleast_1d", np.atleast_1d, ()),
    ("atleast_2d", np.atleast_2d, (3,)),
    ("atleast_2d-0d", np.atleast_2d, ()),
    ("concatenate-ax0", lambda x: np.concatenate([x, 2 * x, np.ones((1, 3))]), (2, 3)),
    ("concatenate-ax1", lambda x: np.concatenate([x, x[:, :1] ** 2], axis=1), (2, 3)),
    ("stack", lambda x: np.stack([x, np.sin(x)]), (2, 3)),
    ("stack-axis", lambda x: np.stack([x[0], x[1] * 2, x[0]], axis=-1), (2, 3)),
    ("hstack", lambda x: np.hstack([x, np.cos(x)]), (3,)),
    ("vstack", lambda x: np.vstack([x, x ** 2]), (3,)),
    ("column_stack", lambda x: np.column_stack([x, np.exp(x)]), (3,)),
    ("split-take", lambda x: np.split(x, 3)[1], (6,)),
    ("split-combine", lambda x: (lambda p: p[0] * p[2] - p[1])(np.split(x, 3, axis=1)), (2, 6)),
    ("split-indices", lambda x: np.split(x, [1, 4])[2] * np.split(x, [1, 4])[0], (6,)),
    ("tile", lambda x: np.tile(x, 2), (3,)),
    ("tile-2d", lambda x: np.tile(x, (2, 1)), (2, 3)),
    ("repeat", lambda x: np.repeat(x, 2), (3,)),
    ("repeat-axis", lambda x: np.repeat(x, 2, axis=1), (2, 3)),
    ("flip", np.flip, (4,)),
    ("flip-axis", lambda x: np.flip(x, axis=1), (2, 3)),
    ("roll", lambda x: np.roll(x, 2), (5,)),
    ("roll-axis", lambda x: np.roll(x, -1, axis=0), (3, 2)),
    ("pad", lambda x: np.pad(x, 2), (3,)),
    ("pad-constant-value", lambda x: np.pad(x, ((1, 0), (0, 2)), mode="constant", constant_values=1.5), (2, 3)),
    ("take", lambda x: np.take(x, [2, 0, 2]), (4,)),
    ("take-axis", lambda x: np.take(x, [1, 1, 0], axis=1), (2, 3)),
    ("take-method", lambda x: x.take([3, 0]), (4,)),
]
for _name, _fn, _shape in S:
    case(_name, _fn, normal(_shape))
case("sort", np.sort, until(normal((5,)), lambda x: np.min(np.diff(np.sort(x))) > 1e-3))
case("sort-axis0", lambda x: np.sort(x, axis=0), until(normal((3, 2)), lambda x: np.min(np.diff(np.sort(x, 0), axis=0)) > 1e-3))

# ---- indexing ------------------------------------------------------------------------
IDX = [
    ("int", lambda x: x[2], (5,)),
    ("int-neg", lambda x: x[-1], (5,)),
    ("int-2d", lambda x: x[1, 2], (3, 4)),
    ("row", lambda x: x[1], (3, 4)),
    ("slice", lambda x: x[1:4], (5,)),
    ("slice-step", lambda x: x[::2], (5,)),
    ("slice-negstep", lambda x: x[::-2], (5,)),
    ("slice-negbounds", lambda x: x[-3:1:-1], (6,)),
    ("slice-2d", lambda x: x[1:, ::-1], (3, 4)),
    ("ellipsis", lambda x: x[..., 1], (2, 3, 4)),
    ("ellipsis-slice", lambda x: x[0, ..., 1:3], (2, 3, 4)),
    ("none", lambda x: x[None, :, None], (3,)),
    ("none-ellipsis", lambda x: x[..., None] * x[None, ...], (3,)),
    ("intarray-repeated", lambda x: x[[0, 0, 2]], (4,)),
    ("intarray-np", lambda x: x[np.array([3, 1, 3, 3])], (4,)),
    ("intarray-2d", lambda x: x[[0, 2, 0], [1, 1, 1]], (3, 3)),
    ("intarray-rows", lambda x: x[[1, 1, 0]], (2, 3)),
    ("intarray-mixed-slice", lambda x: x[:, [2, 0, 2]], (2, 3)),
    ("intarray-neg", lambda x: x[[-1, 0, -1]], (4,)),
]
for _name, _fn, _shape in IDX:
    case(f"index-{_name}", _fn, normal(_shape))
case("index-boolmask", lambda x: x[x > 0], away(0.2, 2.0, (6,)))
case("index-boolmask-2d", lambda x: x[x > 0] * 2, away(0.2, 2.0, (3, 3)))
case("index-boolmask-const", lambda x: x[np.array([True, False, True, True])], normal((4,)))

# ---- creation + item assignment (recorded functionally) ------------------------------


def _shift(x):
    y = np.zeros_like(x); y[1:] = x[:-1]; return y


def _copy_update(x):
    y = x.copy(); y[0] += 1; y[2] *= x[1]; return y


def _zeros_like_kw(x):
    y = np.zeros(5, like=x); y[::2] = x[:3] ** 2; return y


def _ones_like(x):
    y = np.ones_like(x); y[1] = x[0] * x[2]; return y * x


def _full_like(x):
    y = np.full_like(x, 2.0); y[1:3] = np.sin(x[:2]); return y


def _matrix_assign(x):
    y = np.zeros((3, 3), like=x); y[0] = x; y[:, 2] += x ** 2; y[1, 1] = x[0]; return y


def _fancy_assign(x):
    y = np.zeros_like(x); y[[0, 3]] = x[1:3]; y[x > 0.5] = 1.0; return y


def _repeated_add(x):
    y = x.copy()
    for i in range(3):
        y[i + 1] += y[i] * x[i]
    return y


def _ones_kw(x):
    y = np.ones((2, 3), like=x); y[1] = x; return y


for _fn in (_shift, _copy_update, _zeros_like_kw, _ones_like, _full_like, _matrix_assign, _repeated_add, _ones_kw):
    case(f"setitem{_fn.__name__}", _fn, normal((3,)) if _fn in (_matrix_assign, _ones_kw) else normal((4,)))
case("setitem_fancy_mask", _fancy_assign, until(normal((4,)), lambda x: np.min(np.abs(x - 0.5)) > 0.05))

# ---- composites ---------------------------------------------------------------------
_rng = np.random.default_rng(1234)
_W1, _b1, _W2 = _rng.standard_normal((5, 4)) / 2, _rng.standard_normal(5), _rng.standard_normal((3, 5)) / 2


def mlp(x):
    return _W2 @ np.tanh(_W1 @ x + _b1)


def mlp_params(x, W1):
    return _W2 @ np.tanh(W1 @ x + _b1)


def stencil(u):  # from /work/shared/bench/anchors.py make_fns
    n = u.shape[0]; z = u[:1] * 0
    up = np.concatenate([z, u, z])
    return (up[:-2] - 2 * up[1:-1] + up[2:]) * float(n * n) + np.exp(up[1:-1])


def lorenz(x):
    s, r, b = 10.0, 28.0, 8.0 / 3.0
    return np.stack([s * (x[1] - x[0]), x[0] * (r - x[2]) - x[1], x[0] * x[1] - b * x[2]])


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def python_if(x):
    if x.sum() > 0:
        return np.sin(x) * x.sum()
    return np.cos(x)


def row_loop(x):
    out = []
    for row in x:
        out.append(np.tanh(row) * row.sum())
    acc = x[0] * 0
    for i in range(x.shape[0]):
        acc = acc + x[i] ** (i + 1)
    return np.stack(out) + acc


def branch_on_element(x):
    y = x * 1.0
    if x[0] > 0.0:
        y = y * x[0]
    else:
        y = y - x[0]
    return y


COMPOSITES = [
    ("mlp", mlp, normal((4,)), 0),
    ("mlp_params", mlp_params, normal((4,), (5, 4)), (0, 1)),
    ("stencil", stencil, lambda r: (r.uniform(0, 0.1, 5),), 0),
    ("lorenz", lorenz, normal((3,)), 0),
    ("softmax", softmax, until(normal((5,)), lambda x: np.min(np.diff(np.sort(x))) > 1e-3), 0),
    ("logsumexp", logsumexp, until(normal((5,)), lambda x: np.min(np.diff(np.sort(x))) > 1e-3), 0),
    ("python_if_pos", python_if, lambda r: (np.abs(r.standard_normal(4)) + 0.1,), 0),
    ("python_if_neg", python_if, lambda r: (-np.abs(r.standard_normal(4)) - 0.1,), 0),
    ("for_loop_rows", row_loop, normal((3, 4)), 0),
    ("branch_on_element", branch_on_element, away(0.2, 2.0, (3,)), 0),
]
for _name, _fn, _smp, _arg in COMPOSITES:
    case(f"composite-{_name}", _fn, _smp, argnums=_arg)

# ---- harder corners: broadcasting in more dims, advanced-index axis placement, zeros ---
case("add-3d_2d", lambda x, y: x * y + x, normal((2, 1, 3), (4, 1)), argnums=(0, 1))
case("where-broadcast-cond", lambda x, y: np.where(x > 0, x * y, y), away(0.2, 2.0, (3, 1), (1, 4)), argnums=(0, 1))
case("matmul-3d1d", np.matmul, normal((2, 3, 4), (4,)), argnums=(0, 1))
case("matmul-1d3d", np.matmul, normal((3,), (2, 3, 4)), argnums=(0, 1))
case("matmul-broadcast-batch", np.matmul, normal((2, 1, 3, 2), (3, 2, 2)), argnums=(0, 1))
case("einsum-ellipsis", lambda a, b: np.einsum("...ij,jk->...ik", a, b), normal((2, 2, 3), (3, 2)), argnums=(0, 1))
case("index-advanced-split", lambda x: x[[0, 1], :, [1, 0]], normal((2, 3, 2)))
case("index-advanced-adjacent", lambda x: x[:, [0, 2], [1, 0]], normal((2, 3, 2)))
case("index-intarray-2d-shape", lambda x: x[np.array([[0, 1], [1, 1]])], normal((3,)))
case("index-boolmask-rows", lambda x: x[np.array([True, False, True])], normal((3, 2)))
case("pow_2-at-zero", lambda x: x ** 2, fixed([0.0, 1.0, -2.0]))
case("pow_3-at-zero", lambda x: x ** 3 + np.power(x, 1), fixed([0.0, 1.0, -2.0]))
case("square-at-zero", lambda x: np.square(x) + x, fixed([0.0, 1.0, -2.0]))
case("mul-self-at-zero", lambda x: x * x * x + np.prod(x[:2]), fixed([0.0, 1.0, -2.0]))
case("reduce-0d-sum-axis-none", lambda x: np.sum(x * 2.0, keepdims=True), normal(()))
case("fan_out", lambda x: np.sin(x) * x + np.cos(x) * x ** 2 - x, normal((4,)))
case("output-is-input", lambda x: x, normal((2, 3)))
case("output-partly-constant", lambda x: np.concatenate([np.ones(2), x]), normal((3,)))

# ---- writes through views reach the base, as in NumPy --------------------------------


def _view_write(x):
    y = np.zeros_like(x); v = y[1:]; v[0] = x[0]; return y


def _view_write_reshape(x):
    y = np.zeros_like(x); v = y.reshape(2, 2); v[0, 1] = x[0]; return y * x


def _view_of_view_inplace(x):
    y = x.copy(); v = y[1:]; w = v[::2]; w *= x[:2]; v += x[:3]; v[0] *= 2; return y * x


def _transpose_view_write(x):
    y = np.zeros((2, 2), like=x); t = y.T; t[0, 1] = x[0]; t[:, 0] += x[1:3]; return y


def _slice_inplace(x):
    y = np.ones((3, 4), like=x); y[1:] += x[None, :] ** 2; y[:, ::2] *= x[1]; return y


for _fn in (_view_write, _view_write_reshape, _view_of_view_inplace, _transpose_view_write, _slice_inplace):
    case(f"setitem{_fn.__name__}", _fn, normal((4,)))
