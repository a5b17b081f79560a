"""numpy Generator(PCG64) state in and out of the Go core.

The Go core has a bit-exact port of numpy's PCG64 and Generator. A call that draws random
numbers takes the caller's generator state (128-bit state and increment plus the buffered
32-bit half), runs in Go, and writes the advanced state back, so the caller's generator ends
exactly where the reference would have left it.
"""

import ctypes
from contextlib import contextmanager

import numpy as np

_MASK64 = (1 << 64) - 1


def _check_generator(rng, name="rng"):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"{name} must be a numpy.random.Generator (e.g. numpy.random.default_rng(42)), got {type(rng).__name__}")
    bg = rng.bit_generator
    if type(bg) is not np.random.PCG64:
        raise TypeError(
            f"{name} must use the PCG64 bit generator (numpy.random.default_rng's), got {type(bg).__name__}: "
            "the Go core reproduces numpy's PCG64 stream only"
        )
    return bg


@contextmanager
def generator_state(rng, name="rng"):
    """Yield a uint64[6] buffer with rng's state; on normal exit write it back to rng.

    The bit generator's lock is held throughout, so threads sharing one generator take turns
    as they would with numpy's own methods.
    """
    bg = _check_generator(rng, name)
    with bg.lock:
        st = bg.state
        s, inc = st["state"]["state"], st["state"]["inc"]
        buf = (ctypes.c_uint64 * 6)(
            (s >> 64) & _MASK64, s & _MASK64, (inc >> 64) & _MASK64, inc & _MASK64,
            int(st["has_uint32"]), int(st["uinteger"]) & 0xFFFFFFFF,
        )
        yield buf
        bg.state = {
            "bit_generator": "PCG64",
            "state": {"state": (buf[0] << 64) | buf[1], "inc": (buf[2] << 64) | buf[3]},
            "has_uint32": int(buf[4]),
            "uinteger": int(buf[5]),
        }
