"""The fleet's credentials: the per-repository results joined by credential id (an HMAC under the
fleet's key, so the same secret has the same id in every repository). Pure: records in, records out."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.fleet_model import RepoResult, Sighting
from scanner.model import CommitInfo, Severity


@dataclass(frozen=True)
class FleetCredential:
    id: str
    rule_id: str
    severity: Severity
    preview: str
    first: CommitInfo | None  # the earliest introduction in any repository
    first_repository: str
    open: bool  # held at a tip in some repository
    sightings: tuple[tuple[str, Sighting], ...]  # (repository name, its sighting), by repository name

    @property
    def repositories(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.sightings)


def join(results: list[RepoResult]) -> tuple[FleetCredential, ...]:
    """One credential per id across the fleet, the most severe first, then by id."""
    by_id: dict[str, list[tuple[str, Sighting]]] = {}
    for result in results:
        for sighting in result.sightings:
            by_id.setdefault(sighting.id, []).append((result.repo.name, sighting))
    joined = []
    for credential_id, found in by_id.items():
        found.sort(key=lambda pair: pair[0])
        dated = [(s.first.date, name, s) for name, s in found if s.first is not None]
        _, first_repo, earliest = min(dated) if dated else ("", found[0][0], found[0][1])
        joined.append(
            FleetCredential(
                id=credential_id,
                rule_id=earliest.rule_id,
                severity=max((s.severity for _, s in found), key=lambda s: s.rank),
                preview=earliest.preview,
                first=earliest.first,
                first_repository=first_repo,
                open=any(s.open for _, s in found),
                sightings=tuple(found),
            )
        )
    return tuple(sorted(joined, key=lambda c: (-c.severity.rank, c.id)))
