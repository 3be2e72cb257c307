"""``voicecoach checkins``: what clients sent back from their share pages.

``import`` puts check-in files into the database beside the share folders (each file all
or nothing; a refused file is named with its reason and the exit code is 2); ``list``
prints what is known, as a table, JSON or CSV.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import click

#: Where ``voicecoach share`` puts share folders, and so the check-in database.
DEFAULT_FOLDER = Path("output") / "share"

folder_option = click.option(
    "--folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_FOLDER,
    show_default=True,
    help="The folder holding the share folders and the check-in database.",
)


@click.group()
def checkins() -> None:
    """Check-ins sent back by clients: pain, difficulty and notes per session done.

    A share page asks after each session and makes a signed file when the client taps
    "Send to my therapist"; import the files here (or drop them on the studio).

    \b
    Example:
      voicecoach checkins import ~/Downloads/checkin-Ana-2026-12-04.txt
      voicecoach checkins list --client Ana
    """


@checkins.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))  # fmt: skip
@folder_option
def import_(files: tuple[Path, ...], folder: Path) -> None:
    """Import check-in files; a file imported before changes nothing.

    A file over 1 MB, malformed, for a share not made here, or edited since the page
    signed it is refused with its reason and nothing of it is stored (exit 2); the
    others are imported.

    \b
    Example:
      voicecoach checkins import checkin-Ana-2026-12-04.txt checkin-Ben-2026-12-05.txt
      voicecoach checkins import --folder clinic/output/share ~/Downloads/checkin-*.txt
    """
    from ..checkins import Store, import_files

    result = import_files(Store(folder), list(files))
    for o in result.outcomes:
        if o.status == "refused":
            click.echo(f"refused {o.name}: {o.reason}: {o.detail}", err=True)
        elif o.status == "already":
            click.echo(f"already imported {o.name} (nothing changed)")
        else:
            plural = "" if o.sessions == 1 else "s"
            click.echo(f"imported {o.name}: {o.client or 'client'}, {o.sessions} session{plural}")
    if result.refused:
        raise click.exceptions.Exit(2)


@checkins.command("list")
@click.option("--client", help="Only this client (any case).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: shares and sessions.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV: one row per session.")
@folder_option
def list_(client: str | None, as_json: bool, as_csv: bool, folder: Path) -> None:
    """Print the shares made here and the sessions clients sent back.

    \b
    Example:
      voicecoach checkins list
      voicecoach checkins list --client Ana --csv > ana.csv
    """
    from ..checkins import Store

    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    store = Store(folder)
    shares = store.shares(client)
    sessions = store.sessions(client)
    if as_json:
        body = {
            "shares": [vars(s) for s in shares],
            "sessions": [vars(s) for s in sessions],
        }
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    if as_csv:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["client", "routine", "share", "done", "pain", "difficulty", "note"])
        for r in sessions:
            pain = "" if r.pain is None else r.pain
            writer.writerow([_cell(r.client), r.routine, r.share_id, r.done, pain,
                             r.difficulty or "", _cell(r.note)])  # fmt: skip
        sys.stdout.write(out.getvalue())
        return
    if not shares:
        who = f" for {client}" if client else ""
        click.echo(f"no shares{who} in {folder} yet; make one with `voicecoach share`")
        return
    for s in shares:
        done = [r for r in sessions if r.share_id == s.share_id]
        plural = "" if len(done) == 1 else "s"
        click.echo(f"{s.client or '(no client)'}  {s.routine}  shared {s.created[:10]}  "
                   f"share {s.share_id}  {len(done)} session{plural}")  # fmt: skip
        for r in done:
            pain = "-" if r.pain is None else f"{r.pain}/10"
            note = f"  {r.note}" if r.note else ""
            click.echo(f"  {r.done}  pain {pain:<5}  {r.difficulty or '-':<5}{note}")


def _cell(text: str) -> str:
    """A client's own words as a spreadsheet cell: text never read as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
