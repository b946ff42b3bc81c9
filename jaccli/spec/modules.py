"""Python-module specs: `path/to/module.py:function` or `package.module:function`.

NOTE: such a spec runs the named Python code (that is its point); only expression specs are
safe to load from an untrusted source.
"""

import importlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path

import numpy as np

from jaccli.errors import ComputeError
from jaccli.spec.errors import SpecError
from jaccli.pytree import flatten, render
from jaccli.spec.model import Spec, as_output_tuple

MODULE_REF = re.compile(r"^(?P<module>.+\.py|[A-Za-z_][\w.]*):(?P<function>[A-Za-z_]\w*)$")


def is_module_ref(text):
    return bool(MODULE_REF.match(text)) and not Path(text).is_file()


def load_callable(ref, base_dir, where):
    """The function that `ref` names; `where` starts every error message."""
    match = MODULE_REF.match(ref)
    if not match:
        raise SpecError(f"{where}: {ref!r} is not a function reference; write "
                        "path/to/module.py:function or package.module:function.")
    module_name, function_name = match["module"], match["function"]
    if module_name.endswith(".py"):
        module = _import_file(Path(base_dir) / module_name, module_name, where)
    else:
        module = _import_dotted(module_name, base_dir, where)
    function = getattr(module, function_name, None)
    if not callable(function):
        raise SpecError(f"{where}: module '{module_name}' has no function '{function_name}'; "
                        "check the name after the ':'.")
    return function


def _import_file(path, shown, where):
    if not path.is_file():
        raise SpecError(f"{where}: module file '{shown}' not found (looked for {path}); "
                        "paths are relative to the spec file, or to the current directory.")
    name = "jaccli_user_" + re.sub(r"\W", "_", str(path.resolve().with_suffix("")))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    folder = str(path.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)                    # lets it import its neighbours
    try:
        spec.loader.exec_module(module)
    except SystemExit as e:
        raise SpecError(f"{where}: importing '{shown}' called sys.exit({e.code!r}); a module "
                        "spec must not exit when imported.") from None
    except Exception as e:
        raise SpecError(f"{where}: importing '{shown}' failed with "
                        f"{type(e).__name__}: {e}. Fix the module (--debug shows where).") from e
    sys.modules[name] = module
    return module


def _import_dotted(name, base_dir, where):
    folder = str(Path(base_dir).resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name and name.startswith(e.name):
            raise SpecError(f"{where}: module '{name}' not found; check its name, or run "
                            "from the folder that holds it (or set PYTHONPATH).") from None
        raise SpecError(f"{where}: importing '{name}' failed: {e}.") from e
    except Exception as e:
        raise SpecError(f"{where}: importing '{name}' failed with "
                        f"{type(e).__name__}: {e}. Fix the module (--debug shows where).") from e


def check_input_name(name, where):
    """Input names make the .npz block names OUTPUT__INPUT: without '__' in an input name
    (and no leading '_') the block name splits one way only, at its last '__'."""
    if "__" in name or name.startswith("_"):
        raise SpecError(f"{where}: the input name '{name}' contains '__' or starts with '_'; "
                        "the .npz output names its blocks OUTPUT__INPUT, which would then be "
                        "ambiguous. Rename the input.")


def check_parameters(function, given, where, how_to_give):
    """Every required parameter of `function` must be in `given`, and every given name must
    be a parameter (unless it takes **kwargs)."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return
    takes_any = any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    for name in given:
        if name not in parameters and not takes_any:
            raise SpecError(f"{where}: {function.__name__}() has no parameter '{name}'; its "
                            f"parameters are {', '.join(parameters) or 'none'}.")
    for name, p in parameters.items():
        if p.kind in (p.POSITIONAL_ONLY, p.VAR_POSITIONAL):
            raise SpecError(f"{where}: {function.__name__}() has a positional-only parameter "
                            f"'{name}'; jaccli passes values by name, so make it a normal one.")
        if p.default is p.empty and p.kind is not p.VAR_KEYWORD and name not in given:
            raise SpecError(f"{where}: {function.__name__}() needs parameter '{name}'; "
                            f"{how_to_give.format(name=name)}.")


def bind(function, input_names, constants):
    """f(*inputs) calling `function` by keyword, with the constants added; a tuple of outputs."""
    def f(*inputs):
        # NOTE: fresh copies of NumPy arrays, each call: a function that writes into its
        # argument (x *= 2) would otherwise change the spec's point (and its constants) before
        # the trace, and the Jacobian would be taken at the wrong point.
        given = {**constants, **dict(zip(input_names, inputs))}
        given = {k: v.copy() if type(v) is np.ndarray else v for k, v in given.items()}
        try:
            result = function(**given)
        except SystemExit as e:
            raise ComputeError(f"the function {f.__name__}() called sys.exit({e.code!r}); "
                               "raise an exception instead, or return its outputs.") from None
        return _outputs(f, result)
    f.__name__ = getattr(function, "__name__", "f")
    f.output_paths = None
    return f


def _outputs(f, result):
    """The outputs of a bound function's result: one array, a tuple/list of them, or any
    pytree (a dict, nested tuples, namedtuples: ``jaccli.pytree``), by its leaves; for a
    pytree other than a flat tuple/list, ``f.output_paths`` holds each leaf's path
    (``['pos']``, ``[1][0]``), which names the outputs (``rhs['pos']``)."""
    leaves, tree = flatten(result)
    flat = tree.is_leaf or (tree.kind in ("tuple", "list")
                            and all(c.is_leaf for c in tree.children))
    if flat or result is None or not leaves:
        f.output_paths = None
        return as_output_tuple(result)
    f.output_paths = [render(p) for p in tree.paths()]
    return tuple(leaves)


def checked(f, source):
    """`f` whose errors at the spec's point name the function (shape mistakes and the like)."""
    def run(*inputs):
        try:
            return f(*inputs)
        except (ValueError, TypeError, IndexError, ArithmeticError) as e:
            raise SpecError(f"{source}: calling {f.__name__}() at the spec's point failed "
                            f"with {type(e).__name__}: {e}. Check the shapes of its inputs "
                            "(--debug shows where).") from e
    return run


def load_module_spec(ref, overrides, base_dir="."):
    """The spec of `jaccli jacobian module.py:f --input x=...`: every --input is an input."""
    function = load_callable(ref, base_dir, ref)
    check_parameters(function, list(overrides), ref,
                     "pass it with --input {name}=VALUE (a JSON number or list, a .npy file, "
                     "or - for a .npy on stdin)")
    try:
        order = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        order = []
    names = [n for n in order if n in overrides] + [n for n in overrides if n not in order]
    for n in names:
        check_input_name(n, f"{ref}, --input {n}")
    f = bind(function, names, {})
    return Spec(source=ref, name=f.__name__, input_names=names,
                inputs=[overrides[n] for n in names], function=f,
                checked_function=checked(f, ref))
