"""Value forms of spec inputs and constants, and of `--input NAME=VALUE`:

    2.0 | [[1, 2], [3, 4]] | {file: u0.npy} | {file: data.npz, key: u}
    {shape: [100], fill: 0.5} | {shape: [100], random: {seed: 0, low: -1, high: 1}}

Inputs become float64 arrays (they are differentiated); constants keep their type, so an
integer constant can still count loop steps in a Python-module function.
"""

import io
import json
import math
import os
from pathlib import Path

import numpy as np

from jaccli.spec.errors import SpecError
from jaccli.spec.expr import constant_number
from jaccli.memory import available_memory, format_bytes

FORMS = ("a number, a nested list, {file: a.npy}, {shape: [n], fill: 0.0} "
         "or {shape: [n], random: {seed: 0}}")


def load_value(raw, where, base_dir, as_input=True):
    """The array (or, for constants, the number) that a spec's value form describes.
    `where` ("spec.yaml, inputs.x") starts every error message."""
    if raw is None:
        raise SpecError(f"{where} has no value; give {FORMS}.")
    if isinstance(raw, dict):
        value = _load_mapping(raw, where, base_dir)
    elif not as_input and isinstance(raw, (bool, int, float)):
        return raw
    else:
        value = np.asarray(_check_numbers(raw, where), dtype=float if as_input else None)
    return _finish(value, where, as_input)


def _finish(value, where, as_input):
    if value.dtype.kind == "c":
        raise SpecError(f"{where}: complex values are not supported; give real numbers.")
    if value.dtype.kind not in "biuf":
        raise SpecError(f"{where} holds {value.dtype} values, which are not numbers; "
                        f"give {FORMS}.")
    return value.astype(np.float64) if as_input else value


def _check_numbers(raw, where):
    """Numbers, numeric strings and rectangular nested lists of them; the same, as floats."""
    if isinstance(raw, bool):
        raise SpecError(f"{where}: {raw} is not a number; inputs must be real numbers.")
    if isinstance(raw, (int, float)):
        return raw
    if isinstance(raw, str):
        try:
            return float(raw)
        except ValueError:
            raise SpecError(f"{where}: {raw!r} is not a number; give {FORMS}.") from None
    if isinstance(raw, list):
        items = [_check_numbers(item, where) for item in raw]
        shapes = {np.shape(item) for item in items}
        if len(shapes) > 1:
            raise SpecError(f"{where}: the nested list is not rectangular (its rows have "
                            "different lengths); make every row the same length.")
        return items
    raise SpecError(f"{where}: {raw!r} is not a number; give {FORMS}.")


def _load_mapping(raw, where, base_dir):
    keys = set(raw)
    if "file" in keys:
        _only(keys, {"file", "key"}, where)
        return load_file(raw["file"], where, base_dir, raw.get("key"))
    if "shape" in keys:
        _only(keys, {"shape", "fill", "random"}, where)
        shape = _shape(raw["shape"], where)
        if ("fill" in keys) == ("random" in keys):
            raise SpecError(f"{where}: give exactly one of fill: or random: with shape:.")
        check_fits_in_memory(shape, where)
        if "fill" in keys:
            return np.full(shape, _check_numbers(raw["fill"], f"{where}.fill"), dtype=float)
        return _random(shape, raw["random"], f"{where}.random")
    raise SpecError(f"{where}: a mapping needs file: or shape:; give {FORMS}.")


def _only(keys, allowed, where):
    extra = sorted(keys - allowed)
    if extra:
        raise SpecError(f"{where}: unknown key {extra[0]!r}; allowed here: "
                        f"{', '.join(sorted(allowed))}.")


def _shape(raw, where):
    entries = raw if isinstance(raw, list) else [raw]
    shape = []
    for entry in entries:
        value = entry
        if isinstance(entry, str):
            try:
                value = constant_number(entry, f"{where}.shape")
            except (SpecError, ArithmeticError):
                value = None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SpecError(f"{where}.shape: {entry!r} is not a non-negative integer; "
                            "write the shape as a list of sizes, e.g. shape: [3, 4].")
        shape.append(value)
    return tuple(shape)


def _random(shape, raw, where):
    if not isinstance(raw, dict):
        raw = {"seed": raw}
    _only(set(raw), {"seed", "low", "high"}, where)
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise SpecError(f"{where}.seed: {seed!r} is not a non-negative integer.")
    low = _check_numbers(raw.get("low", 0.0), f"{where}.low")
    high = _check_numbers(raw.get("high", 1.0), f"{where}.high")
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def load_file(name, where, base_dir, key=None):
    """A numeric array from a .npy file, or from a .npz file (by `key`, or its only array)."""
    path = Path(base_dir or ".") / str(name)
    if not path.is_file():
        raise SpecError(f"{where}: input file '{name}' not found (looked for {path}); "
                        "paths are relative to the spec file.")
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise SpecError(f"{where}: cannot read '{name}' as .npy or .npz ({e}).") from None
    if isinstance(data, np.lib.npyio.NpzFile):
        with data:
            if key is None and len(data.files) == 1:
                key = data.files[0]
            if key not in data.files:
                raise SpecError(f"{where}: '{name}' has arrays {', '.join(data.files)}; "
                                "pick one with key: NAME.")
            return data[key]
    return data


def check_fits_in_memory(shape, where):
    """Refuse, before allocating, an array of float64 that memory cannot hold."""
    needed = math.prod(shape) * 8
    available = available_memory()
    if needed > available:
        raise SpecError(f"{where}: an array of shape {list(shape)} needs "
                        f"{format_bytes(needed)} but only {format_bytes(available)} of memory "
                        "is available; use a smaller shape.")


def parse_cli_value(name, text, stdin=None):
    """The float64 array of `--input NAME=TEXT`: a .npy/.npz path, '-' for a .npy on stdin,
    or a JSON number or (nested) list."""
    where = f"--input {name}"
    if text == "-":
        data = stdin.read() if stdin is not None else b""
        try:
            value = np.load(io.BytesIO(data), allow_pickle=False)
        except (OSError, ValueError, EOFError):
            raise SpecError(f"{where}=-: standard input does not hold a .npy array "
                            f"({len(data)} bytes read); pipe in np.save output.") from None
        return _finish(np.asarray(value), where, as_input=True)
    if text.endswith((".npy", ".npz")) or os.path.isfile(text):
        return _finish(np.asarray(load_file(text, where, ".")), where, as_input=True)
    try:
        raw = json.loads(text)
    except ValueError:
        raise SpecError(f"{where}={text}: '{text}' is neither an existing .npy file nor a "
                        "JSON number or list such as 2.5 or [1, 2, 3].") from None
    return load_value(raw, where, ".", as_input=True)
