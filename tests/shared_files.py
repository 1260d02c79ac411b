"""Third-party test files (Moodle's question files, Open Badges examples, calendar files).

They live in a shared folder beside the repository, not in it (their licences differ from ours):
`LMS_SHARED_DIR`, or `../shared` next to the checkout. A test that needs one is skipped when the
folder is absent, and fails instead when `LMS_REQUIRE_FIXTURES=1` (as in CI).
"""

import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("LMS_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")


def shared_fixture(*parts: str) -> Path:
    """The path of a fixture file under `fixtures/`, skipping (or failing in CI) when missing."""
    path = SHARED.joinpath("fixtures", *parts)
    if not path.is_file():
        reason = f"fixture {path} is missing (set LMS_SHARED_DIR to the shared folder)"
        if os.environ.get("LMS_REQUIRE_FIXTURES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def fixture_text(*parts: str) -> str:
    """The text of a fixture file (UTF-8)."""
    return shared_fixture(*parts).read_text(encoding="utf-8")
