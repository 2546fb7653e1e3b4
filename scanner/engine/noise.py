"""Noise control: values and files where only a high-confidence rule is believed. Pure.

Two decisions, both cheap enough to run on every candidate:
- `is_noise(rule, secret)`: a candidate of a low- or medium-confidence rule whose value is a
  well-known non-secret shape (UUID, SRI / lockfile integrity string, go.sum hash) is dropped. Generic
  rules see `name = "value"` and cannot tell an `api_key = "<uuid>"` correlation id from a key;
  provider rules at high confidence know the format.
  A bare hex string is NOT noise: `openssl rand -hex 32` and `SecureRandom.hex(20)` (the webhook
  secret GitHub's documentation generates) make exactly the shapes of SHA-256 and SHA-1 digests, and
  under a credential name a secret is the likelier reading. Digests and git object ids are skipped
  where they live instead: in lockfiles and checksum lists (below), and under names such as commit,
  sha, hash, digest or checksum, which no generic rule reads.
- `quiet_file(path, text)`: lockfiles, checksum files and minified or vendored bundles are full of
  hashes and random-looking identifiers; there only high-confidence rules, and rules whose match is
  proven by a checksum, report. A real token pasted into a lockfile is still found.
"""

from __future__ import annotations

import posixpath

import regex

from scanner.model import Confidence, Rule

_UUID_BODY = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_UUID = regex.compile(rf"{_UUID_BODY}|\{{{_UUID_BODY}\}}")  # bare, or in braces as .NET/COM write it

_INTEGRITY = regex.compile(
    # SRI and npm/yarn/pnpm lockfile `integrity`: algorithm-base64 (padding optional in the wild)
    r"(?:sha1|sha256|sha384|sha512)-[A-Za-z0-9+/]{27,88}={0,2}"
    # poetry.lock / Pipfile.lock / pip --hash / composer: algorithm:hex
    r"|(?i:md5|sha1|sha224|sha256|sha384|sha512|blake2b|blake2s):[0-9a-fA-F]{32,128}"
    # go.sum: h1: + base64 of a SHA-256 (44 characters with its padding)
    r"|h1:[A-Za-z0-9+/]{43}="
)

# A rule whose own pattern spells the 8-4-4-4-12 shape (npm legacy auth tokens, Postmark tokens)
# expects a UUID: the UUID check does not apply to it.
_UUID_SHAPE_IN_PATTERN = regex.compile(r"\{8\}-.{1,60}?\{4\}-.{1,160}?\{12\}")


def noise_kind(secret: str) -> str | None:
    """The non-secret shape `secret` has, or None."""
    if _UUID.fullmatch(secret):
        return "uuid"
    if _INTEGRITY.fullmatch(secret):
        return "integrity"
    return None


def _expects_uuid(pattern: str) -> bool:
    return _UUID_SHAPE_IN_PATTERN.search(pattern) is not None


STRUCTURAL_TAG = "structural"


def trusted_anywhere(rule: Rule) -> bool:
    """High confidence, a match proven by the format's own checksum, or a rule tagged `structural`:
    its match is a structure that noise does not take (`user:password@host` in a URL, which is how a
    private registry's credentials end up in a lockfile's `resolved` URLs)."""
    return rule.confidence is Confidence.HIGH or rule.checksum is not None or STRUCTURAL_TAG in rule.tags


def is_noise(rule: Rule, secret: str) -> bool:
    """True if a candidate of `rule` with value `secret` is a known non-secret shape."""
    if trusted_anywhere(rule):
        return False
    kind = noise_kind(secret)
    if kind == "uuid" and rule.context is not None:
        return False  # context scoring weighs a UUID by the name it is assigned to
    return kind is not None and not (kind == "uuid" and _expects_uuid(rule.pattern))


# Whole files where only trusted rules report: dependency lockfiles and checksum lists. Their
# content is hashes, URLs and versions by construction; a generic `key = value` match there is noise.
LOCKFILE_NAMES = frozenset(
    {
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "poetry.lock",
        "pipfile.lock",
        "cargo.lock",
        "go.sum",
        "composer.lock",
        "gemfile.lock",
        "sha256sums",
        "sha512sums",
        "sha1sums",
        "md5sums",
        "checksums.txt",
    }
)
CHECKSUM_SUFFIXES = (".sha1", ".sha256", ".sha512", ".md5")
MINIFIED_SUFFIXES = (".min.js", ".min.mjs", ".min.css", "-bundle.js", ".bundle.js")
VENDOR_DIRS = frozenset({"node_modules", "bower_components", "vendor", "vendors", "third_party"})
DIST_DIRS = frozenset({"dist", "build", "min", "umd", "bundles"})

# Minified text: hand-written code and config average 30-80 characters a line; minifiers emit
# lines of tens of kilobytes. 1000 leaves room for long data lines in ordinary files. The size floor
# keeps a short one-line JSON config (which may hold a real password) out of the rule.
MINIFIED_MEAN_LINE = 1000
MINIFIED_MIN_SIZE = 5000


def quiet_path(path: str) -> bool:
    """Lockfiles, checksum lists, minified bundles and dist folders of vendored packages."""
    if not path:
        return False
    name = posixpath.basename(path).lower()
    if name in LOCKFILE_NAMES or name.endswith(CHECKSUM_SUFFIXES + MINIFIED_SUFFIXES):
        return True
    parts = path.lower().split("/")[:-1]
    vendored = [i for i, part in enumerate(parts) if part in VENDOR_DIRS]
    return bool(vendored) and any(part in DIST_DIRS for part in parts[vendored[0] + 1 :])


def minified(text: str) -> bool:
    """Mean line length above MINIFIED_MEAN_LINE in a text of at least MINIFIED_MIN_SIZE chars."""
    size = len(text)
    return size >= MINIFIED_MIN_SIZE and size / (text.count("\n") + 1) > MINIFIED_MEAN_LINE


def quiet_file(path: str, text: str) -> bool:
    """True where only trusted rules (see `trusted_anywhere`) report."""
    return quiet_path(path) or minified(text)
