#!/usr/bin/python3
"""Writes libm/testdata/log_glibc.txt: arguments and Debian python3's math.log of them.

CPython's math.log of a positive finite float calls the C library's log, so on Debian (glibc,
x86-64 with FMA) these are glibc's results. Each line: the argument's and the result's IEEE bits
in hex. Regenerate with: /usr/bin/python3 scripts/gen-libm-log-table.py > libm/testdata/log_glibc.txt
"""
import math
import random
import struct
import sys


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def frombits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


rng = random.Random(2916)
xs = []
xs += [frombits(rng.getrandbits(63)) for _ in range(6000)]  # any positive double
xs += [1 + (rng.random() - 0.5) * 0.3 for _ in range(3000)]  # the near-1 polynomial branch
xs += [frombits(rng.getrandbits(52)) for _ in range(500)]  # subnormals
xs += [rng.random() for _ in range(500)]
# concentration ratios of the Nernst paths (mol/L), including the 0.002/0.2
xs += [0.002 / 0.2, 5e-3 / 140e-3, 145e-3 / 12e-3, 110e-3 / 4e-3, 2e-3 / 1e-7, 1e-6 / 0.14]
xs += [2.0**-1022, 5e-324, 1.7976931348623157e308, 2.0, 0.5, math.e, 10.0, 1 - 2**-53, 1 + 2**-52]
xs = [x for x in xs if x > 0 and math.isfinite(x)]
w = sys.stdout.write
w("# x_bits log_bits  (Debian python3 math.log = glibc log; scripts/gen-libm-log-table.py)\n")
for x in xs:
    w("%016x %016x\n" % (bits(x), bits(math.log(x))))
