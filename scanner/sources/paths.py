"""Path names as shown in reports: valid Unicode whatever bytes the file system or git holds."""

from __future__ import annotations


def display_path(path: str) -> str:
    """A path decoded with surrogate escapes (undecodable bytes, as os and pygit2 give them) becomes
    valid text with each such byte written `\\xNN`; a well-formed path is returned as it is."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path
