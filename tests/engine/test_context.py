"""Context scoring through the engine: what a context-scored rule reports, at which confidence and
severity, with which reasons; the model's arithmetic; the hooks in engine.scan."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from scanner.engine import context_model
from scanner.engine.context import describe, judge, score
from scanner.engine.context_form import Candidate, candidate_of
from scanner.engine.context_reasons import DESCRIPTIONS
from scanner.engine.scan import find_matches, scan_chunk
from scanner.model import Chunk, Confidence, ContextSpec, Finding, Location, Policy, Severity
from scanner.modes.history_cache import ruleset_key
from scanner.ruleset.compiled import CompiledRuleset
from tests.conftest import Invoke
from tests.rule_data import model_rule

PASSWORD = ContextSpec(kinds=("password",), report=0.5, full=0.7)
# a line of a base85 archive embedded in a script (as get-pip.py ships one), holding `pw=` by chance
BASE85_LINE = "S9w^pw=0hL_Cimd^Vy%k&^g|Uel42HPBVr#TA>t0lM*Cc&(C01W?H5m0l6<FhyRzp~Q<<&>cCaj^NYr"
# Lines of a base85 archive (RFC 1924's alphabet) where a password-like name follows a symbol that may
# precede a name in code: (pw=, `pPW=, @aPW=, <x_pw=
BASE85_GLUED = (
    "rA^8hB`~`kZ4)fs)+2i^*&aV~AIlkW7etiSNj#lgG(pw=U*hM{+Mw>}xtV`ld?}gzujP{^Jl0gN",
    "P5RdqC!nsg{^=txit-^Jp5&3mu?y_ARy+J2Z<9iP%gF-tP`pPW=q~h*-7NwF%A_Ojq2l;cLw-fhL8eE",
    "*1e-Z8|lc)%*i$O%^zVRYT;8jt{OA|O*6U;Bx=A+fw8*sKCy&j@Wh1aPW=Nhr5l7ENi?sA^->FIxl0",
    "omb0Z2*1dG%l7%*9HG@G1^MgbbwB-1POyhPrGYL$>(()f$_hjg=>e<x_pw=l@+q4=}<#RpJ)SikrQ6!",
)


def findings(text: str, ruleset: CompiledRuleset, path: str = "app/settings.py") -> list[Finding]:
    return list(scan_chunk(Chunk(path, text), ruleset, Policy()).findings)


def candidate(text: str, name: str, value: str, path: str = "config/app.yml") -> Candidate:
    start = text.index(name)
    value_start = text.index(value, start + len(name))
    return Candidate(text, path, name, start, start + len(name), value, value_start, value_start + len(value))


@pytest.mark.parametrize(
    ("path", "text", "rule"),
    [
        ("app/settings.py", 'DB_PASSWORD = "Kq8zLm2Xw7"\n', "generic.password-assignment"),
        ("application.properties", "spring.datasource.password=Hx7Lq2Wm9z\n", "generic.password-assignment"),
        (
            "db.py",
            'c = connect(host="db", user="app", password="oAkQLKckmwFz9")\n',
            "generic.password-assignment",
        ),
        ("app.yml", 'client_secret: "sGeylOtpsUz8MJQPJKLAQF9xKt7"\n', "generic.secret-assignment"),
        (
            "a.py",
            'headers = {"X-Auth-Token": "9f86d081884c7d659a2feaa0c55ad015"}\n',
            "generic.token-assignment",
        ),
        ("a.py", 'api_key = "yI8kvUkhKEM0l3OcNAg0qmQkOV7i6Gat"\n', "generic.api-key-assignment"),
        ("a.py", 'SIGNING_KEY = "Hk2v9QxW7pLmN4tRz8YcB1dF"\n', "generic.key-assignment"),
        ("init.sql", "CREATE USER app WITH PASSWORD 'Xq7-mZp2Lw9v';\n", "generic.sql-password"),
        ("backup.sh", "mysqldump -u backup -pXq7mZp2Lw9 shop > shop.sql\n", "generic.command-line-password"),
        ("a.py", 'KEY = "4664f9a94501d19620fb822ec0f5777e"\n', "generic.plain-key-assignment"),
        ("c.json", '{"key": "564054wz-675145246mh3w6016362qkhk"}\n', "generic.plain-key-assignment"),
        ("a.py", 'conn = "DefaultEndpointsProtocol=https;AccountKey=Vgs4slS82kICttQnzVfKBVypCjxX;"\n', None),
    ],
)
def test_literal_under_a_credential_name_is_reported_with_a_confidence(
    path: str, text: str, rule: str, ruleset: CompiledRuleset
) -> None:
    [found] = findings(text, ruleset, path)
    assert found.rule_id == (rule or found.rule_id) and found.rule_id.startswith(("generic.", "azure."))
    assert found.confidence is not None and 0.5 <= found.confidence <= 1.0
    assert found.reasons and all(r[:2] in ("+ ", "- ") for r in found.reasons)


@pytest.mark.parametrize(
    "text",
    [
        'password = os.environ["DB_PASSWORD"]\n',  # a lookup
        "password = self.password\n",  # a variable
        'password = "%s"\n',  # a format hole
        'password: "{{ vault_db_password }}"\n',  # a template
        'password_hash = "9f86d081884c7d659a2feaa0c55ad015"\n',  # a hash of one
        'password = "password"\n',  # a well-known default
        'public_key = "MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE="\n',  # public by design
        'label = _("Enter your password:")\n',  # no name at all
        'token = "https://hooks.internal/services/notify"\n',  # a URL
        'key = "ProgressBarOffset1Converter"\n',  # a plain key name with a name for a value
        'primary_key = "a3f9c2e7b1d84f6e9c0b5a7d2e8f1c4a"\n',  # a table's key
        'private_key = "~/.ssh/id_ed25519"\n',  # where the key is kept
        'args = ["--no-password", "--insecure"]\nrun("pg_dump --no-password --insecure")\n',  # options
        '"password" => "wachtwoord",\n',  # a translation
        'users = [{"user": "auth", "password": "auth"}]\n',  # the user name again
    ],
)
def test_what_is_not_a_credential_is_not_reported(text: str, ruleset: CompiledRuleset) -> None:
    assert findings(text, ruleset) == []


def test_reasons_never_hold_the_value(ruleset: CompiledRuleset) -> None:
    value = "Kq8zLm2Xw7Tr"
    [found] = findings(f'DB_PASSWORD = "{value}"\n', ruleset)
    assert not any(value in reason or value.lower() in reason.lower() for reason in found.reasons)


def test_a_translation_file_weighs_against(ruleset: CompiledRuleset) -> None:
    text = 'password: "Kq8zLm2Xw"\n'
    here = findings(text, ruleset, "config/app.yml")[0].confidence
    [*there] = findings(text, ruleset, "config/locales/de.yml")
    assert here is not None and (not there or (there[0].confidence or 0) < here)


def test_judge_leaves_other_kinds_to_their_rule() -> None:
    text = 'SECRET_TOKEN = "Kq8zLm2Xw7"\n'
    assert judge(PASSWORD, candidate(text, "SECRET_TOKEN", "Kq8zLm2Xw7")) is None  # a token
    assert judge(PASSWORD, candidate("monkey = 'Kq8z'", "monkey", "Kq8z")) is None  # no credential word


def test_judge_veto_gives_zero_and_a_reason() -> None:
    text = 'password = "%s"\n'
    verdict = judge(PASSWORD, candidate(text, "password", "%s"))
    assert verdict is not None
    assert verdict.confidence == 0.0 and verdict.reasons == ("- a format or template placeholder",)
    assert verdict.features == ()


def test_judge_implied_name() -> None:
    spec = dataclasses.replace(PASSWORD, name="password")
    text = "IDENTIFIED BY 'Xq7mZp2Lw9'"
    value_start = text.index("X")
    verdict = judge(spec, Candidate(text, "x.sql", "", 0, 0, "Xq7mZp2Lw9", value_start, value_start + 10))
    assert verdict is not None and "form:implied" in verdict.features and "name:password" in verdict.features


def test_salt_beside_hash_parameters_is_public() -> None:
    spec = ContextSpec(kinds=("salt",), report=0.5, full=0.7)
    text = '{"kdf": "scrypt", "n": 256, "salt": "cfea07bf311a7e896e091d534f892ced"}'
    verdict = judge(spec, candidate(text, "salt", "cfea07bf311a7e896e091d534f892ced", "b.json"))
    assert verdict is not None and verdict.confidence == 0.0 and "public by design" in verdict.reasons[0]


@pytest.mark.parametrize(
    ("text", "name", "value", "reason"),
    [
        ("--- PASS: TestLogin (0.01s)", "PASS", "TestLogin", "a test runner's output"),
        (":param str password: the account's password", "password", "the", "a parameter's documentation"),
        (
            "git clone https://ci-token:Kq8zLm2X@git.example.invalid/r",
            "ci-token",
            "Kq8zLm2X@git",
            "credentials in a",
        ),
        (BASE85_LINE, "pw", "0hL_Cimd", "inside a line of encoded data"),
        (BASE85_GLUED[0], "pw", "U*hM{+Mw", "inside a line of encoded data"),
        (BASE85_GLUED[1], "pPW", "q~h*-7NwF", "inside a line of encoded data"),
        (BASE85_GLUED[2], "Wh1aPW", "Nhr5l7EN", "inside a line of encoded data"),
        (BASE85_GLUED[3], "x_pw", "l@+q4", "inside a line of encoded data"),
    ],
)
def test_line_vetoes(text: str, name: str, value: str, reason: str) -> None:
    verdict = judge(ContextSpec(("password", "token"), 0.5, 0.6), candidate(text, name, value, "ci.log"))
    assert verdict is not None and verdict.confidence == 0.0 and verdict.reasons[0].startswith(f"- {reason}")


@pytest.mark.parametrize(
    "text",
    [
        'var c={password:"Kq8zLm2Xw7Lq",b:function(){return!0},c:[1,2],d:e.f&&g||h?i:j;k=l%m}',
        "https://h.invalid/login?user=app&password=Kq8zLm2Xw7Lq&next=%2Fhome%3Fa%3D1&x=[1]~y!*",
        'S9w^pw = "Kq8zLm2Xw7Lq"  # a comment ^ | ~ ! % & ( ) * + ; < > ? @ ` { } $ #',
        # a symbol outside the base85 alphabet (here a quote) and the name after one that may precede it
        'x=f(a)&&b||c?d:e;g<h>i;j^k|l~m!n%o*p+q-r(pw="Kq8zLm2Xw7Lq")@s{t}u$v#w`x_y=z',
    ],
)
def test_minified_code_urls_and_spaced_lines_are_not_encoded_data(text: str) -> None:
    """Long lines without spaces that are code or URLs name their credentials after a separator; a
    line with whitespace is never taken for encoded data."""
    name = "password" if "password" in text else "pw"
    verdict = judge(PASSWORD, candidate(text, name, "Kq8zLm2Xw7Lq"))
    assert verdict is None or not verdict.reasons or "encoded data" not in verdict.reasons[0]


def test_value_repeating_a_word_of_its_name() -> None:
    spec = ContextSpec(("key",), 0.3, 0.6)
    text = 'APPLICATION_KEY = "myApplication"'
    verdict = judge(spec, candidate(text, "APPLICATION_KEY", "myApplication", "a.py"))
    assert verdict is not None and "val:repeats-qualifier" in verdict.features


def test_quoted_name_template_default_and_url_features() -> None:
    quoted = judge(PASSWORD, candidate('"password": "Kq8zLm2Xw"', "password", "Kq8zLm2Xw"))
    default = judge(PASSWORD, candidate("url: ${DB_PASSWORD:Kq8zLm2Xw}", "DB_PASSWORD", "Kq8zLm2Xw"))
    in_url = judge(PASSWORD, candidate("see https://h/login?password=Kq8zLm2Xw", "password", "Kq8zLm2Xw"))
    concatenated = judge(PASSWORD, candidate('password = "Kq8z" + suffix', "password", "Kq8z"))
    assert quoted is not None and "name:quoted" in quoted.features
    assert default is not None and "form:template-default" in default.features
    assert in_url is not None and "line:in-url" in in_url.features
    assert concatenated is not None and "val:concatenated" in concatenated.features


def test_what_the_context_reads_stops_at_the_line() -> None:
    """A history audit judges a line scanned alone (engine.lines): the line after a literal is never
    read, so a `+` starting it does not make the value a concatenation."""
    alone = judge(PASSWORD, candidate('password = "Kq8zLm2Xw"\n', "password", "Kq8zLm2Xw"))
    followed = judge(PASSWORD, candidate('password = "Kq8zLm2Xw"\n+ suffix\n', "password", "Kq8zLm2Xw"))
    assert alone is not None and followed is not None
    assert "val:concatenated" not in followed.features
    assert followed == alone


def test_score_is_the_logistic_of_the_weights() -> None:
    confidence, reasons = score(
        ["name:password", "val:well-known", "unknown"],
        {"name:password": 2.0, "val:well-known": -1.0, "shape:lower": 0.0},
        0.5,
    )
    assert confidence == round(1 / (1 + math.exp(-1.5)), 3)
    assert reasons == ("+ a password name", "- a well-known default or test value")
    assert score([], {}, 100.0) == (1.0, ())  # clamped, no overflow


def test_describe() -> None:
    assert describe("password+digest") == "password name, hex of a digest's length"
    assert describe("len:40+") == "40 characters or more"
    assert describe("val:well-known") == DESCRIPTIONS["val:well-known"]


def test_every_weighted_feature_is_described() -> None:
    for feature in context_model.WEIGHTS:
        assert describe(feature) != feature, feature


def test_candidate_of_follows_the_name_back(ruleset: CompiledRuleset) -> None:
    rule = ruleset.rule_by_id["generic.secret-assignment"]
    position = ruleset.rules.index(rule)
    text = 'cfg.client_secret = "sGeylOtpsUz8MJQPJ"\n'
    found = next(ruleset.pattern(position).finditer(text))
    made = candidate_of(found, text, "a.py")
    assert (made.name, made.value) == ("cfg.client_secret", "sGeylOtpsUz8MJQPJ")


def test_candidate_of_strips_a_flag_and_a_sigil(ruleset: CompiledRuleset) -> None:
    position = ruleset.rules.index(ruleset.rule_by_id["generic.password-assignment"])
    for text, name in (
        ("run --db-password Kq8zLm2Xw\n", "db-password"),
        ("$password = 'Kq8z';\n", "password"),
    ):
        found = next(ruleset.pattern(position).finditer(text))
        assert candidate_of(found, text, "a.sh").name == name


def test_candidate_of_without_a_name_group() -> None:
    import regex

    found = regex.search(r"BY '(?P<secret>\w+)'", "IDENTIFIED BY 'Xq7'")
    assert found is not None
    made = candidate_of(found, "IDENTIFIED BY 'Xq7'", "a.sql")
    assert (made.name, made.name_start, made.value) == ("", found.start(), "Xq7")


def test_below_full_confidence_is_reported_at_low_severity(ruleset: CompiledRuleset) -> None:
    base = ruleset.rule_by_id["generic.password-assignment"]
    assert base.context is not None
    unsure = dataclasses.replace(base, context=dataclasses.replace(base.context, report=0.0, full=1.0))
    only = CompiledRuleset((unsure,))
    [found] = scan_chunk(Chunk("app.py", 'DB_PASSWORD = "Kq8zLm2Xw7"\n'), only, Policy()).findings
    assert found.severity is Severity.LOW and found.confidence_for(unsure) is Confidence.LOW
    # a client-bundle exposure still raises it one level
    [exposed] = scan_chunk(Chunk("web/.env", "VITE_DB_PASSWORD=Kq8zLm2Xw7\n"), only, Policy()).findings
    assert exposed.severity is Severity.MEDIUM and exposed.exposure == "client-bundle"


def test_confidence_levels(ruleset: CompiledRuleset) -> None:
    rule = ruleset.rule_by_id["generic.password-assignment"]
    location = Location("a", 1, 1, 1, 2)
    finding = Finding(rule.id, location, "h", "f", "p", 1.0, confidence=0.95)
    assert finding.confidence_for(rule) is Confidence.HIGH
    assert dataclasses.replace(finding, confidence=0.75).confidence_for(rule) is Confidence.MEDIUM
    assert dataclasses.replace(finding, confidence=0.55).confidence_for(rule) is Confidence.LOW
    assert dataclasses.replace(finding, confidence=None).confidence_for(rule) is rule.confidence
    plain = model_rule()
    assert finding.confidence_for(plain) is plain.confidence


def test_a_non_credential_first_match_does_not_hide_the_next(ruleset: CompiledRuleset) -> None:
    """`key="EncryptionKey"` reads as key = "EncryptionKey" too: matches overlap, both are judged."""
    [found] = findings('<add key="EncryptionKey" value="q8Zx2LmW9pKt4RvN" />\n', ruleset, "web.config")
    assert found.rule_id == "generic.key-assignment"


def test_the_rule_whose_syntax_names_the_value_wins_it(ruleset: CompiledRuleset) -> None:
    text = "openssl pkcs12 -export -in c.pem -out b.p12 -passout pass:Wq8zLm2xKp\n"
    matches, _ = find_matches(text, ruleset, Policy(), "build.sh")
    assert {m.rule_id for m in matches} >= {"generic.password-assignment", "generic.command-line-password"}
    [found] = findings(text, ruleset, "build.sh")
    assert found.rule_id == "generic.command-line-password"


def test_history_cache_key_follows_the_model(
    ruleset: CompiledRuleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = ruleset_key(ruleset.rules, Policy())
    monkeypatch.setitem(context_model.WEIGHTS, "name:password", 0.0)
    assert ruleset_key(ruleset.rules, Policy()) != before


def test_reports_carry_the_confidence(tmp_path: Path, run_cli: Invoke) -> None:
    (tmp_path / "settings.py").write_text('DB_PASSWORD = "Kq8zLm2Xw7"\n')
    data = json.loads(run_cli("scan", "-f", "json", "-q", cwd=tmp_path).stdout)
    [item] = data["findings"]
    assert item["confidence"] in ("medium", "high") and 0.7 <= item["confidence_score"] <= 1
    assert item["confidence_reasons"] and "rule_severity" not in item
    sarif = json.loads(run_cli("scan", "-f", "sarif", "-q", cwd=tmp_path).stdout)
    [result] = sarif["runs"][0]["results"]
    assert result["rank"] == round(item["confidence_score"] * 100, 1)
    assert result["properties"]["confidenceReasons"] == item["confidence_reasons"]
    text = run_cli("scan", "-q", cwd=tmp_path).stdout
    assert f"confidence {item['confidence_score']:.2f}: {item['confidence_reasons'][0]}" in text


def test_low_confidence_findings_follow_the_severity_policy(tmp_path: Path, run_cli: Invoke) -> None:
    rules = tmp_path / "unsure.yml"
    rules.write_text(
        "rules:\n"
        "  - id: custom.unsure-password\n"
        "    name: Unsure password\n"
        "    description: A context-scored rule that is never sure.\n"
        "    severity: high\n"
        "    confidence: low\n"
        "    keywords: [passcode]\n"
        "    pattern: '(?P<name>passcode)[ \\t]{0,3}=[ \\t]{0,3}\"(?P<secret>[A-Za-z0-9]{6,40})\"'\n"
        "    context: {kinds: [password], report: 0.0, full: 1.0}\n"
        "    remediation: {summary: Change it., rotate: [Change it.]}\n"
        "    examples: {positive: ['passcode = \"Kq8zLm2Xw7\"'], negative: ['passcode = x']}\n"
    )
    (tmp_path / "app.py").write_text('passcode = "Kq8zLm2Xw7"\n')
    common = (
        "scan",
        "app.py",
        "--rules",
        str(rules),
        "--disable",
        "generic.password-assignment",
        "-f",
        "json",
    )
    data = json.loads(run_cli(*common, "-q", cwd=tmp_path).stdout)
    [item] = data["findings"]
    assert (item["severity"], item["rule_severity"], item["confidence"]) == ("low", "high", "low")
    assert run_cli(*common, "--fail-on", "medium", cwd=tmp_path).exit_code == 0
    hidden = run_cli(*common, "-q", "--min-severity", "medium", cwd=tmp_path)
    assert hidden.exit_code == 0 and json.loads(hidden.stdout)["findings"] == []


def test_an_anchored_rule_matches_at_each_keyword_hit() -> None:
    """An anchored rule's pattern is matched where each keyword starts (not searched around it), so
    matches may overlap, and rules with the same pattern text compile it once."""
    pattern = r"(?P<secret>acme_[a-z0-9_]{4,30})"
    one = model_rule(pattern=pattern, anchored=True)
    two = model_rule(id="acme.other", pattern=pattern, anchored=True, keywords=("zz_acme_",))
    ruleset = CompiledRuleset((one, two))
    text = "x = acme_ab12_acme_cd34\n"
    matches, _ = find_matches(text, ruleset, Policy())
    assert sorted(m.secret for m in matches) == ["acme_ab12_acme_cd34", "acme_cd34"]
    assert ruleset.pattern(0) is ruleset.pattern(1)
    windowed = CompiledRuleset((model_rule(pattern=pattern),))
    assert [m.secret for m in find_matches(text, windowed, Policy())[0]] == ["acme_ab12_acme_cd34"]


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [
        ('{"pass": 1}', 1, ("pass", 2, 6)),  # from the quote the keyword starts at
        ("DB_PASSWORD=1", 3, ("DB_PASSWORD", 0, 11)),
        ("$password = 1", 1, ("password", 1, 9)),
        ("password", 0, ("password", 0, 8)),  # at the end of the text
        ("x" * 50 + "token" + "y" * 50 + " = 1", 50, ("x" * 40 + "token" + "y" * 35, 10, 90)),  # 40 at most
    ],
)
def test_name_around(text: str, start: int, expected: tuple[str, int, int]) -> None:
    from scanner.engine.context_form import name_around

    assert name_around(text, start) == expected


@pytest.mark.parametrize(
    ("text", "attached"),
    [
        ("password = 'x'", True),
        ("password      : x", True),  # aligned
        ('password("x")', True),
        ("password> x", True),
        ("password.length", False),
        ("the password to keyring", False),  # prose
        ("mysql --password x", True),  # a flag's value
        ('<password type="plain">x</password>', True),  # an element with attributes
        ("ENV DB_PASSWORD x", True),
        ("machine h login u password p", True),
        ("password", False),  # the text ends
        ("x" * 100 + " ENV password x", True),  # a long line is read SPACE_REACH back only
        ("ENV " + "x" * 100 + " password x", False),
    ],
)
def test_attaches(text: str, attached: bool) -> None:
    from scanner.engine.context_form import attaches, name_around

    _, head, end = name_around(text, text.lower().index("password"))
    assert attaches(text, head, end) is attached


def test_owns_needs_a_joint_after_the_name() -> None:
    from scanner.engine.context import owns

    assert owns(PASSWORD, "password = 'x'", 0)
    assert not owns(PASSWORD, "password.length", 0)  # nothing attaches a value
    assert not owns(PASSWORD, "passenger = 'x'", 0)  # not a password name
    assert not owns(PASSWORD, "password", 0)  # the text ends
