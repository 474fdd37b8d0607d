"""The subscriber's deployable source: complete, importable without Pulumi, content-addressed, pinned from the lock."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from contracts.errors import UserInputError
from infra.retraining.package import ENTRY_POINT, REQUIREMENTS, source_archive

ROOT = Path(__file__).resolve().parents[3]
BLOCKED = ("pulumi", "pulumi_gcp", "kfp", "contracts", "pipelines", "policies", "serving")
IMPORT_CHECK = f"""
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {BLOCKED!r}:
            raise ImportError("blocked: " + name)
sys.meta_path.insert(0, Block())
sys.path.insert(0, sys.argv[1])
import main
import infra.retraining.subscriber as subscriber
assert callable(main.{ENTRY_POINT})
print(main.__file__, subscriber.__file__)
"""


def test_the_archive_imports_its_entry_point_with_nothing_of_pulumi_kfp_or_the_rest_of_the_tree(tmp_path: Path) -> None:
    archive = source_archive(ROOT)
    for name, text in archive.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    run = subprocess.run(
        [sys.executable, "-I", "-c", IMPORT_CHECK, str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stderr
    main_file, subscriber_file = run.stdout.split()
    assert main_file.startswith(str(tmp_path))
    assert subscriber_file.startswith(str(tmp_path))


def test_the_archive_holds_the_package_without_its_build_module_and_pins_from_the_lock() -> None:
    files = source_archive(ROOT).files
    assert "infra/retraining/subscriber.py" in files
    assert "infra/retraining/package.py" not in files
    assert files["infra/retraining/submit.py"] == (ROOT / "infra/retraining/submit.py").read_text()
    pins = files["requirements.txt"].splitlines()
    lock = (ROOT / "requirements.lock").read_text().splitlines()
    assert [p.split("==")[0] for p in pins[1:]] == list(REQUIREMENTS)
    assert all(pin in lock for pin in pins[1:])
    assert pins[0].startswith("functions-framework==")


def test_the_digest_names_the_content(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "infra/retraining", tmp_path / "infra/retraining")
    shutil.copy(ROOT / "requirements.lock", tmp_path / "requirements.lock")
    before = source_archive(tmp_path)
    assert source_archive(tmp_path).object_name == before.object_name
    (tmp_path / "infra/retraining/package.py").write_text("# build-side only\n")
    assert source_archive(tmp_path).digest == before.digest
    request = tmp_path / "infra/retraining/request.py"
    request.write_text(request.read_text() + "\n# changed\n")
    changed = source_archive(tmp_path)
    assert changed.digest != before.digest
    assert changed.object_name == f"retraining-subscriber/{changed.digest}.zip"


def test_a_lock_without_a_needed_pin_names_the_file_and_the_package(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "infra/retraining", tmp_path / "infra/retraining")
    lock = [line for line in (ROOT / "requirements.lock").read_text().splitlines() if not line.startswith("PyYAML")]
    (tmp_path / "requirements.lock").write_text("\n".join(lock))
    with pytest.raises(UserInputError, match=r"requirements.lock: no exact pin for PyYAML"):
        source_archive(tmp_path)
