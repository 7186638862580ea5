"""Arrays on disk: ``.npz`` files written atomically and read without pickle.

``save_arrays`` writes to a temporary file in the target's directory and
renames it over the target only once it is complete, so a crash mid-write
leaves the old file (or no file), never a half-written one.

``load_arrays`` never unpickles (``allow_pickle=False``) and, when told what
to expect, checks the names and the shapes declared in each array's header
*before* reading any data: a file that claims a huge shape is rejected
without allocating it, and any problem raises an error naming the array.

Examples
--------
>>> import os, tempfile, numpy as np
>>> from tinygrad_edu import io
>>> path = os.path.join(tempfile.mkdtemp(), "w.npz")
>>> io.save_arrays(path, {"dense_1.kernel": np.ones((2, 4), np.float32)})
>>> io.load_arrays(path, {"dense_1.kernel": (2, 4)})["dense_1.kernel"].shape
(2, 4)
"""
from __future__ import annotations

import os
import tempfile
import zipfile
import zlib

import numpy as np

__all__ = ["save_arrays", "load_arrays", "read_headers"]


def save_arrays(path, arrays, what="save_arrays"):
    """Write ``{name: array}`` to ``path`` (an uncompressed ``.npz``), atomically.

    The file is written exactly at ``path`` (no suffix is added).  ``what`` names
    the caller in errors.
    """
    path = os.fspath(path)
    if not isinstance(arrays, dict):
        raise TypeError(f"{what}: arrays must be a dict of name -> array, got "
                        f"{type(arrays).__name__}")
    clean = {}
    for name, arr in arrays.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"{what}: array names must be non-empty strings, got {name!r}")
        a = np.asarray(arr)
        if a.dtype.kind not in "fiub":
            raise ValueError(f"{what}: {name!r} has dtype {a.dtype}; only numeric arrays "
                             f"can be saved (no pickled objects)")
        clean[name] = a
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):    # (else the error names our temporary file)
        raise FileNotFoundError(f"{what}: the folder {directory!r} does not exist; create it "
                                f"first, e.g. os.makedirs({directory!r})")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **clean)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)          # mkstemp makes 0600; use the usual mode
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _corrupt(what, path, detail):
    return ValueError(f"{what}: {path!r} is not a readable .npz weights file (corrupt, truncated "
                      f"or another format): {detail}")


def read_headers(path, what="load"):
    """``{name: (shape, dtype)}`` from the headers of the arrays in an ``.npz``, reading no data."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{what}: no such file: {path!r}")
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as e:
        raise _corrupt(what, path, e) from None
    headers = {}
    with zf:
        for member in zf.namelist():
            if not member.endswith(".npy"):
                raise _corrupt(what, path, f"unexpected member {member!r} (not an .npy array)")
            name = member[:-4]
            try:
                with zf.open(member) as f:
                    version = np.lib.format.read_magic(f)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                    elif version == (2, 0):
                        shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                    else:
                        raise ValueError(f"unsupported .npy format version {version}")
            except (ValueError, zipfile.BadZipFile, OSError, EOFError, zlib.error,
                    SyntaxError, TypeError) as e:
                raise _corrupt(what, path, f"array {name!r}: {e}") from None
            headers[name] = (tuple(shape), dtype)
    return headers


def load_arrays(path, expected=None, what="load"):
    """Read the arrays of an ``.npz`` file, checking them against ``expected`` first.

    Parameters
    ----------
    path : str or path-like
    expected : dict of str -> tuple, optional
        Name -> shape.  When given, the file must hold exactly these names with
        these shapes; this is checked from the headers before any data is read.
    what : str
        The operation named in error messages (e.g. ``'load_weights'``).

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    KeyError
        Missing or unexpected names (all listed).
    ValueError
        Wrong shapes, non-numeric (object/pickled) arrays, or corrupt bytes.
    """
    path = os.fspath(path)
    headers = read_headers(path, what)
    for name, (shape, dtype) in headers.items():
        if dtype.kind not in "fiub":
            raise ValueError(f"{what}: array {name!r} in {path!r} has dtype {dtype}; only numeric "
                             f"arrays are accepted (pickled objects are never loaded)")
    if expected is not None:
        missing = [k for k in expected if k not in headers]
        extra = [k for k in headers if k not in expected]
        if missing or extra:
            raise KeyError(f"{what}: the names in {path!r} do not match (missing: "
                           f"{', '.join(missing) or '-'}; unexpected: {', '.join(extra) or '-'}). "
                           f"Expected: {', '.join(expected)}")
        for name, shape in expected.items():
            if headers[name][0] != tuple(shape):
                raise ValueError(f"{what}: {name!r} has shape {headers[name][0]} in {path!r}, but "
                                 f"the model's parameter has shape {tuple(shape)}")
    out = {}
    try:
        with np.load(path, allow_pickle=False) as npz:
            for name in headers:
                out[name] = npz[name]
    except (ValueError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as e:
        raise _corrupt(what, path, e) from None
    for name, arr in out.items():             # the data must agree with its header
        if arr.shape != headers[name][0]:
            raise _corrupt(what, path, f"array {name!r} does not match its header")
    return out
