"""Loading libmfn and calling it: argument types, error strings, buffers.

ctypes releases the GIL for the whole of every call into a CDLL, so Go work runs while other
Python threads do theirs. Every export returns NULL or an error message, which becomes a
ValueError carrying the Go side's text (it names the parameter, the value and the range).
"""

import ctypes
import json
import os
import sys
from pathlib import Path

import numpy as np

_NAME = {"darwin": "libmfn.dylib", "win32": "mfn.dll"}.get(sys.platform, "libmfn.so")

c_i64 = ctypes.c_int64
c_dbl = ctypes.c_double
c_int = ctypes.c_int
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
p_dbl = ctypes.POINTER(ctypes.c_double)
p_f32 = ctypes.POINTER(ctypes.c_float)
p_u64 = ctypes.POINTER(ctypes.c_uint64)
p_u8 = ctypes.POINTER(ctypes.c_uint8)
p_i64 = ctypes.POINTER(ctypes.c_int64)
pp_char = ctypes.POINTER(ctypes.c_void_p)


def _load() -> ctypes.CDLL:
    path = os.environ.get("MFN_LIBRARY") or str(Path(__file__).with_name(_NAME))
    if not os.path.exists(path):
        raise ImportError(
            f"mfn: the Go core {path} is missing; install the package with "
            "`pip install ./python` from the MFN checkout (it builds libmfn with Go)"
        )
    return ctypes.CDLL(path)


lib = _load()

_SIGNATURES = {
    "mfn_free": ([c_void_p], None),
    "mfn_abi_version": ([], c_i64),
    "mfn_data_address": ([p_dbl, c_i64], ctypes.c_uint64),
    "mfn_simulate_legacy": ([p_u64, c_i64, c_i64, c_dbl, c_dbl, c_int, c_dbl, c_int, c_dbl, p_dbl, c_i64, p_i64], c_void_p),
    "mfn_run_simulation": ([c_char_p, c_int, p_dbl, c_i64, p_dbl, c_i64, pp_char], c_void_p),
    "mfn_features": ([p_dbl, c_i64, c_i64, c_char_p, p_dbl], c_void_p),
    "mfn_box_dimension": ([p_u8, c_i64, c_i64, c_i64, c_i64, c_int, p_dbl, p_dbl], c_void_p),
    "mfn_threshold_dimension": ([p_dbl, c_i64, c_dbl, c_i64, p_dbl], c_void_p),
    "mfn_ifs": ([p_u64, c_i64, c_i64, p_dbl, c_i64, p_dbl], c_void_p),
    "mfn_stability": ([p_dbl, c_i64, c_i64, c_dbl, p_dbl], c_void_p),
    "mfn_nernst": ([c_i64, c_dbl, c_dbl, c_dbl, p_dbl], c_void_p),
    "mfn_krum_aggregate": ([p_f32, c_i64, c_i64, c_i64, c_dbl, c_dbl, p_u64, p_f32, pp_char], c_void_p),
    "mfn_krum_select": ([p_f32, c_i64, c_i64, c_i64, p_i64], c_void_p),
    "mfn_validation": ([c_i64, c_i64, c_i64, c_i64, c_i64, c_int, c_int, c_int, c_int, p_dbl], c_void_p),
    "mfn_generate_dataset": ([c_char_p, c_i64, c_char_p, c_i64, c_char_p, pp_char], c_void_p),
    "mfn_preset": ([c_char_p, pp_char], c_void_p),
    "mfn_morph": ([c_int, c_char_p, p_dbl, p_dbl, p_dbl, c_i64, p_dbl, c_i64, pp_char], c_void_p),
    "mfn_run_scenario": ([c_char_p, c_char_p, c_char_p, c_i64, pp_char], c_void_p),
}
for _name, (_args, _res) in _SIGNATURES.items():
    _fn = getattr(lib, _name)
    _fn.argtypes = _args
    _fn.restype = _res

ABI_VERSION = 1
if lib.mfn_abi_version() != ABI_VERSION:
    raise ImportError(f"mfn: libmfn speaks ABI {lib.mfn_abi_version()}, this package expects {ABI_VERSION}; reinstall")


def _take_string(ptr) -> str:
    try:
        return ctypes.string_at(ptr).decode("utf-8", "replace")
    finally:
        lib.mfn_free(ptr)


def check(err) -> None:
    """Raise the Go side's error message, if any, as a ValueError."""
    if err:
        raise ValueError(_take_string(err))


def call_json(fn, *args):
    """Call an export whose last argument receives a JSON document; return it decoded."""
    out = ctypes.c_void_p()
    check(fn(*args, ctypes.byref(out)))
    return json.loads(_take_string(out)) if out.value else None


def dptr(a):
    """A double* over a C-contiguous float64 array (no copy), or NULL for None."""
    if a is None:
        return None
    return a.ctypes.data_as(p_dbl)


def fptr(a):
    if a is None:
        return None
    return a.ctypes.data_as(p_f32)


def f64_in(x, name: str) -> np.ndarray:
    """x as a C-contiguous float64 array: the caller's own memory when it already is one."""
    try:
        return np.ascontiguousarray(x, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name} must be an array of numbers: {e}") from None


def alloc(shape, limit: int = 1 << 28):
    """An output buffer, or None when the request is too large to be valid (Go then reports
    the parameter that is out of range before touching the buffer)."""
    n = 1
    for s in shape:
        if s < 0:
            return None
        n *= s
    if n > limit:
        return None
    return np.empty(shape, dtype=np.float64)


def as_int(x, name: str) -> int:
    import operator

    try:
        return operator.index(x)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(x).__name__}") from None
