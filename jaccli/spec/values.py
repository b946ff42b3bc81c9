"""Value forms of spec inputs and constants, and of `--input NAME=VALUE`:

    2.0 | [[1, 2], [3, 4]] | {file: u0.npy} | {file: data.npz, key: u}
    {shape: [100], fill: 0.5} | {shape: [100], random: {seed: 0, low: -1, high: 1}}

Inputs become float64 arrays (they are differentiated); constants keep their type, so an
integer constant can still count loop steps in a Python-module function.
"""

import io
import json
import os
import stat
import zipfile
from pathlib import Path

import numpy as np

from jaccli.spec.errors import SpecError
from jaccli.spec.expr import constant_number
from jaccli.spec.limits import NO_LIMITS, VALUE_DEPTH, too_deep

FORMS = ("a number, a nested list, {file: a.npy}, {shape: [n], fill: 0.0} "
         "or {shape: [n], random: {seed: 0}}")


def load_value(raw, where, base_dir, as_input=True, limits=NO_LIMITS):
    """The array (or, for constants, the number) that a spec's value form describes.
    `where` ("spec.yaml, inputs.x") starts every error message; `limits` bound the arrays
    it creates and the folder its files may lie in."""
    if raw is None:
        raise SpecError(f"{where} has no value; give {FORMS}.")
    if isinstance(raw, dict):
        value = _load_mapping(raw, where, base_dir, limits)
    elif not as_input and isinstance(raw, (bool, int, float)):
        return raw
    else:
        value = np.asarray(_check_numbers(raw, where), dtype=float if as_input else None)
    return _finish(value, where, as_input)


# NOTE: a .npy input of MAP_BYTES or more is memory-mapped (copy-on-write: jaccli never writes
# the file) instead of read whole: its pages are read as the point chunks reach them, and a
# Dask cluster whose workers see the file reads each task's rows there
# (distributed.tasks.FileRows) instead of receiving them over the network. As with any reader
# that streams a file, one rewritten while jaccli runs may be read part old, part new.
MAP_BYTES = 64 * 1024 ** 2


def _finish(value, where, as_input):
    if value.dtype.kind == "c":
        raise SpecError(f"{where}: complex values are not supported; give real numbers.")
    if value.dtype.kind not in "biuf":
        raise SpecError(f"{where} holds {value.dtype} values, which are not numbers; "
                        f"give {FORMS}.")
    if as_input and isinstance(value, np.memmap):
        return value if value.dtype == np.float64 else value.astype(np.float64)
    return value.astype(np.float64) if as_input else value


def _check_numbers(raw, where, depth=0):
    """Numbers, numeric strings and rectangular nested lists of them; the same, as floats."""
    if depth > VALUE_DEPTH:
        raise too_deep(where, VALUE_DEPTH, "the nested list is nested")
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
        items = [_check_numbers(item, where, depth + 1) for item in raw]
        shapes = {np.shape(item) for item in items}
        if len(shapes) > 1:
            raise SpecError(f"{where}: the nested list is not rectangular (its rows have "
                            "different lengths); make every row the same length.")
        return items
    raise SpecError(f"{where}: {raw!r} is not a number; give {FORMS}.")


def _load_mapping(raw, where, base_dir, limits):
    keys = set(raw)
    if "file" in keys:
        _only(keys, {"file", "key"}, where)
        return load_file(raw["file"], where, base_dir, raw.get("key"), limits, spec_file=True)
    if "shape" in keys:
        _only(keys, {"shape", "fill", "random"}, where)
        shape = _shape(raw["shape"], where)
        if ("fill" in keys) == ("random" in keys):
            raise SpecError(f"{where}: give exactly one of fill: or random: with shape:.")
        limits.check_shape(shape, where)
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


def load_file(name, where, base_dir, key=None, limits=NO_LIMITS, spec_file=False):
    """A numeric array from a .npy file, or from a .npz file (by `key`, or its only array).
    Pickled objects are never loaded. A ``spec_file`` path must lie under
    ``limits.inputs_under`` when that is set."""
    path = Path(base_dir or ".") / str(name)
    if spec_file and limits.inputs_under is not None:
        _check_under(path, name, where, limits.inputs_under)
    try:
        info = os.stat(path)
    except OSError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode):
        what = "not found" if info is None else f"is {_kind(info.st_mode)}, not a file"
        relative = "relative to the spec file" if spec_file else \
            f"relative to the current directory, {os.getcwd()}"
        raise SpecError(f"{where}: input file '{name}' {what} (looked for {path}); "
                        f"give a .npy or .npz file, {relative}.")
    limits.check_values(info.st_size, where, f"'{name}' ({info.st_size} bytes)", itemsize=1)
    try:
        data = np.load(path, allow_pickle=False,
                       mmap_mode="c" if info.st_size >= MAP_BYTES else None)
    except zipfile.BadZipFile as e:
        raise SpecError(f"{where}: '{name}' starts like a .npz (zip) file but is damaged "
                        f"({e}); save it again with np.savez.") from None
    except (OSError, ValueError, EOFError) as e:
        raise SpecError(f"{where}: cannot read '{name}' as .npy or .npz ({_why(e)}).") \
            from None
    if isinstance(data, np.lib.npyio.NpzFile):
        with data:
            if key is None and len(data.files) == 1:
                key = data.files[0]
            if key not in data.files:
                pick = f"{{file: {name}, key: NAME}}" if spec_file else \
                    f"{where}={name}:NAME"
                what = f"has no array {key!r}; it has" if key is not None else "has arrays"
                raise SpecError(f"{where}: '{name}' {what} {', '.join(data.files)}; "
                                f"pick one with {pick}.")
            member = data.zip.getinfo(key if key in data.zip.namelist() else f"{key}.npy")
            limits.check_values(member.file_size, where,
                                f"'{name}', key {key} ({member.file_size} bytes unpacked)",
                                itemsize=1)
            try:
                return data[key]
            except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
                raise SpecError(f"{where}: cannot read key {key} of '{name}' "
                                f"({_why(e)}).") from None
    return data


def _why(error):
    text = str(error)
    if "allow_pickle" in text:
        return ("it holds pickled Python objects, and jaccli never loads pickles; save plain "
                "numeric arrays")
    return text


def _kind(mode):
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _check_under(path, name, where, folder):
    """Refuse a file outside ``folder`` (symlinks and '..' resolved)."""
    real, root = os.path.realpath(path), os.path.realpath(folder)
    if os.path.commonpath([real, root]) != root:
        raise SpecError(f"{where}: input file '{name}' lies outside {folder} "
                        f"(--inputs-under); only files under that folder may be read.")


def parse_cli_value(name, text, stdin=None, limits=NO_LIMITS):
    """The float64 array of `--input NAME=TEXT`: a .npy/.npz path, FILE.npz:KEY for one
    array of an .npz, '-' for a .npy (or one-array .npz) on stdin (None: stdin is closed),
    or a JSON number or (nested) list."""
    where = f"--input {name}"
    if text == "-":
        if stdin is None:
            raise SpecError(f"{where}=-: standard input is closed; pipe a .npy into it, or "
                            f"give a file with --input {name}=FILE.npy.")
        data = stdin.read()
        try:
            value = np.load(io.BytesIO(data), allow_pickle=False)
        except (OSError, ValueError, EOFError, zipfile.BadZipFile):
            raise SpecError(f"{where}=-: standard input does not hold a .npy array "
                            f"({len(data)} bytes read); pipe in np.save output.") from None
        if isinstance(value, np.lib.npyio.NpzFile):
            with value:
                if len(value.files) != 1:
                    raise SpecError(f"{where}=-: standard input holds a .npz with arrays "
                                    f"{', '.join(value.files)}; pipe in one array saved with "
                                    f"np.save, or save the .npz and pass --input "
                                    f"{name}=FILE.npz:NAME.")
                value = value[value.files[0]]
        return _finish(np.asarray(value), where, as_input=True)
    path, colon, key = text.rpartition(":")
    if colon and path.endswith(".npz") and key and not os.path.isfile(text):
        return _finish(np.asarray(load_file(path, where, ".", key, limits=limits)), where,
                       as_input=True)
    if text.endswith((".npy", ".npz")) or os.path.isfile(text):
        return _finish(np.asanyarray(load_file(text, where, ".", limits=limits)), where,
                       as_input=True)
    try:
        raw = json.loads(text)
    except RecursionError:
        raise too_deep(f"{where}", VALUE_DEPTH, "the JSON is nested") from None
    except ValueError:
        raise SpecError(f"{where}={text}: '{text}' is neither an existing .npy file nor a "
                        "JSON number or list such as 2.5 or [1, 2, 3].") from None
    return load_value(raw, where, ".", as_input=True, limits=limits)
