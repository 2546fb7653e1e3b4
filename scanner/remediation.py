"""Rotation and revocation guidance of a rule, rendered for each output format."""

from __future__ import annotations

from scanner.model import Rule

PURGE_STEPS = (
    "Revoke or rotate the credential first: once pushed, it must be treated as public.",
    (
        "Then, if the history must be cleaned, rewrite it with `git filter-repo --replace-text FILE` "
        "(one `literal==>REMOVED` line per secret), force-push every branch and tag, and ask every "
        "collaborator to re-clone."
    ),
    "Rewriting history does not un-leak a secret: forks, clones, caches and CI logs may still hold it.",
)


def one_line(rule: Rule) -> str:
    revoke = f" Revoke: {rule.remediation.revoke_url}" if rule.remediation.revoke_url else ""
    return f"{rule.remediation.summary}{revoke}"


def as_dict(rule: Rule) -> dict[str, object]:
    return {
        "summary": rule.remediation.summary,
        "rotate": list(rule.remediation.rotate),
        "revoke_url": rule.remediation.revoke_url,
    }


def as_text(rule: Rule) -> str:
    lines = [rule.name, "", rule.description, "", f"Remediation: {rule.remediation.summary}"]
    lines += [f"  {n}. {step}" for n, step in enumerate(rule.remediation.rotate, 1)]
    if rule.remediation.revoke_url:
        lines.append(f"Revoke at: {rule.remediation.revoke_url}")
    lines += ["", "Purging it from git history:"]
    lines += [f"  - {step}" for step in PURGE_STEPS]
    if rule.references:
        lines += ["", "References:"] + [f"  {ref}" for ref in rule.references]
    return "\n".join(lines)


def as_markdown(rule: Rule) -> str:
    lines = [
        f"**{rule.name}**",
        "",
        rule.description,
        "",
        f"**Remediation.** {rule.remediation.summary}",
        "",
    ]
    lines += [f"{n}. {step}" for n, step in enumerate(rule.remediation.rotate, 1)]
    if rule.remediation.revoke_url:
        lines += ["", f"Revoke at: <{rule.remediation.revoke_url}>"]
    lines += ["", "**Purging it from git history**", ""] + [f"- {step}" for step in PURGE_STEPS]
    if rule.references:
        lines += ["", "**References**", ""] + [f"- <{ref}>" for ref in rule.references]
    return "\n".join(lines)
