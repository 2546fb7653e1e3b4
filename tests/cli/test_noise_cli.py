"""Lockfiles, checksum lists and minified bundles: only trusted rules report there, through the CLI."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from pathlib import Path

from tests.conftest import Invoke, git
from tests.tokens import ALNUM, aws_access_key_id, github_token

RNG = random.Random(5)


def _sri(seed: str) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(seed.encode()).digest()).decode()


def _h1(seed: str) -> str:
    return "h1:" + base64.b64encode(hashlib.sha256(seed.encode()).digest()).decode()


def _word(n: int) -> str:
    return "".join(RNG.choice(ALNUM) for _ in range(n))


GH = github_token("ghp_", random.Random(21))
NPM = github_token("npm_", random.Random(22))
GHO = github_token("gho_", random.Random(23))
AWS = aws_access_key_id(random.Random(24))
NOISE_KEY = _word(28)  # what a generic rule reports in an ordinary file

FILES = {
    "package-lock.json": (
        '{\n  "name": "web",\n  "lockfileVersion": 3,\n  "packages": {\n    "node_modules/left-pad": {\n'
        '      "version": "1.3.0",\n'
        '      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",\n'
        f'      "integrity": "{_sri("left-pad")}",\n'
        f'      "apiKey": "{NOISE_KEY}",\n'
        f'      "_authToken": "{NPM}"\n'
        "    }\n  }\n}\n",
        ("npm.access-token", 10),
    ),
    "yarn.lock": (
        '# yarn lockfile v1\n\nleft-pad@^1.3.0:\n  version "1.3.0"\n'
        '  resolved "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz#5b8a3a7765dfe0015"\n'
        f"  integrity {_sri('yarn')}\n"
        f'  token "{NOISE_KEY}"\n'
        f"  # pasted by mistake: {GH}\n",
        ("github.pat-classic", 8),
    ),
    "go.sum": (
        f"github.com/pkg/errors v0.9.1 {_h1('errors')}\n"
        f"github.com/pkg/errors v0.9.1/go.mod {_h1('errors-mod')}\n"
        f"golang.org/x/sys v0.1.0 {_h1('sys')}\n"
        f"secret_key={NOISE_KEY}1\n"
        f"aws_access_key_id={AWS}\n",
        ("aws.access-key-id", 5),
    ),
    "static/app.min.js": (
        "!function(e){var t={};" * 300
        + f'var config={{apiKey:"{NOISE_KEY}",build:"{hashlib.sha1(b"b").hexdigest()}"}};'
        + f'var gh="{GHO}";'
        + "}(window);" * 300
        + "\n",
        ("github.oauth-access-token", 1),
    ),
}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _findings(result_stdout: str) -> list[tuple[str, str, int]]:
    data = json.loads(result_stdout)
    return sorted((f["path"], f["rule_id"], f["line"]) for f in data["findings"])


def test_only_the_real_token_is_reported(repo: Path, run_cli: Invoke) -> None:
    _write(repo, {name: text for name, (text, _) in FILES.items()})
    result = run_cli("scan", "-f", "json", "-q", ".", cwd=repo)
    assert result.exit_code == 1
    expected = sorted((name, rule, line) for name, (_, (rule, line)) in FILES.items())
    assert _findings(result.stdout) == expected


def test_same_text_under_an_ordinary_name_reports_the_noise_too(repo: Path, run_cli: Invoke) -> None:
    _write(repo, {f"copy-{Path(name).name}.txt": text for name, (text, _) in FILES.items()})
    result = run_cli("scan", "-f", "json", "-q", ".", cwd=repo)
    rules = [rule for _, rule, _ in _findings(result.stdout)]
    # the lockfile copies now report their generic noise; the minified text stays quiet by its shape
    assert sum(rule.startswith("generic.") for rule in rules) == 2
    assert len(rules) == len(FILES) + 2


def test_staged_lockfile_reports_only_the_token(repo: Path, run_cli: Invoke) -> None:
    text, (rule, line) = FILES["package-lock.json"]
    _write(repo, {"package-lock.json": text})
    git(repo, "add", "package-lock.json")
    result = run_cli("scan", "--staged", "-f", "json", "-q", cwd=repo)
    assert result.exit_code == 1
    assert _findings(result.stdout) == [("package-lock.json", rule, line)]
