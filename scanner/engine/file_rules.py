"""File rules: findings for files whose presence is the leak (a committed .env, a key file, a .npmrc
with auth). Pure, like the rest of the engine."""

from __future__ import annotations

import posixpath

from scanner.engine.index import RuleIndex
from scanner.fingerprint import fingerprint, secret_hash
from scanner.model import Finding, Location, Policy


def scan_path(
    path: str,
    text: str | None,
    ruleset: RuleIndex,
    policy: Policy,
    commit: str | None = None,
    blob: str | None = None,
) -> tuple[Finding, ...]:
    """Findings of every file rule matching `path`. A rule that also needs `content` matches only when
    the text is known (None for binary or unread files) and holds it."""
    found = []
    for compiled in ruleset.file_rules:
        rule, content = compiled.rule, compiled.content
        if not any(p.search(path) for p in compiled.paths) or any(p.search(path) for p in compiled.exclude):
            continue
        allowlist = ruleset.allowlist(compiled.position)
        if allowlist is not None and allowlist.allows_path(path):
            continue
        if content is not None:
            try:
                if text is None or not content.search(text, timeout=policy.regex_timeout):
                    continue
            except TimeoutError:
                continue
        hashed = secret_hash(f"file:{path}")
        found.append(
            Finding(
                rule_id=rule.id,
                location=Location(path, 1, 1, 1, 1, commit=commit, blob=blob),
                secret_hash=hashed,
                fingerprint=fingerprint(rule.id, path, hashed),
                preview=posixpath.basename(path),
                entropy=0.0,
            )
        )
    return tuple(found)
