"""What every inventory format shows besides the credentials themselves: counts by state, severity,
review and provider, the oldest open exposures, which credentials fail the run, and labels."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from scanner.decision import credential_failing
from scanner.inventory_model import Action, Change, Credential, Inventory, State
from scanner.model import ReviewStatus, Severity
from scanner.remediation import PURGE_STEPS

SEVERITIES = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)
REVIEWS = (
    ReviewStatus.UNREVIEWED,
    ReviewStatus.REAL,
    ReviewStatus.ACCEPTED_RISK,
    ReviewStatus.FALSE_POSITIVE,
)
REVIEW_LABELS = {
    ReviewStatus.UNREVIEWED: "unreviewed",
    ReviewStatus.REAL: "real",
    ReviewStatus.ACCEPTED_RISK: "accepted risk",
    ReviewStatus.FALSE_POSITIVE: "false positive",
}
STATE_LABELS = {State.OPEN: "open", State.HISTORY_ONLY: "history only"}
ACTION_LABELS = {
    Action.ROTATE_AND_REMOVE: "Rotate it, then remove it from every branch and tag",
    Action.ROTATE_AND_PURGE: "Rotate it, then purge it from history",
    Action.NONE: "None while the review stands",
}
CHANGE_LABELS = {
    Change.NEW: "new",
    Change.REMOVED: "removed from the tree: confirm the rotation",
    Change.REOPENED: "reopened: back in a tree",
    Change.UNCHANGED: "unchanged",
}
_REF_PREFIXES = (("refs/heads/", "branch"), ("refs/remotes/", "remote branch"), ("refs/tags/", "tag"))
OLDEST = 5  # open exposures shown first


def short_ref(ref: str) -> str:
    """`main`, `origin/main`, `v1.0` for refs/heads/main, refs/remotes/origin/main, refs/tags/v1.0."""
    for prefix, _ in _REF_PREFIXES:
        if ref.startswith(prefix):
            return ref[len(prefix) :]
    return ref


def ref_kind(ref: str) -> str:
    return next((kind for prefix, kind in _REF_PREFIXES if ref.startswith(prefix)), "ref")


def refs_text(refs: tuple[str, ...]) -> str:
    """Refs for a line of text: tags marked as such."""
    return ", ".join(f"tag {short_ref(r)}" if ref_kind(r) == "tag" else short_ref(r) for r in refs)


def purge_steps(credential: Credential) -> tuple[str, ...]:
    """How to purge it from history, for a credential that is only there."""
    return PURGE_STEPS if credential.state is State.HISTORY_ONLY else ()


def failing(inventory: Inventory, credential: Credential) -> bool:
    return credential_failing(credential, inventory.fail_on)


@dataclass(frozen=True)
class Summary:
    total: int
    open: int
    history_only: int
    failing: int
    by_severity: tuple[tuple[Severity, int], ...]  # most severe first
    by_review: tuple[tuple[ReviewStatus, int], ...]
    by_provider: tuple[tuple[str, int], ...]  # most credentials first
    open_by_severity: tuple[tuple[Severity, int], ...]
    oldest_open: tuple[Credential, ...]  # open for the most days


def summarize(inventory: Inventory) -> Summary:
    credentials = inventory.credentials
    opened = [c for c in credentials if c.state is State.OPEN]
    severities = Counter(c.severity for c in credentials)
    open_severities = Counter(c.severity for c in opened)
    reviews = Counter(c.review.status for c in credentials)
    providers = Counter(c.provider for c in credentials)
    dated = sorted(
        (c for c in opened if c.window.days is not None), key=lambda c: (-(c.window.days or 0), c.id)
    )
    return Summary(
        total=len(credentials),
        open=len(opened),
        history_only=len(credentials) - len(opened),
        failing=sum(1 for c in credentials if failing(inventory, c)),
        by_severity=tuple((s, severities[s]) for s in SEVERITIES),
        by_review=tuple((r, reviews[r]) for r in REVIEWS),
        by_provider=tuple(sorted(providers.items(), key=lambda item: (-item[1], item[0]))),
        open_by_severity=tuple((s, open_severities[s]) for s in SEVERITIES),
        oldest_open=tuple(dated[:OLDEST]),
    )
