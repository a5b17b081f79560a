"""Builds libmfn (the Go core as a C shared library) into the package during the install.

`pip install ./python` (or, offline, `pip install --no-build-isolation --no-index ./python`)
runs `go build -buildmode=c-shared ./cabi` from the repository root, which must be the parent
of this directory (or the directory named by MFN_SOURCE_ROOT). It needs Go and a C compiler
(cgo); the wheel is platform-specific.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

LIBNAME = {"darwin": "libmfn.dylib", "win32": "mfn.dll"}.get(sys.platform, "libmfn.so")


def source_root() -> Path:
    root = os.environ.get("MFN_SOURCE_ROOT")
    if root:
        return Path(root).resolve()
    return Path(__file__).resolve().parent.parent


class BuildWithGo(build_py):
    """build_py that also compiles the Go core into mfn/<libmfn>."""

    def run(self):
        super().run()
        root = source_root()
        if not (root / "go.mod").is_file() or not (root / "cabi").is_dir():
            raise SystemExit(f"mfn: no Go module with cabi/ at {root}; set MFN_SOURCE_ROOT to the MFN checkout")
        go = shutil.which("go")
        if go is None:
            raise SystemExit("mfn: the Go toolchain (go) is needed to build libmfn; install Go 1.26+")
        target = (Path(self.build_lib) / "mfn" / LIBNAME).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, CGO_ENABLED="1")
        cmd = [go, "build", "-buildmode=c-shared", "-ldflags=-s -w", "-o", str(target), "./cabi"]
        print("mfn: " + " ".join(cmd), flush=True)
        subprocess.run(cmd, cwd=root, env=env, check=True)
        header = target.with_suffix(".h")
        if header.exists():
            header.unlink()


class BinaryDistribution(Distribution):
    """The package carries a native library: its wheel is not pure Python."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithGo}, distclass=BinaryDistribution)
