"""What the README says of the settings is true: every setting is in its table under its full name, and every
CONGVAN_* name it shows is a setting (a shorthand once read as a variable that was silently ignored)."""

from __future__ import annotations

import re
from pathlib import Path

from workflow import config

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_name_in_the_readme_is_a_setting_and_every_setting_is_there() -> None:
    settings = {f"CONGVAN_{name.upper()}" for name in config.TYPES}
    secret_files = {f"CONGVAN_{key}_FILE" for key in config.SECRETS}
    shown = set(re.findall(r"CONGVAN_[A-Z0-9_]*[A-Z0-9]", README))
    wildcards = set(re.findall(r"(CONGVAN_[A-Z0-9_]+_)\*", README))
    unknown = {
        name
        for name in shown - settings - secret_files
        if not any(name + "_" == w or name == w.rstrip("_") for w in wildcards)
    }
    assert not unknown, f"names in the README that are no setting: {sorted(unknown)}"
    assert all(any(s.startswith(w) for s in settings) for w in wildcards), wildcards
    assert not settings - shown, f"settings the README leaves out: {sorted(settings - shown)}"
