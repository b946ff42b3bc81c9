"""The dispatch tables take one implementation per NumPy function, ufunc or method: a second
registration raises instead of silently replacing the first (as the tail's np.linalg.norm
once replaced the core one, depending on import order)."""
import numpy as np
import pytest

from jaccli import dispatch


@pytest.mark.parametrize("decorator,key", [
    (dispatch.implements, np.linalg.norm), (dispatch.ufunc, np.sin), (dispatch.method, "sum"),
    (dispatch.like_function, np.zeros)])
def test_registering_twice_raises(decorator, key):
    table = {dispatch.implements: dispatch.HANDLED_FUNCTIONS, dispatch.ufunc:
             dispatch.HANDLED_UFUNCS, dispatch.method: dispatch.HANDLED_METHODS,
             dispatch.like_function: dispatch.LIKE_FUNCTIONS}[decorator]
    before = table[key]
    with pytest.raises(RuntimeError, match="registered twice"):
        decorator(key)(lambda *args: None)
    assert table[key] is before


def test_ufunc_method_twice_raises():
    with pytest.raises(RuntimeError, match=r"np\.add\.reduce is registered twice"):
        dispatch.ufunc_method(np.add, "reduce")(lambda *args: None)


def test_aliases_listed_together_register_once():
    table = {}
    impl = dispatch.register(table, [np.conj, np.conjugate], len)    # the same ufunc
    assert table == {np.conjugate: impl}
    with pytest.raises(RuntimeError, match="np.conjugate is registered twice"):
        dispatch.register(table, [np.conjugate], abs)
