"""The compiled Hyperscan database, cached in the user cache (scanner.user_cache): compiling a few
thousand literals takes about 0.1 s, loading the compiled database well under a millisecond. Keyed by
the keywords and the Hyperscan version."""

from __future__ import annotations

import hashlib

from scanner import user_cache
from scanner.engine.prefilter import HyperscanPrefilter, Prefilter, build_prefilter, resolve_backend


def _key(keywords: tuple[str, ...]) -> str:
    import hyperscan

    version = getattr(hyperscan, "__version__", "") + str(getattr(hyperscan, "HS_VERSION", ""))
    material = "\0".join((version, *keywords)).encode("utf-8")
    return hashlib.sha256(material).hexdigest()[:32]


def cached_prefilter(keywords: tuple[str, ...], backend: str) -> Prefilter:
    backend = resolve_backend(backend)
    if backend != "hyperscan" or not keywords:
        return build_prefilter(keywords, backend)
    name = f"hyperscan-{_key(keywords)}.db"
    data = user_cache.read(name)
    if data is not None:
        try:
            return HyperscanPrefilter(keywords, serialized=data)
        except Exception:  # noqa: BLE001 - an unusable cache entry: compile instead
            pass
    prefilter = HyperscanPrefilter(keywords)
    compiled = prefilter.serialize()
    # Never None here (only a prefilter without keywords has no database, and that returned above).
    if compiled is not None:  # pragma: no branch
        user_cache.write(name, compiled)
    return prefilter
