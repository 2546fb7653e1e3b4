"""Client-bundle exposure: a value assigned to a variable that a front-end build inlines into the
JavaScript it sends to browsers is public, whichever rule found it. Pure: looks only at the text on the
secret's line just before it.

Prefixes, each from the framework's own documentation of what reaches the browser: Next.js
`NEXT_PUBLIC_`, Vite `VITE_`, Create React App `REACT_APP_`, Expo `EXPO_PUBLIC_`, Nuxt `NUXT_PUBLIC_`
(overrides `runtimeConfig.public`, sent in every page payload), Gatsby `GATSBY_`, SvelteKit (and Astro)
`PUBLIC_` (`$env/static/public`).

Not raised: values that are public by design. A rule is public by design when its severity is low (test
and sandbox keys, short-lived or encrypted values) or it carries the tag `public`; a variable is when its
name says so (publishable keys, Supabase anon keys, reCAPTCHA site keys, Maps and Firebase browser keys,
analytics measurement ids), since those keys are meant to be shipped and restricted by referrer instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from scanner.model import Rule, Severity

CLIENT_BUNDLE = "client-bundle"
CLIENT_PREFIXES = (
    "NEXT_PUBLIC_",
    "VITE_",
    "REACT_APP_",
    "EXPO_PUBLIC_",
    "NUXT_PUBLIC_",
    "GATSBY_",
    "PUBLIC_",
)
PUBLIC_TAG = "public"
_LOOKBACK = 240  # characters before the secret that are looked at (the same line only)

# NAME, its closing quote or bracket, an assignment or fallback operator (= : := => || ??, or the space
# of `ENV NAME value`), the value's opening quote, then the secret.
_ASSIGNED = regex.compile(
    r"(?:^|[^A-Za-z0-9_])(?P<name>(?:" + "|".join(CLIENT_PREFIXES) + r")[A-Za-z0-9_]{1,100})"
    r"[\"'`]?\]?[ \t]{0,5}(?:=>|:=|=|:|\|\||\?\?|[ \t])[ \t]{0,5}[\"'`]?$"
)
_PUBLIC_BY_DESIGN = regex.compile(
    r"PUBLISHABLE|(?:^|_)ANON(?:_|$)|SITE_?KEY|RECAPTCHA|(?:^|_)MAPS?(?:_|$)|FIREBASE|MEASUREMENT_ID"
)
_RAISED = {
    Severity.LOW: Severity.MEDIUM,
    Severity.MEDIUM: Severity.HIGH,
    Severity.HIGH: Severity.CRITICAL,
    Severity.CRITICAL: Severity.CRITICAL,
}


@dataclass(frozen=True)
class Exposure:
    kind: str
    severity: Severity
    variable: str


def raised(severity: Severity) -> Severity:
    """One level up, capped at critical."""
    return _RAISED[severity]


def client_variable(text: str, secret_start: int) -> str | None:
    """The client-exposed variable the secret at `secret_start` is assigned to, if any."""
    line_start = text.rfind("\n", max(0, secret_start - _LOOKBACK), secret_start) + 1
    before = text[max(line_start, secret_start - _LOOKBACK) : secret_start]
    found = _ASSIGNED.search(before)
    return found.group("name") if found else None


def client_exposure(text: str, secret_start: int, rule: Rule) -> Exposure | None:
    """How the finding of `rule` at `secret_start` is exposed beyond the repository, or None."""
    if rule.severity is Severity.LOW or PUBLIC_TAG in rule.tags:
        return None
    variable = client_variable(text, secret_start)
    if variable is None or _PUBLIC_BY_DESIGN.search(variable.upper()):
        return None
    return Exposure(CLIENT_BUNDLE, raised(rule.severity), variable)
