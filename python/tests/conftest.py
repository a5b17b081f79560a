import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "testdata" / "golden"


def hexf(x):
    """A golden float ({"hex": ..., "dec": ...} or a hex string) as a Python float."""
    if isinstance(x, dict):
        x = x["hex"]
    return float.fromhex(x)


def hexlist(x):
    if isinstance(x, dict):
        x = x["hex"]
    return [float.fromhex(v) for v in x]


@pytest.fixture(scope="session")
def golden():
    cache = {}

    def load(name):
        if name not in cache:
            path = GOLDEN / name
            if not path.exists():
                pytest.fail(f"golden file {path} is missing")
            cache[name] = json.loads(path.read_text())
        return cache[name]

    return load


def state_of(rs):
    """A golden rng_state object as numpy's bit_generator.state (uinteger only when buffered)."""
    return int(rs["state"]), int(rs["inc"]), int(rs["has_uint32"]), int(rs["uinteger"])


def assert_state(rng, rs):
    st = rng.bit_generator.state
    got = (st["state"]["state"], st["state"]["inc"], st["has_uint32"])
    want = state_of(rs)
    assert got == want[:3]
    if want[2]:
        assert st["uinteger"] == want[3]


IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def mfn_bin(tmp_path_factory):
    """The mfn command: $MFN_BIN, or built from this checkout."""
    if os.environ.get("MFN_BIN"):
        return os.environ["MFN_BIN"]
    go = shutil.which("go")
    if go is None:
        if IN_CI:
            pytest.fail("go is required in CI to build the mfn binary")
        pytest.skip("go is not installed and MFN_BIN is not set")
    out = tmp_path_factory.mktemp("bin") / "mfn"
    subprocess.run([go, "build", "-o", str(out), "./cmd/mfn"], cwd=ROOT, check=True)
    return str(out)


