"""The package never writes into its own folder, and the README's set-up works as written."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import imx
from imx._cache import STALE_DAYS, source_fingerprint

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = Path(imx.__file__).resolve().parent


def _kernel_cache_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.suffix in (".nbi", ".nbc")]


def _run_python(code: str, env_extra: dict[str, str], cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(env_extra)
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_kernel_cache_goes_to_the_user_cache_folder(tmp_path):
    before = set(_kernel_cache_files(PACKAGE))
    code = (
        "import numpy as np, numba, imx\n"
        "from imx.sampling import build_node_index\n"
        "build_node_index(np.array([0, 1, 1], np.int32), np.array([0, 1, 3], np.int64), 2)\n"
        "print(numba.config.CACHE_DIR)\n"
    )
    printed = _run_python(code, {"IMX_CACHE_DIR": str(tmp_path)}, tmp_path)
    assert Path(printed) == tmp_path / "numba" / source_fingerprint()
    assert _kernel_cache_files(tmp_path / "numba"), "the kernel was not cached in IMX_CACHE_DIR"
    assert set(_kernel_cache_files(PACKAGE)) <= before, "imx wrote kernel caches into its own folder"


def test_numba_imported_before_imx_still_uses_the_user_cache(tmp_path):
    printed = _run_python("import numba, imx; print(numba.config.CACHE_DIR)",
                          {"IMX_CACHE_DIR": str(tmp_path)}, tmp_path)
    assert Path(printed) == tmp_path / "numba" / source_fingerprint()


def test_any_source_change_gets_a_fresh_kernel_cache(tmp_path):
    """numba does not notice that a kernel inlined from another file changed, so any
    changed source file must lead to another cache folder."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    (package / "sub" / "b.py").write_text("y = 2\n")
    (package / "notes.txt").write_text("not a source")
    first = source_fingerprint(str(package))
    assert source_fingerprint(str(package)) == first
    (package / "notes.txt").write_text("still not a source")
    assert source_fingerprint(str(package)) == first
    stamp = os.stat(package / "sub" / "b.py")
    (package / "sub" / "b.py").write_text("y = 3\n")
    os.utime(package / "sub" / "b.py", ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 1))
    assert source_fingerprint(str(package)) != first


def test_stale_kernel_folders_are_removed(tmp_path):
    parent = tmp_path / "numba"
    (parent / "old").mkdir(parents=True)
    (parent / "recent").mkdir()
    long_ago = os.stat(parent / "old").st_mtime - (STALE_DAYS + 1) * 86400
    os.utime(parent / "old", (long_ago, long_ago))
    _run_python("import imx", {"IMX_CACHE_DIR": str(tmp_path)}, tmp_path)
    assert sorted(p.name for p in parent.iterdir()) == sorted(["recent", source_fingerprint()])


def test_an_explicit_numba_cache_dir_is_respected(tmp_path):
    printed = _run_python("import imx, numba; print(numba.config.CACHE_DIR)",
                          {"NUMBA_CACHE_DIR": str(tmp_path / "mine"), "IMX_CACHE_DIR": str(tmp_path)},
                          tmp_path)
    assert Path(printed) == tmp_path / "mine"


def test_unwritable_cache_folder_falls_back_outside_the_package(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    printed = _run_python("import imx, numba; print(numba.config.CACHE_DIR)",
                          {"IMX_CACHE_DIR": str(blocked)}, tmp_path)
    assert not Path(printed).is_relative_to(PACKAGE)
    assert not Path(printed).is_relative_to(blocked)


def _readme_setup_commands() -> list[str]:
    text = (REPO_ROOT / "README.md").read_text()
    section = text.split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_readme_has_two_setup_commands_and_ci_runs_the_second():
    commands = _readme_setup_commands()
    assert len(commands) == 2
    assert commands[1] in (REPO_ROOT / ".ci" / "run").read_text()


@pytest.mark.slow
def test_readme_setup_commands_in_order_in_one_fresh_venv(tmp_path):
    """Both README commands, one after the other, in one new virtual environment and clone."""
    clone = tmp_path / "fresh"
    subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST", "NUMBA_CACHE_DIR", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["IMX_CACHE_DIR"] = str(tmp_path / "cache")
    first, second = _readme_setup_commands()
    done = subprocess.run(first, shell=True, cwd=clone, env=env, capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len([line for line in done.stdout.splitlines() if line.strip()]) >= 1
    site = subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import imx, os; print(os.path.dirname(imx.__file__))"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    installed = Path(site.stdout.strip())
    assert not _kernel_cache_files(installed), "kernel caches were written into site-packages"
    # the second command, but only the quick CLI tests: the whole suite is what CI runs anyway
    second = second.replace("pytest", "pytest -q tests/cli/test_im.py -p no:cacheprovider")
    done = subprocess.run(second, shell=True, cwd=clone, env=env, capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    help_run = subprocess.run(["imx", "--help"], cwd=tmp_path, env=env, capture_output=True,
                              text=True)
    assert help_run.returncode == 0, help_run.stderr
