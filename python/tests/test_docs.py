"""The examples, the notebooks and the tutorials' runnable blocks, executed, so they cannot rot.

Notebooks need nbclient/nbformat/ipykernel (Debian: python3-nbclient python3-ipykernel) and
the `mfn` binary (built here with Go, or named by MFN_BIN). Where a tool is missing the test
skips with the reason, except under CI=true, where it fails.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import mfn
from conftest import ROOT

IN_CI = os.environ.get("CI") == "true"


def need(module):
    try:
        return __import__(module)
    except ImportError as e:
        if IN_CI:
            pytest.fail(f"{module} is required in CI: {e}")
        pytest.skip(f"{module} is not installed: {e}")


def load_example(name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "python" / "examples" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_finance_example_matches_the_reference():
    # The reference's examples/finance_regime_detection.py at aeffc07, run_finance_demo(
    # verbose=False, return_analysis=True), gave fractal_dim=1.5296416719329393,
    # v_std=4.765107613739622, lyapunov=-2.249727732046311, regime NORMAL, confidence medium.
    r = load_example("finance_regime_detection").main()
    assert r["D"] == pytest.approx(1.5296416719329393, rel=1e-12)
    assert r["v_std"] == pytest.approx(4.765107613739622, rel=1e-12)
    assert r["lyapunov"] == pytest.approx(-2.249727732046311, rel=1e-12)
    assert (r["regime"], r["confidence"]) == ("NORMAL", "medium")


def test_rl_example_matches_the_reference():
    # The reference's examples/rl_exploration.py at aeffc07, run_rl_demo(verbose=False,
    # return_stats=True), gave ExplorationStats(coverage=0.21978021978021978,
    # fractal_dim=1.3006051039069986, unique_states=20, total_steps=2217, episodes=50,
    # mean_episode_length=23.6, mean_reward=0.6328197670360862).
    r = load_example("rl_exploration").main()
    assert r["coverage"] == 0.21978021978021978
    assert r["dimension"] == pytest.approx(1.3006051039069986, rel=1e-12)
    assert (r["unique_states"], r["total_steps"], r["mean_episode_length"]) == (20, 2217, 23.6)
    assert r["mean_reward"] == pytest.approx(0.6328197670360862, rel=1e-12)
    assert r["lyapunov"] < 0


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_notebooks_exist_and_are_stored_without_outputs():
    names = [p.stem for p in NOTEBOOKS]
    for want in ("01_getting_started", "02_features_and_fractals", "03_ml_integration", "04_service_client"):
        assert want in names
    for p in NOTEBOOKS:
        nb = json.loads(p.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs") and cell.get("execution_count") is None, p.name


@pytest.fixture(scope="session")
def kernel_for_this_python(tmp_path_factory):
    """A kernelspec 'python3' that runs this interpreter (the one mfn is installed in), ahead
    of a system-wide one that may point at another Python."""
    d = tmp_path_factory.mktemp("jupyter")
    k = d / "kernels" / "python3"
    k.mkdir(parents=True)
    (k / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (mfn)", "language": "python"}))
    return str(d)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path, mfn_bin, kernel_for_this_python, monkeypatch):
    nbformat = need("nbformat")
    nbclient = need("nbclient")
    need("ipykernel")
    need("matplotlib")
    monkeypatch.setenv("JUPYTER_PATH", kernel_for_this_python)
    monkeypatch.setenv("MFN_BIN", mfn_bin)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError when a cell raises


BLOCK = re.compile(r"^```(sh|bash|python) runnable\n(.*?)^```", re.S | re.M)
TUTORIALS = sorted((ROOT / "docs" / "tutorials").glob("*.md"))


def runnable_blocks(path):
    return [(m.group(1), m.group(2)) for m in BLOCK.finditer(path.read_text())]


def test_tutorials_have_runnable_blocks():
    names = {p.stem for p in TUTORIALS}
    assert {"01_getting_started", "02_ml_integration", "03_production_deployment", "04_troubleshooting"} <= names
    for p in TUTORIALS:
        assert runnable_blocks(p), f"{p.name} has no runnable block"


@pytest.mark.parametrize("path", TUTORIALS, ids=[p.stem for p in TUTORIALS])
def test_tutorial_blocks_run(path, tmp_path, mfn_bin):
    """Shell blocks run in bash (with `mfn` and `python3` meaning this checkout's binary and
    this interpreter), Python blocks in one namespace per tutorial, in order, in a scratch
    directory. A shell block fails on the first failing command."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "mfn").symlink_to(mfn_bin)
    (bindir / "python3").symlink_to(sys.executable)
    env = dict(os.environ, PATH=f"{bindir}{os.pathsep}{os.environ['PATH']}", MFN_REPO=str(ROOT), MPLBACKEND="Agg")
    ns = {"__name__": "__tutorial__"}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for i, (lang, code) in enumerate(runnable_blocks(path)):
            if lang == "python":
                exec(compile(code, f"{path.name}[block {i}]", "exec"), ns)
                continue
            r = subprocess.run(["bash", "-euo", "pipefail", "-c", code], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=600)
            assert r.returncode == 0, f"{path.name} block {i} failed ({r.returncode}):\n{code}\n--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}"
    finally:
        os.chdir(cwd)
