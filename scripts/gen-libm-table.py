#!/usr/bin/python3
"""Writes a table of arguments and Debian python3's math.log, math.log1p or math.exp of them.

CPython's math.log / math.log1p of a finite float call the C library's log / log1p, so on
Debian (glibc, x86-64 with FMA) these are glibc's results. Each line: the argument's and the
result's IEEE bits in hex. Regenerate with:
  /usr/bin/python3 scripts/gen-libm-table.py log > libm/testdata/log_glibc.txt
  /usr/bin/python3 scripts/gen-libm-table.py log1p > libm/testdata/log1p_glibc.txt
  /usr/bin/python3 scripts/gen-libm-table.py exp > libm/testdata/exp_glibc.txt
"""
import math
import random
import struct
import sys


def bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def frombits(b):
    return struct.unpack("<d", struct.pack("<Q", b))[0]


fn = sys.argv[1] if len(sys.argv) > 1 else "log"
if fn == "exp":
    rng = random.Random(2918)
    xs = []
    for _ in range(6000):
        x = rng.random() * 3.7
        xs.append(-0.5 * x * x)  # numpy's ziggurat wedge test: exp(-x*x/2)
    xs += [-745 + rng.random() * 1454 for _ in range(3500)]
    xs += [0.0, 1.0, -1.0, 709.78, -708.39, -745.13, 1e-300, -1e-17, 512.0, -512.0]
    sys.stdout.write("# x_bits exp_bits  (Debian python3 math.exp = glibc exp; scripts/gen-libm-table.py exp)\n")
    for x in xs:
        sys.stdout.write("%016x %016x\n" % (bits(x), bits(math.exp(x))))
    sys.exit(0)
if fn == "log1p":
    rng = random.Random(2917)
    xs = [-rng.random() for _ in range(6000)]  # numpy's ziggurat tail: log1p(-u)
    xs += [frombits(rng.getrandbits(63)) for _ in range(2000)]
    xs += [-frombits(rng.getrandbits(62)) for _ in range(1000)]  # |x| < 2
    xs += [b * (1 + (rng.random() - 0.5) * 1e-6) for b in (0.41422, -0.2929, 2**-29, 2**-20) for _ in range(250)]
    xs = [x for x in xs if x > -1 and math.isfinite(x)]
    sys.stdout.write("# x_bits log1p_bits  (Debian python3 math.log1p = glibc log1p; scripts/gen-libm-table.py log1p)\n")
    for x in xs:
        sys.stdout.write("%016x %016x\n" % (bits(x), bits(math.log1p(x))))
    sys.exit(0)

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
w("# x_bits log_bits  (Debian python3 math.log = glibc log; scripts/gen-libm-table.py log)\n")
for x in xs:
    w("%016x %016x\n" % (bits(x), bits(math.log(x))))
