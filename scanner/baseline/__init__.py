"""Baseline files: known findings recorded by a salted, slow hash (never the secret), so that only new
ones fail a build, with a review status per entry."""
