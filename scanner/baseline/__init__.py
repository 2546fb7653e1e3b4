"""Baseline files: known findings recorded by a salted, slow hash (never the secret), so that only new
ones fail a build, with a review status per entry: the file (format), identity and comparison (match),
putting its verdict on a report (apply), other scanners' files (imports), and review (`baseline audit`:
review)."""
