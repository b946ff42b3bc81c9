"""The strict CuPy stand-in refuses what CuPy 14 refuses (so a GPU test passing on it means
something), and allows what CuPy allows."""
import numpy as np
import pytest

import strict_cupy as cp


@pytest.fixture(autouse=True)
def fresh_logs():
    cp.reset()


def dev(a):
    return cp.asarray(np.asarray(a, dtype=float))


def test_no_implicit_conversion_to_numpy():
    x = dev([1.0, 2.0])
    for convert in (np.asarray, np.array, np.ascontiguousarray):
        with pytest.raises(TypeError, match="Implicit conversion to a NumPy array"):
            convert(x)
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.zeros(2)[:] = x


def test_host_arrays_do_not_mix_but_scalars_do():
    x = dev([1.0, 2.0])
    with pytest.raises(TypeError, match="Unsupported type"):
        x + np.ones(2)
    with pytest.raises(TypeError, match="Unsupported type"):
        np.dot(np.ones((2, 2)), x)
    with pytest.raises(TypeError, match="Unsupported type"):
        np.concatenate([x, np.ones(2)])
    with pytest.raises(np.linalg.LinAlgError, match="cupy.linalg only supports"):
        np.linalg.solve(np.eye(2), x)
    for scalar in (2, 2.0, np.float64(2.0), np.int32(2)):
        assert isinstance(x * scalar, cp.ndarray)
    assert isinstance(x > np.array(1.0), cp.ndarray)      # 0-d host arrays: comparisons only


def test_only_cupy_names_and_parameters():
    x = dev(np.eye(3))
    with pytest.raises(TypeError):                # not in CuPy 14: no implementation found
        np.linalg.multi_dot([x, x])
    with pytest.raises(TypeError):                # cupy.linalg.matrix_rank(M, tol=None)
        np.linalg.matrix_rank(x, None, False)
    assert int(np.linalg.matrix_rank(x)) == 3
    with pytest.raises(AttributeError):
        cp.install()["cupy"].row_stack_of_nothing


def test_cupy_semantics():
    x = dev([1.0, 2.0, 3.0])
    v = x[1]
    assert isinstance(v, cp.ndarray) and v.shape == () and np.shares_memory(v._a, x._a)
    assert isinstance(x.sum(), cp.ndarray) and x.sum().shape == ()   # reductions: 0-d arrays
    L = np.linalg.cholesky(dev(-np.eye(2)))                # no LinAlgError: NaN
    assert np.isnan(L.get()).all()
    assert type(x).__module__ == "cupy" and "__cuda_array_interface__" in dir(x)


def test_transfers_and_syncs_are_counted_with_their_call_site():
    x = dev([1.0, 2.0])
    x.get()
    bool(x[0] > 0)
    float(x[1])
    assert [k for k, _ in cp.TRANSFERS] == ["get"]
    assert [k for k, _ in cp.SYNCS] == ["bool", "float"]
    assert all("test_strict_cupy.py" in site for _, site in cp.TRANSFERS + cp.SYNCS)
