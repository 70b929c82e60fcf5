"""`deliberate import-polis DIR`: a Pol.is export folder into a new closed debate."""

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("import-polis")
@click.argument(
    "folder", type=click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path)
)
@click.option("--title", help="The debate's question (10 to 300 characters). Default: the topic.")
@click.option(
    "--organiser",
    metavar="EMAIL",
    help="The account that organises the debate. Default: the first admin, or else a "
    "dedicated account nobody can log in to.",
)
@with_appcontext
def import_polis_command(folder, title, organiser):
    """Import a Pol.is conversation export (comments.csv, participants-votes.csv, votes.csv,
    summary.csv) as a new, closed open-question debate. All or nothing: one transaction."""
    from .importer import PolisFormatError, run_import

    progress = _progress_line if sys.stderr.isatty() else None
    try:
        result = run_import(folder, title=title, organiser=organiser, progress=progress)
    except PolisFormatError as error:
        if progress:
            click.echo(err=True)
        raise click.ClickException(str(error)) from None
    if progress:
        click.echo(err=True)
    debate = result.debate
    source = (
        f"the latest of {result.vote_rows:,} rows of votes.csv"
        if result.votes_from == "votes.csv"
        else result.votes_from
    )
    click.echo(
        f"Imported {debate.motion!r} as /d/{debate.slug} in {result.seconds:.1f} s: "
        f"{result.statements:,} statements ({result.hidden:,} hidden, {result.unreviewed:,} "
        f"unreviewed), {result.participants:,} participants, {result.votes:,} votes "
        f"(from {source}); organiser {debate.organiser.pseudonym!r}."
    )
    if result.fidelity:
        click.echo(
            "Opinion groups: "
            + "; ".join(
                f"{name} Pol.is math reproduces the exported ones with adjusted Rand "
                f"{f.ari:.3f} ({f.groups[0]} groups for Pol.is's {f.groups[1]})"
                for name, f in result.fidelity.items()
            )
            + f". The report uses the {result.group_method.value} one."
        )
    if result.without_text:
        listed = ", ".join(
            f"{cid} ({length} character{'s' if length != 1 else ''})"
            for cid, length in result.without_text
        )
        click.echo(
            f"Kept without their text (Deliberate keeps 10 to 2,000 characters): "
            f"{len(result.without_text)} statements, comment-id {listed}."
        )


def _progress_line(stage: str, done: int, total: int) -> None:
    click.echo(f"\r{stage}: {done:,} / {total:,}\033[K", nl=False, err=True)
