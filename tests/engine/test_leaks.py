"""Leak-pattern rules (rules/leaks.yml), the `paths` scope of content rules, and the client-bundle
escalation of findings assigned to NEXT_PUBLIC_/VITE_/... variables."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scanner.decision import failing
from scanner.engine.exposure import CLIENT_BUNDLE, client_exposure, client_variable, raised
from scanner.engine.scan import scan_chunk
from scanner.errors import RuleError
from scanner.model import Chunk, Finding, Policy, Report, ScanStats, Severity
from scanner.ruleset.compiled import CompiledRuleset
from scanner.ruleset.loader import parse_rule_text
from scanner.ruleset.selftest import check_rule
from tests.tokens import github_token

VALUE = "Lx15P7mBJ1xueZLtzQSWe"  # random base62, no provider format


def found(ruleset: CompiledRuleset, path: str, text: str) -> list[tuple[str, int, int]]:
    result = scan_chunk(Chunk(path=path, text=text), ruleset, Policy())
    return [(f.rule_id, f.location.line, f.location.column) for f in result.findings]


def findings(ruleset: CompiledRuleset, path: str, text: str) -> tuple[Finding, ...]:
    return scan_chunk(Chunk(path=path, text=text), ruleset, Policy()).findings


# ---- leak rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "text", "rule_id"),
    [
        ("app/settings.py", f'PASSWORD = os.getenv("DB_PASSWORD", "{VALUE}")\n', "leak.env-fallback-python"),
        (
            "app/settings.py",
            f"KEY = environ.get('STRIPE_API_KEY', default='{VALUE}')\n",
            "leak.env-fallback-python",
        ),
        ("src/db.ts", f'const p = process.env.PGPASSWORD ?? "{VALUE}";\n', "leak.env-fallback-js"),
        ("src/db.ts", f"const t = process.env['SLACK_TOKEN'] || '{VALUE}';\n", "leak.env-fallback-js"),
        ("compose.yaml", f"      MYSQL_PASSWORD: ${{MYSQL_PASSWORD:-{VALUE}}}\n", "leak.env-fallback-shell"),
        ("run.sh", f'export API_TOKEN="${{API_TOKEN:-"{VALUE}"}}"\n', "leak.env-fallback-shell"),
        ("Dockerfile", f"FROM alpine\nARG GH_TOKEN={VALUE}\n", "leak.dockerfile-env-arg"),
        ("docker/api.Dockerfile", f"FROM alpine\nENV SMTP_PASS {VALUE}\n", "leak.dockerfile-env-arg"),
        ("Containerfile", f"FROM alpine\nENV A=1 B_SECRET='{VALUE}'\n", "leak.dockerfile-env-arg"),
        ("Dockerfile.prod", f"FROM alpine\nenv NUGET_API_KEY={VALUE}\n", "leak.dockerfile-env-arg"),
        (
            ".github/workflows/release.yaml",
            f"jobs:\n  r:\n    env:\n      TWINE_PASSWORD: {VALUE}\n",
            "leak.github-actions-env",
        ),
    ],
)
def test_leak_rule_reports_the_literal(ruleset: CompiledRuleset, path: str, text: str, rule_id: str) -> None:
    start = text.index(VALUE)
    line, column = text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
    assert found(ruleset, path, text) == [(rule_id, line, column)]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("a.py", 'DEBUG = os.environ.get("DEBUG", "false")\n'),
        ("a.py", 'LEVEL = os.getenv("LOG_LEVEL", "INFO")\n'),
        ("a.py", 'URL = os.environ.get("DATABASE_URL", "sqlite:///tmp/app.db")\n'),
        ("a.py", 'KEY = os.environ.get("SSH_PUBLIC_KEY", "ssh-ed25519-AAAAC3Nza")\n'),
        ("a.py", 'KEY = os.environ.get("PRIMARY_KEY", "customer_id_v2")\n'),
        ("a.py", 'HOST = os.environ.get("AUTH_HOST", "auth.internal:8443")\n'),
        ("a.py", 'V = os.environ.get("API_VERSION", "2024-06-01")\n'),
        ("a.py", 'A = os.environ.get("BASIC_AUTH", "admin@corp.internal.test")\n'),
        ("a.js", 'const env = process.env.NODE_ENV || "development";\n'),
        ("a.js", 'const url = process.env.AUTH_URL || "https://login.internal.test/oauth";\n'),
        ("a.js", "const key = process.env.API_KEY || process.env.FALLBACK_KEY;\n"),
        ("a.sh", 'PORT="${PORT:-8080}"\nHOST="${HOST:-localhost}"\n'),
        ("a.sh", 'TOKEN_FILE="${TOKEN_FILE:-/run/secrets/token}"\n'),
        ("a.sh", 'DB="${DB_PASSWORD:?DB_PASSWORD is required}"\n'),
        ("Dockerfile", "FROM alpine\nARG NPM_TOKEN\nENV NODE_ENV=production\n"),
        ("Dockerfile", "FROM alpine\nENV API_KEY_FILE=/run/secrets/api_key\n"),
        (".github/workflows/ci.yml", "env:\n  NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n  CI: 'true'\n"),
    ],
)
def test_leak_rules_ignore_ordinary_configuration(ruleset: CompiledRuleset, path: str, text: str) -> None:
    assert [rule for rule, _, _ in found(ruleset, path, text) if rule.startswith("leak.")] == []


def test_leak_rule_beats_generic_rule_on_the_same_value(ruleset: CompiledRuleset) -> None:
    text = f'SECRET_KEY = os.environ.get("APP_SECRET_KEY", "{VALUE}")\n'
    assert found(ruleset, "settings.py", text) == [("leak.env-fallback-python", 1, text.index(VALUE) + 1)]


def test_provider_rule_beats_leak_rule_on_the_same_value(ruleset: CompiledRuleset) -> None:
    token = github_token()
    text = f'TOKEN = os.environ.get("GITHUB_TOKEN", "{token}")\n'
    assert found(ruleset, "settings.py", text) == [("github.pat-classic", 1, 41)]


# ---- paths: the scope of a content rule --------------------------------------------------------

SCOPED = """rules:
  - id: custom.deploy-key
    name: Deploy key in a Procfile
    description: A deploy key written into a Procfile.
    severity: high
    confidence: high
    keywords: [dk_]
    pattern: '(?P<secret>dk_[a-z0-9]{{12}})'
    paths: {paths}
    remediation: {{summary: Rotate it., rotate: [Rotate it.]}}
    examples:
{example_path}      positive: ['web: run --key dk_a1b2c3d4e5f6']
      negative: ['web: run']
"""


def scoped_rules(paths: str = "['(^|/)Procfile$']", example_path: str = "      path: Procfile\n") -> str:
    return SCOPED.format(paths=paths, example_path=example_path)


def test_paths_scope_a_content_rule_to_matching_files() -> None:
    rules = parse_rule_text(scoped_rules(), "custom.yml")
    assert rules[0].paths == ("(^|/)Procfile$",)
    assert rules[0].examples.path == "Procfile"
    compiled = CompiledRuleset(rules)
    text = "web: run --key dk_a1b2c3d4e5f6\n"
    assert found(compiled, "Procfile", text) == [("custom.deploy-key", 1, 16)]
    assert found(compiled, "services/api/Procfile", text) == [("custom.deploy-key", 1, 16)]
    assert found(compiled, "Procfile.md", text) == []
    assert found(compiled, "README.md", text) == []
    assert check_rule(rules[0], compiled) == []


def test_scoped_self_test_fails_when_the_scope_does_not_restrict() -> None:
    rules = parse_rule_text(scoped_rules(paths="['.']", example_path="      path: Procfile\n"), "c.yml")
    problems = check_rule(rules[0], CompiledRuleset(rules))
    assert problems == ["positive example 1 is detected at selftest.txt, outside the rule's paths"]


@pytest.mark.parametrize(
    ("paths", "example_path", "message"),
    [
        (
            "['(unclosed']",
            "      path: Procfile\n",
            "custom.yml: 1 problem: rule 'custom.deploy-key' field 'paths': '(unclosed' is not a valid regex",
        ),
        (
            "['(^|/)Procfile$']",
            "",
            "custom.yml: 1 problem: rule 'custom.deploy-key' field 'examples.path': is missing "
            "(a rule with `paths` is tested at this path)",
        ),
        (
            "['(^|/)Procfile$']",
            "      path: Makefile\n",
            "custom.yml: 1 problem: rule 'custom.deploy-key' field 'examples.path': 'Makefile' is "
            "matched by none of the rule's paths",
        ),
        (
            "[]",
            "",
            "custom.yml: 1 problem: rule 'custom.deploy-key' field 'paths': must not be empty "
            "(leave it out to scan every file)",
        ),
        (
            "'Procfile'",
            "",
            "custom.yml: 1 problem: rule 'custom.deploy-key' field 'paths': "
            "must be a list of non-empty strings",
        ),
    ],
)
def test_bad_paths_are_rule_errors_naming_file_and_rule(paths: str, example_path: str, message: str) -> None:
    with pytest.raises(RuleError) as error:
        parse_rule_text(scoped_rules(paths, example_path), "custom.yml")
    assert str(error.value).startswith(message)


def test_example_path_without_paths_is_an_error() -> None:
    text = scoped_rules().replace("    paths: ['(^|/)Procfile$']\n", "")
    with pytest.raises(RuleError, match="field 'examples.path': applies only to a rule with `paths`"):
        parse_rule_text(text, "custom.yml")


# ---- client-bundle escalation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "variable"),
    [
        ("NEXT_PUBLIC_STRIPE_SECRET=", "NEXT_PUBLIC_STRIPE_SECRET"),
        ('  "VITE_API_KEY": "', "VITE_API_KEY"),
        ("REACT_APP_TOKEN: ", "REACT_APP_TOKEN"),
        ("export EXPO_PUBLIC_KEY='", "EXPO_PUBLIC_KEY"),
        ("ENV NUXT_PUBLIC_API_SECRET ", "NUXT_PUBLIC_API_SECRET"),
        ("const k = process.env.GATSBY_TOKEN || `", "GATSBY_TOKEN"),
        ("PUBLIC_SUPABASE_SERVICE_KEY = '", "PUBLIC_SUPABASE_SERVICE_KEY"),
        ("SERVER_TOKEN=", None),
        ("MY_NEXT_PUBLIC_TOKEN=", None),
        ("NEXT_PUBLIC_TOKEN is deprecated, use ", None),
        ("NEXT_PUBLIC_TOKEN=x\nOTHER=", None),
    ],
)
def test_client_variable_is_read_from_the_text_before_the_secret(before: str, variable: str | None) -> None:
    text = before + VALUE + "\n"
    assert client_variable(text, len(before)) == variable


def test_raised_is_one_level_up_capped_at_critical() -> None:
    assert [raised(s) for s in Severity] == [
        Severity.MEDIUM,
        Severity.HIGH,
        Severity.CRITICAL,
        Severity.CRITICAL,
    ]


def test_client_prefixed_secret_is_raised_and_marked(ruleset: CompiledRuleset) -> None:
    token = github_token()
    text = f"NEXT_PUBLIC_GH_TOKEN={token}\nGH_TOKEN={github_token()}\n"
    first, second = findings(ruleset, ".env.local", text)
    assert (first.rule_id, first.severity, first.exposure) == (
        "github.pat-classic",
        Severity.CRITICAL,
        CLIENT_BUNDLE,
    )
    assert (second.rule_id, second.severity, second.exposure) == ("github.pat-classic", None, None)
    rule = ruleset.rule_by_id["github.pat-classic"]
    assert first.severity_for(rule) is Severity.CRITICAL and second.severity_for(rule) is Severity.HIGH


def test_generic_finding_in_a_client_variable_is_raised(ruleset: CompiledRuleset) -> None:
    (finding,) = findings(ruleset, "config.json", f'{{\n  "VITE_API_KEY": "{VALUE}"\n}}\n')
    assert (finding.rule_id, finding.severity, finding.exposure) == (
        "generic.api-key-assignment",
        Severity.HIGH,
        CLIENT_BUNDLE,
    )


def test_public_by_design_values_are_not_raised(ruleset: CompiledRuleset) -> None:
    stripe_test = "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc" + "Qx8Rz2Pm"
    text = (
        f"NEXT_PUBLIC_STRIPE_KEY={stripe_test}\n"  # a low-severity test key rule
        f"NEXT_PUBLIC_FIREBASE_API_KEY=AIza{'SyB3x9Qm2Lk7Vw4Tz8Np1Rc6Ud5He0Jf3Gq'}\n"  # browser key by name
    )
    result = findings(ruleset, ".env", text)
    assert [f.rule_id for f in result] == ["stripe.secret-key-test", "google.api-key"]
    assert [(f.severity, f.exposure) for f in result] == [(None, None), (None, None)]


def test_rule_tagged_public_is_not_raised() -> None:
    rule = parse_rule_text(scoped_rules(), "custom.yml")[0]
    tagged = replace(rule, tags=("public",))
    text = f"NEXT_PUBLIC_DEPLOY={VALUE}"
    assert client_exposure(text, len("NEXT_PUBLIC_DEPLOY="), rule) is not None
    assert client_exposure(text, len("NEXT_PUBLIC_DEPLOY="), tagged) is None


def test_fail_on_uses_the_raised_severity(ruleset: CompiledRuleset) -> None:
    text = f"NEXT_PUBLIC_GH_TOKEN={github_token()}\n"
    report = Report(findings(ruleset, ".env", text), ruleset.rules, ScanStats())
    assert failing(report, Severity.CRITICAL)
    plain = Report(findings(ruleset, ".env", f"GH_TOKEN={github_token()}\n"), ruleset.rules, ScanStats())
    assert not failing(plain, Severity.CRITICAL)
