"""Rotation and revocation guidance of a rule, rendered for each output format."""

from __future__ import annotations

from scanner.model import Finding, Rule, Severity

EXPOSURE_NOTES = {
    "client-bundle": (
        "Shipped to every browser: the variable it is assigned to has a client prefix (NEXT_PUBLIC_, "
        "VITE_, REACT_APP_, EXPO_PUBLIC_, NUXT_PUBLIC_, GATSBY_, PUBLIC_), so the build inlines the value "
        "into the JavaScript it serves and anyone can read it. Rotate it now, then move the code that uses "
        "it server-side (an API route or backend proxy that holds the secret) and rename the variable "
        "without the client prefix."
    ),
}
PURGE_STEPS = (
    "Revoke or rotate the credential first: once pushed, it must be treated as public.",
    (
        "Then, if the history must be cleaned, rewrite it with `git filter-repo --replace-text FILE` "
        "(one `literal==>REMOVED` line per secret), force-push every branch and tag, and ask every "
        "collaborator to re-clone."
    ),
    "Rewriting history does not un-leak a secret: forks, clones, caches and CI logs may still hold it.",
)


def exposure_note(finding: Finding) -> str | None:
    """What the finding's exposure means and what to do about it, or None when it has none."""
    return EXPOSURE_NOTES.get(finding.exposure) if finding.exposure else None


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


def playbook(findings_by_rule: list[tuple[Rule, list[str], Severity]]) -> list[str]:
    """A rotation playbook: for each kind of credential found (most severe first, at the highest
    severity any of its findings has), where it was found and how to rotate and revoke it; then, once,
    how to purge history and why that is not enough."""
    lines = ["Rotation playbook", "================="]
    for number, (rule, places, severity) in enumerate(findings_by_rule, 1):
        lines += ["", f"{number}. {rule.name} [{rule.id}], {severity.value} severity"]
        shown = places[:10] + ([f"... and {len(places) - 10} more"] if len(places) > 10 else [])
        lines += [f"   found at {place}" for place in shown]
        lines.append(f"   {rule.remediation.summary}")
        lines += [f"   {step_number}) {step}" for step_number, step in enumerate(rule.remediation.rotate, 1)]
        if rule.remediation.revoke_url:
            lines.append(f"   revoke at: {rule.remediation.revoke_url}")
    lines += ["", "Then, for every credential above:"]
    lines += [f"   - {step}" for step in PURGE_STEPS]
    return lines
