"""Every way a baseline file can be malformed is one BaselineError naming the file, never a traceback
and never an empty baseline; the upgrade chain and atomic save, through the library and the CLI."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scanner.baseline import format as fmt
from scanner.baseline.format import Baseline, Entry, HashParams, load, parse, render, save
from scanner.errors import BaselineError
from scanner.model import ReviewStatus as Status
from tests.conftest import Invoke

SALT = "ab" * 16
ENTRY = Entry("a" * 64, "github.pat-classic", "app.py", 2, "b" * 64)
Document = dict[str, Any]


def document() -> Document:
    return json.loads(render(Baseline(HashParams(SALT), (ENTRY,))))  # type: ignore[no-any-return]


def always(params: HashParams, entry: Entry) -> bool:
    return True


def set_entry(key: str, value: object) -> Callable[[Document], None]:
    def mutate(doc: Document) -> None:
        doc["entries"][0][key] = value

    return mutate


def set_hash(key: str, value: object) -> Callable[[Document], None]:
    def mutate(doc: Document) -> None:
        doc["hash"][key] = value

    return mutate


def set_top(key: str, value: object) -> Callable[[Document], None]:
    def mutate(doc: Document) -> None:
        doc[key] = value

    return mutate


def drop_top(key: str) -> Callable[[Document], None]:
    def mutate(doc: Document) -> None:
        del doc[key]

    return mutate


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (drop_top("version"), "b.json: no integer `version`; is this a spillguard baseline?"),
        (set_top("version", True), "b.json: no integer `version`; is this a spillguard baseline?"),
        (set_top("hash", "scrypt"), "b.json: `hash` must describe the scrypt parameters and salt"),
        (set_hash("kdf", "bcrypt"), "b.json: `hash` must describe the scrypt parameters and salt"),
        (set_hash("salt", "ab" * 8), "b.json: hash.salt must be at least 16 bytes of lowercase hex"),
        (set_hash("salt", "AB" * 16), "b.json: hash.salt must be at least 16 bytes of lowercase hex"),
        (set_hash("salt", 12), "b.json: hash.salt must be at least 16 bytes of lowercase hex"),
        (set_hash("r", 0), "b.json: hash.r must be an integer from 1 to 16"),
        (set_hash("p", True), "b.json: hash.p must be an integer from 1 to 4"),
        (set_hash("n", 1), "b.json: hash.n must be a power of two"),
        (set_hash("n", 255), "b.json: hash.n must be a power of two"),
        (set_top("entries", {}), "b.json: `entries` must be a list"),
        (set_top("entries", ["x"]), "b.json: entry 1 is not an object"),
        (set_entry("note", "hi"), "b.json: entry 1 has unknown field(s) note"),
        (
            set_entry("fingerprint", "A" * 64),
            "b.json: entry 1: fingerprint and secret_hash must be 64 lowercase hex digits",
        ),
        (
            set_entry("secret_hash", "b" * 63),
            "b.json: entry 1: fingerprint and secret_hash must be 64 lowercase hex digits",
        ),
        (set_entry("rule_id", 7), "b.json: entry 1: rule_id and path must be strings"),
        (set_entry("path", None), "b.json: entry 1: rule_id and path must be strings"),
        (set_entry("line", 0), "b.json: entry 1: line must be a positive integer"),
        (set_entry("line", "2"), "b.json: entry 1: line must be a positive integer"),
        (set_entry("line", True), "b.json: entry 1: line must be a positive integer"),
        (set_entry("reason", 3), "b.json: entry 1: reason must be a string or null"),
        (set_entry("reviewer", ["me"]), "b.json: entry 1: reviewer must be a string or null"),
        (set_entry("expires", "next week"), "b.json: entry 1: expires must be a date like 2027-01-31"),
        (set_entry("expires", 20270131), "b.json: entry 1: expires must be a date like 2027-01-31"),
    ],
)
def test_each_malformed_field_is_one_error_naming_file_and_entry(
    mutate: Callable[[Document], None], message: str
) -> None:
    doc = document()
    mutate(doc)
    with pytest.raises(BaselineError) as caught:
        parse(json.dumps(doc), "b.json", always)
    assert str(caught.value) == message


def test_valid_review_fields_are_kept() -> None:
    doc = document()
    doc["entries"][0].update(status="accepted_risk", reason="test key", reviewer="ana", expires="2027-01-31")
    entry = parse(json.dumps(doc), "b.json", always).entries[0]
    assert (
        entry.status,
        entry.reason,
        entry.reviewer,
        entry.expires.isoformat() if entry.expires else "",
    ) == (
        Status.ACCEPTED_RISK,
        "test key",
        "ana",
        "2027-01-31",
    )


@pytest.mark.parametrize("depth", [101, 1_200, 100_000])
def test_deeply_nested_json_is_an_error_not_a_crash(depth: int) -> None:
    with pytest.raises(BaselineError, match=r"^b\.json: not a baseline: values nested more than 100 levels"):
        parse("[" * depth + "]" * depth, "b.json", always)


def test_nesting_up_to_the_limit_is_parsed() -> None:
    with pytest.raises(BaselineError, match=r"^b\.json: expected a JSON object$"):
        parse("[" * 100 + "]" * 100, "b.json", always)


def test_older_versions_are_upgraded_one_step_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    steps: list[int] = []

    def step(version: int) -> Callable[[Document], Document]:
        def upgrade(doc: Document) -> Document:
            steps.append(version)
            return {**doc, "version": version + 1}

        return upgrade

    monkeypatch.setitem(fmt.UPGRADES, -1, step(-1))
    monkeypatch.setitem(fmt.UPGRADES, 0, step(0))
    doc = document()
    doc["version"] = -1
    assert parse(json.dumps(doc), "b.json", always).entries == (ENTRY,)
    assert steps == [-1, 0]


def test_load_refuses_a_file_over_the_size_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "b.json"
    path.write_text(render(Baseline(HashParams(SALT), (ENTRY,))))
    monkeypatch.setattr(fmt, "MAX_BASELINE_BYTES", 100)
    with pytest.raises(BaselineError, match=r"b\.json: larger than 0 MiB; not a baseline$"):
        load(path, always)


def test_load_refuses_a_fifo_instead_of_blocking(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    os.mkfifo(path)
    with pytest.raises(BaselineError) as caught:
        load(path, always)
    assert str(caught.value).startswith(f"{path}: ") and "regular file" in str(caught.value)


def test_load_names_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_bytes(b'{"version": 1, "tool": "\xff"}')
    with pytest.raises(BaselineError, match=r"b\.json: cannot be read \('utf-8' codec can't decode"):
        load(path, always)


def test_save_into_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "missing" / "b.json"
    with pytest.raises(
        BaselineError, match=r"b\.json: cannot write the baseline \(No such file or directory\)$"
    ):
        save(Baseline(HashParams(SALT), ()), path)
    assert not path.parent.exists()


def test_cli_non_utf8_baseline_is_one_line_exit_2(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.json").write_bytes(b"\xff\xfe{}")
    result = run_cli("scan", "-b", "b.json", "-q", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.output.startswith("spillguard: error: b.json: cannot be read (")
    assert result.output.count("\n") == 1
