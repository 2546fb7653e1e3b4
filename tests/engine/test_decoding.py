"""Secrets inside encoded values: found, placed on the encoded text, and bounded."""

from __future__ import annotations

import base64
import json
import random
import string

from scanner.engine.encoded import (
    MAX_RUN,
    base64_run,
    decode_base64,
    decode_url,
    encoded_keyword_literals,
    url_run,
)
from scanner.engine.scan import scan_chunk
from scanner.model import Chunk, Policy
from scanner.ruleset.compiled import CompiledRuleset
from tests.tokens import aws_access_key_id, github_token

TOKEN = github_token()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def found(text: str, ruleset: CompiledRuleset) -> list[tuple[str, int, int, str | None]]:
    result = scan_chunk(Chunk("f.yaml", text), ruleset, Policy())
    return [(f.rule_id, f.location.line, f.location.column, f.decoded) for f in result.findings]


def test_kubernetes_secret_data(ruleset: CompiledRuleset) -> None:
    text = f"apiVersion: v1\nkind: Secret\ndata:\n  token: {b64(TOKEN)}\n  user: {b64('deploy-bot')}\n"
    assert found(text, ruleset) == [("github.pat-classic", 4, 10, "base64")]


def test_docker_auths_and_npmrc_auth(ruleset: CompiledRuleset) -> None:
    docker = json.dumps({"auths": {"ghcr.io": {"auth": b64(f"octocat:{TOKEN}")}}})
    assert [f[0] for f in found(docker, ruleset)] == ["github.pat-classic"]
    key = aws_access_key_id()
    npmrc = f"_auth={b64('ci:' + key + ':extra')}\n"
    assert [(f[0], f[3]) for f in found(npmrc, ruleset)] == [("aws.access-key-id", "base64")]


def test_every_alignment_and_url_safe(ruleset: CompiledRuleset) -> None:
    for prefix in ("", ":", "a:", "key="):
        encoded = base64.urlsafe_b64encode(f"{prefix}{TOKEN}".encode()).decode().rstrip("=")
        assert [f[0] for f in found(f"v: {encoded}\n", ruleset)] == ["github.pat-classic"], prefix


def test_kubernetes_dockerconfigjson_nested_base64(ruleset: CompiledRuleset) -> None:
    config = json.dumps({"auths": {"ghcr.io": {"auth": b64(f"bot:{TOKEN}")}}})
    text = f"kind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {b64(config)}\n"
    assert found(text, ruleset) == [("github.pat-classic", 4, 22, "base64+base64")]
    deeper = json.dumps({"auths": {"r": {"auth": b64(b64(f"bot:{TOKEN}"))}}})
    # a third level is beyond the bound: the token is not found; the second level's `auth` value is
    # (the generic auth rule reads a registry auth entry as written, whatever it holds)
    assert found(f"x: {b64(deeper)}\n", ruleset) == [("generic.auth-assignment", 1, 4, "base64")]


def test_json_escaped_private_key(ruleset: CompiledRuleset) -> None:
    from scanner.ruleset.loader import load_rules

    pem = next(r for r in load_rules() if r.id == "private-key.rsa").examples.positive[0]
    pem = pem[pem.index("-----BEGIN") : pem.index("-----END RSA PRIVATE KEY-----") + 29]
    document = json.dumps({"name": "svc", "key": pem})
    assert "\\n" in document
    assert [f[0] for f in found(document, ruleset)] == ["private-key.rsa"]


def test_not_base64_or_not_text(ruleset: CompiledRuleset) -> None:
    assert decode_base64("Z2hwX" + "!" * 20) is None
    assert decode_base64(base64.b64encode(bytes(range(256))).decode()) is None  # binary
    noise = "".join(random.Random(3).choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(5000))
    assert found(f"blob: Z2hwX{noise}\n", ruleset) == []


def test_long_runs_are_bounded(ruleset: CompiledRuleset) -> None:
    """A base64 blob of 1.5 MB holding the token many times: each decoded value is at most MAX_RUN
    characters, so no decode ever handles the whole blob."""
    blob = b64(f"data {TOKEN} " * 30_000)
    start, end = base64_run(blob, len(blob) // 2)
    assert end - start <= MAX_RUN + 2
    result = scan_chunk(Chunk("big.txt", f"x: {blob}\n"), ruleset, Policy())
    assert all(f.rule_id == "github.pat-classic" for f in result.findings)


def test_encoded_literals_cover_keyword_cases() -> None:
    literals = encoded_keyword_literals("akia")
    assert any(lit in base64.b64encode(b"xAKIA1234").decode().lower() for lit in literals)
    assert all(len(lit) >= 4 for lit in literals)


def test_mixed_case_prefixes_are_found_encoded(ruleset: CompiledRuleset) -> None:
    """`AIza` is neither lower nor upper case: its base64 comes from the rule's own spelling."""
    rng = random.Random(7)
    key = "AIza" + "".join(rng.choice(string.ascii_letters + string.digits + "_-") for _ in range(35))
    assert [f[0] for f in found(f"GOOGLE_API_KEY={key}\n", ruleset)] == ["google.api-key"]
    for prefix in ("", "=", "k="):  # every alignment of the prefix inside the encoded value
        text = f"kind: Secret\ndata:\n  key: {b64(prefix + key)}\n"
        assert found(text, ruleset) == [("google.api-key", 3, 8, "base64")]
    assert encoded_keyword_literals("aiza", {"AIza"}) > encoded_keyword_literals("aiza")


def test_docker_config_auths_decode_every_auth_value(ruleset: CompiledRuleset) -> None:
    """A token whose prefix is too short to leave a base64 trace (`r8_` behind `ci-bot:`) is still
    found in a Docker config: `auths` as written has every base64 run after it decoded."""
    rng = random.Random(3)
    token = "r8_" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(37))
    auth = b64(f"ci-bot:{token}")
    config = json.dumps({"auths": {"registry.acme.io": {"auth": auth}}}, indent=2)
    assert [f[0] for f in found(config, ruleset)] == ["replicate.api-token"]
    without = config.replace('"auths"', '"mirrors"')  # no container word: nothing points at the value
    assert found(without, ruleset) == [("generic.auth-assignment", 4, 16, None)]  # as written, not decoded


def test_url_encoded_values(ruleset: CompiledRuleset) -> None:
    """`%22ghp_…%22` hides the token's boundaries, `%0A` a key block's lines: the value is decoded."""
    from urllib.parse import quote

    form = "payload=" + quote(json.dumps({"token": TOKEN}), safe="") + "&next=%2Fhome\n"
    assert found(form, ruleset) == [("github.pat-classic", 1, 1, "url")]
    plain = f"https://api.acme.io/v1?access_token={TOKEN}&page=2\n"  # nothing encoded: found as is
    assert [(f[0], f[3]) for f in found(plain, ruleset)] == [("github.pat-classic", None)]
    ruleset_key = next(r for r in ruleset.rules if r.id == "private-key.rsa")
    pem = ruleset_key.examples.positive[0]
    start, end = pem.index("-----BEGIN"), pem.index("KEY-----", pem.index("-----END")) + 8
    encoded = "key=" + quote(pem[start:end], safe="") + "\n"
    assert [(f[0], f[3]) for f in found(encoded, ruleset)] == [("private-key.rsa", "url")]
    assert found("fmt = '%s token %d' % (a, b)\n", ruleset) == []  # %s is no escape


def test_decode_url_refuses_what_is_not_url_encoded_text() -> None:
    assert decode_url("token=abc") is None  # no %XX escape
    assert decode_url("token=%FF%FE") is None  # not UTF-8
    assert decode_url("%00%01%02%03") is None  # not printable
    assert decode_url("a%2Bb+c") == "a+b+c"  # `+` stays a character
    text = "x='" + "a%20" * 6000 + "'"
    start, end = url_run(text, 10)
    assert start == 3 and end - start == MAX_RUN  # bounded however long the value


def test_inline_allow_on_the_encoded_line(ruleset: CompiledRuleset) -> None:
    assert found(f"token: {b64(TOKEN)}  # spillguard:allow\n", ruleset) == []


def test_decoded_findings_through_the_cli(tmp_path, run_cli) -> None:
    (tmp_path / "secret.yaml").write_text(f"kind: Secret\ndata:\n  token: {b64(TOKEN)}\n")
    result = run_cli("scan", "-f", "json", "-q", str(tmp_path))
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["line"], finding["column"], finding["decoded"]) == (3, 10, "base64")
    text = run_cli("scan", "--no-color", str(tmp_path)).output
    assert ":3:10 (base64-decoded)" in text and TOKEN not in text
