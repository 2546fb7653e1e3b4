"""`spillguard baseline merge`: git's merge driver for the baseline file (`%O %A %B`), and the way out of
a merge that left the file with conflict markers (the three versions are read from git's index)."""

from __future__ import annotations

from pathlib import Path

import click

from scanner.baseline.format import Baseline, load, parse, save
from scanner.baseline.match import consistent
from scanner.baseline.merge import merge
from scanner.cli.options import baseline_option
from scanner.errors import BaselineError
from scanner.reporters.text import printable

DRIVER = "spillguard-baseline"  # the merge driver's name in .gitattributes and git config


def _from_index(baseline_path: str) -> tuple[Baseline | None, Baseline, Baseline]:
    from scanner.sources.git import conflict_stages, open_repo, work_tree

    repo = open_repo(Path.cwd())
    root = work_tree(repo) or Path.cwd()
    try:
        relative = Path(baseline_path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise BaselineError(f"{baseline_path}: not inside the work tree {root}") from None
    stages = conflict_stages(repo, relative)
    if stages is None:
        raise BaselineError(
            f"{baseline_path}: git records no merge conflict on it; to merge two baseline files, "
            "name them: spillguard baseline merge BASE OURS THEIRS"
        )
    ancestor, ours, theirs = stages
    if ours is None or theirs is None:
        raise BaselineError(f"{baseline_path}: deleted on one side of the merge; keep or delete it with git")

    def version(data: bytes, side: str) -> Baseline:
        return parse(data.decode("utf-8", "replace"), f"{baseline_path} ({side})", consistent)

    base = None if ancestor is None else version(ancestor, "common ancestor")
    return base, version(ours, "ours"), version(theirs, "theirs")


def _read_base(path: Path) -> Baseline | None:
    """The common ancestor: git passes an empty file when it had no baseline."""
    try:
        empty = path.stat().st_size == 0
    except OSError:
        empty = False  # load() names the problem
    return None if empty else load(path, consistent)


@click.command("merge")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False), metavar="[BASE OURS THEIRS]")
@baseline_option()
def merge_cmd(files: tuple[str, ...], baseline_path: str) -> int:
    """Merge two branches' baselines entry by entry. As git's merge driver (`spillguard baseline merge %O
    %A %B`, see `spillguard install-hook --merge-driver`): BASE is the common ancestor's file, the result
    is written over OURS. Without files, during a merge that left the baseline conflicted: merge the
    versions git's index holds and write the baseline (-b). Exit 0 merged, 1 entries reviewed
    differently on the two sides (ours kept, each listed), 2 a file that is not a baseline."""
    if files and len(files) != 3:
        raise click.UsageError("give the three files BASE OURS THEIRS (git's %O %A %B), or none")
    if files:
        target = Path(files[1])
        base, ours, theirs = (
            _read_base(Path(files[0])),
            load(target, consistent),
            load(Path(files[2]), consistent),
        )
    else:
        base, ours, theirs = _from_index(baseline_path)
        target = Path(baseline_path)
    merged = merge(base, ours, theirs)
    save(merged.baseline, target)
    for conflict in merged.conflicts:
        click.echo(f"spillguard: conflict: {printable(conflict)}", err=True)
    if not files:
        click.echo(
            f"merged {baseline_path}: {len(merged.baseline.entries)} entries; now `git add {baseline_path}`"
        )
    return 1 if merged.conflicts else 0
