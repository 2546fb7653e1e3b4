"""Real git repositories with a known credential history, for the inventory tests: authors and dates
are fixed per commit, so windows, tips, authors and counts can be asserted exactly."""

from __future__ import annotations

import os
import random
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.tokens import github_token

RNG = random.Random(1616)
TOKEN = github_token(rng=RNG)  # the story's credential
SHORT_LIVED = github_token(rng=RNG)  # added and removed on main, never on another branch
DROPPED = github_token(rng=RNG)  # on a side branch, resolved away by the merge into main
ANN = ("Ann Archer", "ann@example.com")
BOB = ("Bob Brown", "bob@example.com")
CY = ("Cy Chen", "cy@example.com")
DEE = ("Dee Diaz", "dee@example.com")
EVE = ("Eve Evans", "eve@example.com")


def author(who: tuple[str, str]) -> str:
    return f"{who[0]} <{who[1]}>"


@dataclass
class Story:
    root: Path
    commits: dict[str, str] = field(default_factory=dict)  # label -> sha

    def git(self, *args: str, who: tuple[str, str] = ANN, day: str = "2024-01-01") -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        stamp = f"{day}T12:00:00+00:00"
        env.update(
            GIT_AUTHOR_NAME=who[0],
            GIT_AUTHOR_EMAIL=who[1],
            GIT_AUTHOR_DATE=stamp,
            GIT_COMMITTER_NAME="CI",
            GIT_COMMITTER_EMAIL="ci@example.invalid",
            GIT_COMMITTER_DATE=stamp,
            HOME=str(self.root),
        )
        run = subprocess.run(
            ["git", *args], cwd=self.root, env=env, check=True, capture_output=True, text=True
        )
        return run.stdout

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    def commit(self, label: str, who: tuple[str, str], day: str, message: str | None = None) -> str:
        self.git("add", "-A", who=who, day=day)
        self.git("commit", "-q", "--allow-empty", "-m", message or label, who=who, day=day)
        self.commits[label] = self.git("rev-parse", "HEAD").strip()
        return self.commits[label]


def build_story(root: Path) -> Story:
    """The credential's story, as the issue tells it:

    - 2024-01-01 Ann: init on main
    - 2024-01-10 Ann, branch feature: TOKEN in config/settings.py (line 2); 2024-01-12 Dee edits the
      file, keeping it
    - 2024-01-15 Bob, feature: copied to deploy/token.txt
    - 2024-02-01 Cy: feature merged into main (--no-ff); branch release/1.0 and tag v1.0 there
    - 2024-02-10 Bob, main: SHORT_LIVED in app/keys.py; 2024-02-20 Cy, main: removed
    - 2024-03-01 Dee, main: TOKEN removed from both files
    - 2024-03-05 Ann, release/1.0: a fix (its tip moves; it still holds TOKEN)
    - 2024-05-01 Eve, main: TOKEN re-added in scripts/publish.py; 2024-05-11 Dee, main: removed again
    The feature branch is kept: its tip holds TOKEN too."""
    root.mkdir(parents=True, exist_ok=True)
    story = Story(root)
    story.git("init", "-q", "-b", "main")
    story.write("README.md", "# service\n")
    story.commit("init", ANN, "2024-01-01")
    story.git("checkout", "-q", "-b", "feature", who=ANN, day="2024-01-10")
    story.write("config/settings.py", f"DEBUG = True\nGITHUB_TOKEN = '{TOKEN}'\n")
    story.commit("add", ANN, "2024-01-10")
    story.write("config/settings.py", f"DEBUG = False\nGITHUB_TOKEN = '{TOKEN}'\n")
    story.commit("edit", DEE, "2024-01-12")  # changes the file, keeps the token: not an introduction
    story.write("deploy/token.txt", f"token: {TOKEN}\n")
    story.commit("copy", BOB, "2024-01-15")
    story.git("checkout", "-q", "main", who=CY, day="2024-02-01")
    story.git("merge", "-q", "--no-ff", "feature", "-m", "merge feature", who=CY, day="2024-02-01")
    story.commits["merge"] = story.git("rev-parse", "HEAD").strip()
    story.git("branch", "release/1.0", who=CY, day="2024-02-01")
    story.git("tag", "v1.0", who=CY, day="2024-02-01")
    story.write("app/keys.py", f"KEY = '{SHORT_LIVED}'\n")
    story.commit("short-add", BOB, "2024-02-10")
    story.write("app/keys.py", "KEY = os.environ['KEY']\n")
    story.commit("short-remove", CY, "2024-02-20")
    story.write("config/settings.py", "DEBUG = False\nGITHUB_TOKEN = os.environ['GITHUB_TOKEN']\n")
    story.git("rm", "-q", "deploy/token.txt", who=DEE, day="2024-03-01")
    story.commit("remove", DEE, "2024-03-01")
    story.git("checkout", "-q", "release/1.0", who=ANN, day="2024-03-05")
    story.write("CHANGELOG.md", "1.0.1: a fix\n")
    story.commit("release-fix", ANN, "2024-03-05")
    story.git("checkout", "-q", "main", who=EVE, day="2024-05-01")
    story.write("scripts/publish.py", f"TOKEN = '{TOKEN}'\n")
    story.commit("re-add", EVE, "2024-05-01")
    story.git("rm", "-q", "scripts/publish.py", who=DEE, day="2024-05-11")
    story.commit("remove-again", DEE, "2024-05-11")
    return story


def add_dropped_by_merge(story: Story) -> None:
    """DROPPED on branch side (2024-05-20, Bob), merged into main with the file left out (2024-05-21,
    Cy); the side branch is then deleted, so only main's history holds it."""
    story.git("checkout", "-q", "-b", "side", who=BOB, day="2024-05-20")
    story.write("side/key.py", f"K = '{DROPPED}'\n")
    story.commit("side-add", BOB, "2024-05-20")
    story.git("checkout", "-q", "main", who=CY, day="2024-05-21")
    story.git("merge", "-q", "--no-ff", "--no-commit", "side", who=CY, day="2024-05-21")
    story.git("rm", "-q", "-f", "side/key.py", who=CY, day="2024-05-21")
    story.commit("side-merge", CY, "2024-05-21", "merge side without its key")
    story.git("branch", "-q", "-D", "side", who=CY, day="2024-05-21")


HOSTILE_PATH = "ops/x|y`z<script>alert(1)</script>.py"  # the `/` of `</script>` makes a directory
HOSTILE_BRANCH = "<script>alert(2)<"
HOSTILE_AUTHOR = ("Mallory *[x](javascript:alert(3))* | <b>", "m@example.com")
FORMULA_PATH = "=HYPERLINK(1).py"


def build_hostile(root: Path) -> Story:
    """Repository-controlled strings that would be markup, Markdown or a spreadsheet formula if they
    were not escaped: a path holding `<script>`, `|` and a backtick, a branch named `<script>...`, an
    author name with Markdown, a path starting with `=`. Each holds TOKEN."""
    root.mkdir(parents=True, exist_ok=True)
    story = Story(root)
    story.git("init", "-q", "-b", "main")
    story.write(HOSTILE_PATH, f"t = '{TOKEN}'\n")
    story.write(FORMULA_PATH, f"u = '{SHORT_LIVED}'\n")
    story.commit("hostile", HOSTILE_AUTHOR, "2024-03-01", "add <script>alert(4)</script>")
    story.git("branch", HOSTILE_BRANCH, who=ANN, day="2024-03-02")
    return story
