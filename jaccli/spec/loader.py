"""YAML spec files, version 1 (DESIGN.md section 3), turned into a `Spec`."""

import difflib
import keyword
import unicodedata
from pathlib import Path

import numpy as np

from jaccli.spec import modules
from jaccli.spec.errors import SpecError
from jaccli.spec.expr import Expr
from jaccli.spec.limits import (LET_ENTRIES, NO_LIMITS, SPEC_BYTES, YAML_DEPTH, YAML_VALUES,
                                too_deep)
from jaccli.spec.model import Spec
from jaccli.spec.values import load_value

TOP_LEVEL_KEYS = ("version", "name", "description", "inputs", "constants", "let", "outputs",
                  "function")
EVALUATION_ERRORS = (ValueError, TypeError, IndexError, ArithmeticError)


def load_spec(ref, overrides=None, limits=NO_LIMITS):
    """The Spec that `ref` names: a YAML file, or `module.py:function` / `pkg.mod:function`
    (whose inputs are the `overrides`). `overrides` maps names to arrays from --input;
    `limits` (a `jaccli.spec.limits.Limits`) bounds the arrays the spec creates and where
    its input files may lie."""
    overrides = {unicodedata.normalize("NFKC", k) if isinstance(k, str) else k: v
                 for k, v in (overrides or {}).items()}
    if modules.is_module_ref(ref):
        return modules.load_module_spec(ref, overrides)
    return load_yaml_spec(ref, overrides, limits)


def read_yaml(path):
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "not found"
        raise SpecError(f"spec file '{path}' {what}; give a YAML spec or "
                        "path/to/module.py:function.")
    size = path.stat().st_size
    if size > SPEC_BYTES:
        raise SpecError(f"{path}: the spec file is {size} bytes, more than the limit of "
                        f"{SPEC_BYTES}; move large data to .npy files (inputs: {{x: {{file: "
                        "x.npy}}}) and long computations to a Python module.")
    import yaml                                     # only specs that need it pay the import
    try:
        data = _safe_load(yaml, _nesting_checked(path.read_text(encoding="utf-8"), path), path)
    except RecursionError:
        raise too_deep(str(path), YAML_DEPTH, "the YAML is nested") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise SpecError(f"{path}: malformed YAML{at}: {problem}. Fix the syntax there "
                        "(quote expressions that contain ':' or start with '[' or '-').") \
            from None
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a text file; a spec is UTF-8 YAML.") from None
    if not isinstance(data, dict):
        raise SpecError(f"{path}: a spec is a YAML mapping with inputs: and outputs: "
                        "(or function:); see configs/seed.yaml.")
    return data


def _nesting_checked(text, path):
    """``text``, refused when its brackets or indentation nest past YAML_DEPTH: PyYAML takes
    time quadratic in the nesting (8 s for 20000 levels), so this runs before it."""
    depth = deepest = 0
    for char in text:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    indent = max((len(line) - len(line.lstrip(" -")) for line in text.splitlines()),
                 default=0)
    if deepest > YAML_DEPTH or indent > 4 * YAML_DEPTH:
        raise too_deep(str(path), YAML_DEPTH, "the YAML is nested")
    return text


def _safe_load(yaml, text, path):
    """yaml.safe_load, refusing, before anything is built, a document that aliases expand
    past YAML_VALUES values or that nests deeper than YAML_DEPTH."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, path)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_expansion(root, path):
    """The number of values the node graph expands to (an alias counts each time it is
    used), computed once per node; SpecError past the limits or for a self-referring alias."""
    sizes, depths, active = {}, {}, set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if not done:
            if key in sizes:
                continue
            if key in active:
                raise SpecError(f"{path}: a YAML alias refers to the list or mapping that "
                                "contains it; remove the alias (*name).")
            active.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        active.discard(key)
        sizes[key] = 1 + sum(sizes[id(child)] for child in children)
        depths[key] = 1 + max((depths[id(child)] for child in children), default=0)
        if sizes[key] > YAML_VALUES:
            raise SpecError(f"{path}: the YAML expands to more than {YAML_VALUES} values "
                            f"(aliases counted each time they are used; limit {YAML_VALUES}); "
                            "remove the aliases, or move the data to a .npy file.")
        if depths[key] > YAML_DEPTH:
            raise too_deep(str(path), YAML_DEPTH, "the YAML is nested")


def _children(node):
    value = node.value
    if not isinstance(value, list):
        return []
    return [part for item in value for part in (item if isinstance(item, tuple) else (item,))]


def load_yaml_spec(path, overrides, limits=NO_LIMITS):
    data = read_yaml(path)
    source, base_dir = str(path), Path(path).parent
    _check_top_level(data, source)
    inputs = _values(data, "inputs", source, base_dir, overrides, True, limits)
    constants = _values(data, "constants", source, base_dir, overrides, False, limits)
    if overrides:
        name = next(iter(overrides))
        raise SpecError(f"--input {name}: {source} has no input or constant named '{name}'; "
                        f"its inputs are {', '.join(inputs)}.")
    spec = Spec(source=source, name=str(data.get("name") or Path(path).stem),
                input_names=list(inputs), inputs=list(inputs.values()), function=None,
                description=str(data.get("description") or ""))
    if "function" in data:
        _bind_module_function(spec, data["function"], base_dir, constants)
    else:
        _build_expressions(spec, data, constants, limits)
    return spec


def _check_top_level(data, source):
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            close = difflib.get_close_matches(str(key), TOP_LEVEL_KEYS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else \
                f"allowed keys are {', '.join(TOP_LEVEL_KEYS)}."
            raise SpecError(f"{source}: unknown top-level key '{key}'; {hint}")
    if data.get("version", 1) not in (1, "1"):
        raise SpecError(f"{source}: version {data['version']!r} is not supported; "
                        "write version: 1 or leave it out.")
    if not data.get("inputs"):
        raise SpecError(f"{source}: inputs: is missing or empty; list the inputs to "
                        "differentiate by, e.g. inputs: {x: 1.0}.")
    if ("function" in data) == ("outputs" in data):
        raise SpecError(f"{source}: give either outputs: (expressions) or function: "
                        "(module.py:name), exactly one of them.")
    if "function" in data and "let" in data:
        raise SpecError(f"{source}: let: only works with outputs:; remove it, or compute "
                        "those values inside the function.")


def _mapping(data, section, source):
    value = data.get(section) or {}
    if not isinstance(value, dict):
        raise SpecError(f"{source}: {section}: must be a mapping of names to values, "
                        f"e.g. {section}: {{x: 1.0}}.")
    names = {}
    for name in value:
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name) \
                or name.startswith("_"):
            raise SpecError(f"{source}: {section}.{name}: '{name}' is not a usable name; "
                            "use letters, digits and '_', starting with a letter.")
        # NOTE: Python's parser reads identifiers in NFKC form (a fullwidth 'ｘ' is 'x'), so
        # the expressions see the normalised name: the spec's names are normalised alike.
        key = unicodedata.normalize("NFKC", name)
        if key in names:
            raise SpecError(f"{source}: {section}.{name}: '{name}' and '{names[key][0]}' are the "
                            f"same name to Python ('{key}'); rename one.")
        if section == "inputs":
            modules.check_input_name(key, f"{source}: {section}.{name}")
        names[key] = (name, value[name])
    return {key: v for key, (_, v) in names.items()}


def _values(data, section, source, base_dir, overrides, as_input, limits):
    values = {}
    for name, raw in _mapping(data, section, source).items():
        if name in overrides:
            values[name] = overrides.pop(name)
        else:
            values[name] = load_value(raw, f"{source}, {section}.{name}", base_dir, as_input,
                                      limits)
    return values


def _bind_module_function(spec, ref, base_dir, constants):
    where = f"{spec.source}, function"
    if not isinstance(ref, str):
        raise SpecError(f"{where}: write it as path/to/module.py:function.")
    function = modules.load_callable(ref, base_dir, where)
    clash = set(spec.input_names) & set(constants)
    if clash:
        raise SpecError(f"{spec.source}: '{clash.pop()}' is both an input and a constant; "
                        "keep one.")
    modules.check_parameters(function, spec.input_names + list(constants), where,
                             "add it under inputs: or constants:")
    spec.function = modules.bind(function, spec.input_names, constants)
    spec.checked_function = modules.checked(spec.function, spec.source)
    spec.name = spec.name or spec.function.__name__


def _build_expressions(spec, data, constants, limits):
    scope = set(spec.input_names)
    for name in constants:
        _define(scope, name, f"{spec.source}, constants.{name}")
    entries = []
    for section in ("let", "outputs"):
        mapping = _mapping(data, section, spec.source)
        if section == "outputs" and not mapping:
            raise SpecError(f"{spec.source}: outputs: is empty; give at least one, "
                            "e.g. outputs: {f: sin(x)}.")
        if section == "let" and len(mapping) > LET_ENTRIES:
            raise SpecError(f"{spec.source}: let: has {len(mapping)} entries, more than the "
                            f"limit of {LET_ENTRIES}; compute long chains in a Python module "
                            "(function: module.py:name).")
        for name, text in mapping.items():
            where = f"{spec.source}, {section}.{name}"
            if not isinstance(text, (str, int, float)) or isinstance(text, bool):
                raise SpecError(f"{where}: give an expression string such as 'sin(x) * 2'; "
                                "quote it if YAML reads it as a list or mapping.")
            entries.append((section, name, Expr(text, where, scope)))
            if section == "let":
                _define(scope, name, where)
    spec.output_names = [name for section, name, _ in entries if section == "outputs"]
    spec.function = _expression_function(spec.input_names, constants, entries, False, limits)
    spec.checked_function = _expression_function(spec.input_names, constants, entries, True,
                                                 limits)


def _define(scope, name, where):
    if name in scope:
        raise SpecError(f"{where}: '{name}' is already defined above; use a new name.")
    scope.add(name)


def _expression_function(input_names, constants, entries, checked, limits):
    """f(*inputs) evaluating the let entries in order, then the outputs (a tuple)."""
    def f(*inputs):
        env = dict(constants)
        env.update(zip(input_names, inputs))
        outputs = []
        for section, name, expr in entries:
            value = _checked_evaluate(expr, env, limits) if checked else \
                expr.evaluate(env, limits)
            if section == "let":
                env[name] = value
            else:
                outputs.append(value)
        return tuple(outputs)
    return f


def _checked_evaluate(expr, env, limits):
    try:
        return expr.evaluate(env, limits)
    except EVALUATION_ERRORS as e:
        shapes = ", ".join(f"{n} {np.shape(env[n])}" for n in sorted(expr.names) if n in env)
        raise SpecError(f"{expr.where}: {e}. Check the shapes it uses: {shapes}.") from e
