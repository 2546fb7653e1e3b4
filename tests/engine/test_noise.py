from __future__ import annotations

import base64
import hashlib
import random
import string
import uuid
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.engine.noise import is_noise, minified, noise_kind, quiet_file, quiet_path, trusted_anywhere
from scanner.engine.scan import scan_chunk
from scanner.model import Chunk, Policy
from scanner.ruleset.compiled import CompiledRuleset
from tests.tokens import aws_access_key_id, github_token

TOKEN = github_token()
AWS = aws_access_key_id()
KEY = "Qm9vT3k4Zk1wV2RhTnpYcUxm"  # 24 random-looking base62 characters, no known shape
DIGEST = hashlib.sha256(b"spillguard").hexdigest()
SRI = "sha512-" + base64.b64encode(hashlib.sha512(b"spillguard").digest()).decode()
GO_SUM = "h1:" + base64.b64encode(hashlib.sha256(b"spillguard").digest()).decode()
UUID = "3f2b8c1e-9a4d-4e6f-b1c2-7d8e9f0a1b2c"


def rule_ids(text: str, ruleset: CompiledRuleset, path: str = "app.py") -> list[str]:
    result = scan_chunk(Chunk(path=path, text=text), ruleset, Policy())
    return [f.rule_id for f in result.findings]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (UUID, "uuid"),
        (UUID.upper(), "uuid"),
        ("{" + UUID + "}", "uuid"),
        (SRI, "integrity"),
        ("sha384-" + base64.b64encode(hashlib.sha384(b"x").digest()).decode(), "integrity"),
        ("sha256:" + DIGEST, "integrity"),
        (GO_SUM, "integrity"),
    ],
)
def test_noise_kinds(value: str, kind: str) -> None:
    assert noise_kind(value) == kind


@pytest.mark.parametrize(
    "value",
    [KEY, DIGEST[:33], DIGEST[:31] + "G", "aB" + DIGEST[:38], UUID[:-1], "{" + UUID, "sha512-short", TOKEN],
)
def test_not_noise(value: str) -> None:
    assert noise_kind(value) is None


@pytest.mark.parametrize("length", [32, 40, 64])
def test_hex_values_under_credential_names_are_kept(ruleset: CompiledRuleset, length: int) -> None:
    """`openssl rand -hex N` secrets have the shape of digests; under a credential name they are
    reported."""
    value = hashlib.sha512(b"webhook").hexdigest()[:length]
    assert rule_ids(f'WEBHOOK_SECRET = "{value}"\n', ruleset) == ["generic.secret-assignment"]
    assert rule_ids(f'api_key = "{value.upper()}"\n', ruleset) == ["generic.api-key-assignment"]


@pytest.mark.parametrize("value", [SRI, GO_SUM, "sha256:" + DIGEST])
def test_generic_rule_drops_noise_values(ruleset: CompiledRuleset, value: str) -> None:
    assert rule_ids(f'api_key = "{KEY}"\n', ruleset) == ["generic.api-key-assignment"]
    assert rule_ids(f'api_key = "{value}"\n', ruleset) == []


@pytest.mark.parametrize("value", [UUID, "{" + UUID.upper() + "}"])
def test_uuid_is_weighed_by_the_name_it_is_assigned_to(ruleset: CompiledRuleset, value: str) -> None:
    """Many services issue UUID-shaped API keys: under a credential name a context-scored rule weighs
    a UUID like any value (is_noise leaves it to the rule); under an id's name nothing reads it."""
    rules = {rule.id: rule for rule in ruleset.rules}
    assert not is_noise(rules["generic.api-key-assignment"], value)
    assert rule_ids(f'api_key = "{value}"\n', ruleset) == ["generic.api-key-assignment"]
    assert rule_ids(f'request_id = "{value}"\n', ruleset) == []


def test_medium_rule_drops_uuid_and_integrity_but_keeps_hex(ruleset: CompiledRuleset) -> None:
    hex32 = hashlib.md5(b"dd").hexdigest()
    assert rule_ids(f"DD_API_KEY={hex32}\n", ruleset) == ["datadog.api-key"]
    rules = {rule.id: rule for rule in ruleset.rules}
    assert is_noise(rules["datadog.api-key"], UUID)
    assert is_noise(rules["datadog.api-key"], SRI)
    assert not is_noise(rules["datadog.api-key"], hex32)


def test_rule_whose_format_is_a_uuid_keeps_it(ruleset: CompiledRuleset) -> None:
    assert rule_ids(f"//registry.npmjs.org/:_authToken={UUID}\n", ruleset, ".npmrc") == [
        "npm.legacy-auth-token"
    ]


def test_high_confidence_rules_are_never_noise(ruleset: CompiledRuleset) -> None:
    high = [rule for rule in ruleset.rules if rule.confidence.value == "high"]
    assert high
    assert not any(is_noise(rule, value) for rule in high for value in (UUID, DIGEST, SRI))


@pytest.mark.parametrize(
    "path",
    [
        "package-lock.json",
        "web/npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "Pipfile.lock",
        "Cargo.lock",
        "go.sum",
        "composer.lock",
        "Gemfile.lock",
        "dist/app-1.0.tar.gz.sha256",
        "release/SHA256SUMS",
        "checksums.txt",
        "static/jquery.min.js",
        "static/site.min.css",
        "build/main-bundle.js",
        "node_modules/lodash/dist/lodash.js",
        "vendor/chart/dist/chart.umd.js",
    ],
)
def test_quiet_paths(path: str) -> None:
    assert quiet_path(path)


@pytest.mark.parametrize(
    "path",
    ["", "app.py", "package.json", "config/settings.yml", "vendor/lib/client.go", "dist/app.js", "lock.py"],
)
def test_ordinary_paths_are_not_quiet(path: str) -> None:
    assert not quiet_path(path)


def test_minified_by_mean_line_length() -> None:
    assert minified("x" * 6000)
    assert not minified("x" * 3000)  # a short one-line file: too small to call minified
    assert not minified("y = 1\n" * 2000)
    assert quiet_file("app.js", "var a=1;" * 1000)


LOCKFILE_NOISE = f'  "integrity": "{SRI}",\n  "resolved": "https://registry.npmjs.org/a/-/a-1.0.0.tgz",\n'


@pytest.mark.parametrize("path", ["package-lock.json", "go.sum", "static/app.min.js"])
def test_quiet_files_keep_only_trusted_rules(ruleset: CompiledRuleset, path: str) -> None:
    generic = f'"api_key": "{KEY}",\n'
    hex32 = hashlib.md5(b"dd").hexdigest()
    medium = f"DD_API_KEY={hex32}\n"
    text = LOCKFILE_NOISE + generic + medium + f'"token": "{TOKEN}",\n' + f"key = {AWS}\n"
    assert rule_ids(text, ruleset, "notes.txt") == [
        "generic.api-key-assignment",
        "datadog.api-key",
        "github.pat-classic",
        "aws.access-key-id",
    ]
    assert rule_ids(text, ruleset, path) == ["github.pat-classic", "aws.access-key-id"]


def test_minified_text_keeps_only_trusted_rules(ruleset: CompiledRuleset) -> None:
    line = "var a=1;" * 400
    text = f'{line}var api_key="{KEY}";var t="{TOKEN}";{line}\n'
    assert rule_ids(text, ruleset, "app.js") == ["github.pat-classic"]


def test_checksum_makes_a_medium_rule_trusted(ruleset: CompiledRuleset) -> None:
    medium = next(rule for rule in ruleset.rules if rule.id == "datadog.api-key")
    assert not trusted_anywhere(medium)
    assert trusted_anywhere(replace(medium, checksum="github"))
    assert not is_noise(replace(medium, checksum="github"), UUID)


HEX = "0123456789abcdef"
B64 = string.ascii_letters + string.digits + "+/"


@st.composite
def noise_values(draw: st.DrawFn, kinds: tuple[str, ...] = ("uuid", "sri", "gosum", "prefixed")) -> str:
    kind = draw(st.sampled_from(kinds))
    rng = random.Random(draw(st.integers(0, 2**32)))
    if kind == "uuid":
        value = str(uuid.UUID(int=rng.getrandbits(128), version=rng.choice([1, 3, 4, 5])))
        value = value.upper() if rng.random() < 0.5 else value
        return "{" + value + "}" if rng.random() < 0.3 else value
    if kind == "sri":
        algorithm, size = rng.choice([("sha256", 32), ("sha384", 48), ("sha512", 64)])
        return f"{algorithm}-" + base64.b64encode(rng.randbytes(size)).decode()
    if kind == "gosum":
        return "h1:" + base64.b64encode(rng.randbytes(32)).decode()
    return "sha256:" + "".join(rng.choice(HEX) for _ in range(64))


@settings(max_examples=300, deadline=None)
@given(value=noise_values(kinds=("sri", "gosum", "prefixed")), quote=st.sampled_from(['"', "'"]))
def test_noise_assigned_to_api_key_is_never_a_finding(
    ruleset: CompiledRuleset, value: str, quote: str
) -> None:
    assert rule_ids(f"api_key = {quote}{value}{quote}\n", ruleset) == []


def test_registry_credentials_in_a_lockfile_url_are_reported(ruleset: CompiledRuleset) -> None:
    """A private registry's password in a `resolved` URL is a real leak, lockfile or not."""
    password = "Zk8qWn3vRt6yPb2m"
    text = (
        'left-pad@^1.3.0:\n  version "1.3.0"\n'
        f'  resolved "https://ci-bot:{password}@npm.acme.example/left-pad/-/left-pad-1.3.0.tgz"\n'
        f"  integrity {SRI}\n"
    )
    assert rule_ids(text, ruleset, "yarn.lock") == ["url-credentials.basic-auth"]
