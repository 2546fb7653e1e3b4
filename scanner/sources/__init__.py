"""Where bytes come from and how they become text chunks: the files under a path (file_walk, reader),
git objects and commits (git), staged and committed changes (changes), the history walk (history_walk).
The only package that imports pygit2; it never imports the engine."""
