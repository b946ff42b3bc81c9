"""YAML specs, value forms and module specs: what loads, and the sentence each mistake gets."""

import numpy as np
import pytest

from jaccli.spec import SpecError, load_spec, parse_cli_value

SEED = """
    inputs: {x1: 2.0, x2: 5.0}
    outputs:
      f: log(x1) + x1 * x2 - sin(x2)
"""


def test_seed_config_loads_and_evaluates(configs):
    spec = load_spec(str(configs / "seed.yaml"))
    assert spec.input_names == ["x1", "x2"] and spec.output_names == ["f"]
    (f,) = spec.evaluate()
    np.testing.assert_allclose(f, np.log(2) + 10 - np.sin(5))
    assert spec.argnums == (0, 1) and spec.name == "seed"


@pytest.mark.parametrize("name", ["seed", "wide", "tall", "lorenz", "large"])
def test_every_config_evaluates(configs, name):
    spec = load_spec(str(configs / f"{name}.yaml"))
    outputs = spec.evaluate()
    assert len(outputs) == len(spec.output_names)
    assert all(np.all(np.isfinite(out)) for out in outputs)


def test_function_returns_a_tuple_in_spec_order(write_spec):
    path = write_spec("""
        inputs: {x: [1.0, 2.0]}
        constants: {c: 3}
        let: {y: c * x}
        outputs:
          a: sum(y)
          b: y[0]
    """)
    spec = load_spec(str(path))
    a, b = spec.function(np.array([1.0, 2.0]))
    assert a == 9.0 and b == 3.0 and spec.output_names == ["a", "b"]


def test_value_forms(write_spec, tmp_path):
    np.save(tmp_path / "u.npy", np.arange(3))
    np.savez(tmp_path / "d.npz", v=np.ones((2, 2)), w=np.zeros(1))
    path = write_spec("""
        inputs:
          a: 1
          b: [[1, 2], [3, 4]]
          c: {file: u.npy}
          d: {file: d.npz, key: v}
          e: {shape: [2, 3], fill: 0.5}
          g: {shape: [4], random: {seed: 3, low: -1, high: 1}}
          h: "1e-3"
        outputs: {f: a}
    """)
    spec = load_spec(str(path))
    values = dict(zip(spec.input_names, spec.inputs))
    assert all(v.dtype == np.float64 for v in spec.inputs)
    assert values["b"].shape == (2, 2) and values["c"].tolist() == [0, 1, 2]
    assert values["d"].shape == (2, 2) and values["e"].tolist() == [[0.5] * 3] * 2
    np.testing.assert_array_equal(values["g"],
                                  np.random.default_rng(3).uniform(-1, 1, 4))
    assert values["h"] == 1e-3


def test_overrides_replace_inputs_and_constants(write_spec):
    path = write_spec(SEED)
    spec = load_spec(str(path), {"x1": np.array([1.0, 2.0])})
    assert spec.inputs[0].shape == (2,)
    with pytest.raises(SpecError, match="--input zz: .* has no input or constant named 'zz'"):
        load_spec(str(path), {"zz": np.array(1.0)})


def test_module_function_spec(write_spec, tmp_path):
    (tmp_path / "model.py").write_text(
        "import numpy as np\n"
        "def f(x, a, n=2):\n    return x ** n * a, np.sum(x)\n")
    path = write_spec("""
        inputs: {x: [1.0, 2.0]}
        constants: {a: 3.0, n: 3}
        function: model.py:f
    """)
    spec = load_spec(str(path))
    first, second = spec.evaluate()
    assert first.tolist() == [3.0, 24.0] and second == 3.0
    assert spec.output_names == ["spec_0", "spec_1"]


def test_module_reference_with_overrides(tmp_path, monkeypatch):
    (tmp_path / "mymodel.py").write_text("def g(y, x):\n    return x * y\n")
    monkeypatch.chdir(tmp_path)
    spec = load_spec("mymodel.py:g", {"x": np.array(2.0), "y": np.array(3.0)})
    assert spec.input_names == ["y", "x"]            # the function's parameter order
    assert spec.evaluate()[0] == 6.0 and spec.output_names == ["g"]
    dotted = load_spec("mymodel:g", {"x": np.array(2.0), "y": np.array(3.0)})
    assert dotted.evaluate()[0] == 6.0
    with pytest.raises(SpecError, match="needs parameter 'x'; pass it with --input x="):
        load_spec("mymodel.py:g", {"y": np.array(3.0)})
    with pytest.raises(SpecError, match="has no parameter 'z'"):
        load_spec("mymodel.py:g", {"x": 1.0, "y": 1.0, "z": np.array(1.0)})


SPEC_ERRORS = [
    # (yaml text, words the message must hold)
    ("inputs: {x: 1.0\noutputs: {f: x}", "malformed YAML at line"),
    ("- just\n- a list\n", "a spec is a YAML mapping"),
    ("inputs: {x: 1.0}\nouputs: {f: x}\n", "unknown top-level key 'ouputs'; did you mean 'outputs'?"),
    ("inputs: {x: 1.0}\nfoo: 1\noutputs: {f: x}\n", "unknown top-level key 'foo'"),
    ("inputs:\n  x:\noutputs: {f: x}\n", "inputs.x has no value"),
    ("inputs: {x: abc}\noutputs: {f: x}\n", "inputs.x: 'abc' is not a number"),
    ("inputs: {x: [1, two]}\noutputs: {f: x}\n", "inputs.x: 'two' is not a number"),
    ("inputs: {x: true}\noutputs: {f: x}\n", "True is not a number"),
    ("inputs: {x: [[1, 2], [3]]}\noutputs: {f: x}\n", "not rectangular"),
    ("inputs: {x: {shape: [2]}}\noutputs: {f: x}\n", "exactly one of fill: or random:"),
    ("inputs: {x: {shape: [-1], fill: 0}}\noutputs: {f: x}\n", "not a non-negative integer"),
    ("inputs: {x: {size: 3}}\noutputs: {f: x}\n", "a mapping needs file: or shape:"),
    ("inputs: {x: {file: nope.npy}}\noutputs: {f: x}\n", "input file 'nope.npy' not found"),
    ("inputs: {x: 1.0}\noutputs: {f: foo(x)}\n", "outputs.f: unknown function 'foo'"),
    ("inputs: {x: 1.0}\noutputs: {f: x.T}\n", "outputs.f: attribute access"),
    ("inputs: {x: 1.0}\noutputs: {f: y * 2}\n", "outputs.f: undefined name 'y'"),
    ("inputs: {x: 1.0}\nlet: {a: b}\noutputs: {f: x}\n", "let.a: undefined name 'b'"),
    ("inputs: {x: 1.0}\nlet: {x: 2 * x}\noutputs: {f: x}\n", "'x' is already defined"),
    ("inputs: {x: [1.0, 2.0], y: [1.0, 2.0, 3.0]}\nlet: {s: x + y}\noutputs: {f: s}\n",
     "let.s: operands could not be broadcast"),
    ("inputs: {x: [1.0, 2.0]}\noutputs:\n  f: x @ x[None]\n", "outputs.f: matmul"),
    ("inputs: {x: 1.0}\n", "give either outputs:"),
    ("outputs: {f: '1'}\n", "inputs: is missing or empty"),
    ("inputs: {x: 1.0}\noutputs: {f: x}\nfunction: m.py:f\n", "exactly one of them"),
    ("inputs: {x: 1.0}\nfunction: nope.py:f\n", "module file 'nope.py' not found"),
    ("inputs: {x: 1.0}\nfunction: no_such_module_xyz:f\n", "module 'no_such_module_xyz' not found"),
    ("inputs: {x: 1.0}\nfunction: json:nothing_here\n", "has no function 'nothing_here'"),
    ("inputs: {x: 1.0}\noutputs: {f: [x]}\n", "give an expression string"),
    ("inputs: {x: 1.0}\nversion: 2\noutputs: {f: x}\n", "version 2 is not supported"),
    ("inputs: {2x: 1.0}\noutputs: {f: x}\n", "'2x' is not a usable name"),
    ("inputs: {x: {shape: [10000000, 10000000], fill: 0}}\noutputs: {f: x}\n",
     "needs 800.0 TB but only"),
    ("inputs: {x: {shape: ['10**7', '10**7'], fill: 0}}\noutputs: {f: x}\n", "needs 800.0 TB"),
    ("inputs: {x: {shape: [10**7, 10**7], fill: 0}}\noutputs: {f: x}\n", "needs 800.0 TB"),
]


@pytest.mark.parametrize("text, words", SPEC_ERRORS)
def test_spec_errors_name_file_field_and_problem(write_spec, text, words):
    path = write_spec(text)
    with pytest.raises(SpecError) as caught:
        load_spec(str(path)).evaluate()
    message = str(caught.value)
    assert words in message and str(path) in message
    assert "Traceback" not in message


def test_missing_spec_file(tmp_path):
    with pytest.raises(SpecError, match="spec file .*nope.yaml' not found"):
        load_spec(str(tmp_path / "nope.yaml"))


def test_huge_array_is_refused_before_allocating(write_spec, monkeypatch):
    monkeypatch.setattr(np, "full", lambda *a, **k: pytest.fail("allocated"))
    path = write_spec("inputs: {x: {shape: [100000, 100000], fill: 0}}\noutputs: {f: x}\n")
    with pytest.raises(SpecError, match="inputs.x: an array of shape"):
        load_spec(str(path))


def test_module_import_failure_is_a_spec_error(write_spec, tmp_path):
    (tmp_path / "broken.py").write_text("raise RuntimeError('boom')\n")
    path = write_spec("inputs: {x: 1.0}\nfunction: broken.py:f\n")
    with pytest.raises(SpecError, match="importing 'broken.py' failed with RuntimeError: boom"):
        load_spec(str(path))


def test_module_shape_error_names_the_function(write_spec, tmp_path):
    (tmp_path / "bad.py").write_text("def f(x, y):\n    return x + y\n")
    path = write_spec("inputs: {x: [1.0, 2.0], y: [1.0, 2.0, 3.0]}\nfunction: bad.py:f\n")
    with pytest.raises(SpecError, match=r"calling f\(\) at the spec's point failed"):
        load_spec(str(path)).evaluate()


def test_cli_values(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    np.save("v.npy", np.arange(4.0))
    assert parse_cli_value("x", "2.5").shape == ()
    assert parse_cli_value("x", "[[1, 2], [3, 4]]").shape == (2, 2)
    assert parse_cli_value("x", "v.npy").tolist() == [0, 1, 2, 3]
    import io
    buffer = io.BytesIO()
    np.save(buffer, np.ones(3))
    assert parse_cli_value("x", "-", io.BytesIO(buffer.getvalue())).tolist() == [1, 1, 1]
    for text, words in [("abc", "neither an existing .npy file"),
                        ("nope.npy", "input file 'nope.npy' not found"),
                        ('"abc"', "'abc' is not a number")]:
        with pytest.raises(SpecError, match=words):
            parse_cli_value("x", text)
    with pytest.raises(SpecError, match="standard input does not hold a .npy"):
        parse_cli_value("x", "-", io.BytesIO(b"not npy"))
