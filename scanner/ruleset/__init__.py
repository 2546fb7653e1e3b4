"""Rule files: found and loaded (loader), validated with every problem collected (schema), compiled into
the engine's index with the user cache (compiled, tables, prefilter_cache), and self-tested through the
whole engine (selftest)."""
