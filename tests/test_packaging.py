"""The built wheel carries every file the packages read at run time, not only their Python modules."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("wenyuan/", "flows/", "tasks/", "models/", "corpora/", "catalog/", "app/", "entities/")


def test_the_wheel_holds_every_tracked_file_of_the_packages(tmp_path: Path) -> None:
    pytest.importorskip("setuptools")  # the build runs without isolation: no index to fetch a backend from
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know the tracked files")
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    wanted = [p for p in tracked.splitlines() if p.startswith(PACKAGES) or p in ("pyproject.toml", "README.md")]
    # Build from a copy of the tracked tree, so nothing untracked (or left in build/) can fill a gap.
    tree = tmp_path / "tree"
    for rel in wanted:
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, tree / rel)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), "."],
        cwd=tree,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("wenyuan-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [p for p in wanted if p.startswith(PACKAGES) and p not in names]
    assert not missing, f"not in {wheel.name}: {missing}"
    assert "models/entity_tagger/model.safetensors" in names and "corpora/lexicons/dila/eras.tsv" in names
