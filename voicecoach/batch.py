"""``batch``: one personalised session per row of a clients CSV, in parallel.

Rows share the clip cache, so a phrase common to a hundred clients is synthesized once.
A bad row is reported with its number and reason while every other row is still built;
outputs that are already up to date are skipped. Rows run in a local process pool or,
with ``executor="dask"``, on a Dask distributed cluster (the ``cluster`` extra).

Every path is made absolute here, on the submitting side, before a row leaves: a worker
started in another folder (or on another machine sharing the file system) reads and
writes exactly the files the user named. "Up to date" means the routine and row are
unchanged *and* every file the row wrote still has the size and SHA-256 recorded in the
manifest (``.voicecoach-batch.json`` in the output folder) when it was written. The
manifest is rewritten (atomically) as each row finishes, so a batch that is interrupted
or killed skips, when run again, every row it had finished.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from . import __version__
from .errors import UserError, VoicecoachError
from .files import slug, write_text_atomic
from .pipeline import BuildSettings, build, voice_of
from .routine import check_client_name, parse_duration, resolve

COLUMNS = ("client", "length", "voice", "rate", "format", "note", "output")
STATE_FILE = ".voicecoach-batch.json"
_MAX_NAME_CHARS = 100
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class BatchSettings:
    routine: str
    clients: Path
    out_dir: Path = Path("output")
    jobs: int | None = None
    executor: str = "local"
    scheduler: str | None = None
    cache_dir: Path | None = None
    engine: str | None = None
    use_cache: bool = True
    allow_paths: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Row:
    """One CSV row: its number (as a spreadsheet shows it) and build, or why not."""

    number: int
    name: str
    settings: BuildSettings | None
    error: str = ""
    #: The row builds a programme (``settings.routine`` is the programme file) into the
    #: folder ``settings.out``: one session per phase and the .ics.
    programme: bool = False


@dataclass(frozen=True)
class RowResult:
    number: int
    name: str
    status: str  # built, skipped, failed
    path: str = ""
    message: str = ""
    seconds: float = 0.0
    #: (file name, size in bytes, sha256) of every file the row wrote, audio first.
    files: tuple[tuple[str, int, str], ...] = ()


def read_rows(settings: BatchSettings) -> list[Row]:
    """Parses the CSV into per-row build settings; bad rows carry their reason.

    A programme file (``format: voicecoach/programme/1``) is checked once, up front: its
    errors stop the batch, located, before any row is built.
    """
    from .programme import is_programme, load_programme

    programme = Path(settings.routine).is_file() and is_programme(Path(settings.routine))
    if programme:
        load_programme(settings.routine)
    else:
        resolve(settings.routine)
    try:
        text = settings.clients.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UserError(
            f"cannot read {settings.clients}: {exc.strerror}", "check --clients"
        ) from None
    reader = csv.DictReader(text.splitlines())
    unknown = [c for c in reader.fieldnames or [] if c.strip() not in COLUMNS]
    if unknown:
        raise UserError(
            f"{settings.clients}: unknown column(s) {', '.join(unknown)}",
            f"columns: {', '.join(COLUMNS)}",
        )
    rows = []
    for number, record in enumerate(reader, start=2):
        values = {k.strip(): (v or "").strip() for k, v in record.items() if k}
        row = _row(number, values, settings)
        built = row.settings
        if programme and built is not None:
            if built.length_s is not None:
                row = Row(number, row.name, None, "a programme sets its length per phase; "
                          "leave the length column empty")  # fmt: skip
            else:
                out = settings.out_dir / row.name
                row = replace(row, settings=replace(built, out=out), programme=True)
        rows.append(row)
    if not rows:
        raise UserError(
            f"{settings.clients} has no rows", "add one line per client under the header"
        )
    return rows


def _row(number: int, values: dict[str, str], settings: BatchSettings) -> Row:
    client = values.get("client") or None
    if client:
        try:
            check_client_name(client)
        except UserError as exc:
            return Row(number, slug(client)[:40], None, exc.message)
    name = values.get("output") or (slug(client) if client else f"row-{number}")
    if len(name) > _MAX_NAME_CHARS:
        return Row(number, name[:40], None,
                   f"the output name is {len(name):,} characters long; at most "
                   f"{_MAX_NAME_CHARS}")  # fmt: skip
    fmt = values.get("format") or "mp3"
    if not _NAME_RE.match(name) or ".." in name:
        return Row(number, name, None, f"bad characters in the output name {name!r}")
    length_s = None
    if values.get("length"):
        length_s = parse_duration(values["length"])
        if not length_s:
            return Row(number, name, None, f"length {values['length']!r} is not a duration")
    rate = None
    if values.get("rate"):
        if not values["rate"].isdigit() or not 60 <= int(values["rate"]) <= 450:
            return Row(number, name, None, f"rate {values['rate']!r} is not 60-450")
        rate = int(values["rate"])
    out = settings.out_dir / f"{name}.{fmt}"
    build_settings = BuildSettings(
        routine=settings.routine,
        out=out,
        fmt=fmt,
        engine=settings.engine,
        voice=values.get("voice") or None,
        rate=rate,
        length_s=length_s,
        client=client,
        note=values.get("note") or None,
        jobs=1,
        use_cache=settings.use_cache,
        cache_dir=settings.cache_dir,
        allow_paths=settings.allow_paths,
    )
    return Row(number, name, build_settings)


def fingerprint(settings: BuildSettings) -> str:
    """Changes whenever the routine file (a programme and its routines), the row, the voice
    that speaks it (a natural voice installed since becomes the default) or voicecoach
    itself changes."""
    from .programme import is_programme, load_programme

    path = (
        resolve(settings.routine)
        if not Path(settings.routine).is_file()
        else Path(settings.routine)
    )
    routine = path.read_bytes()
    if is_programme(path):
        for phase in load_programme(path, check=False).phases:
            routine += resolve(phase.routine_ref).read_bytes()
    try:
        voice = asdict(voice_of(settings))
    except VoicecoachError:  # the build reports it
        voice = {}
    blob = json.dumps([__version__, asdict(settings), voice], default=str, sort_keys=True)
    return hashlib.sha256(routine + blob.encode()).hexdigest()


def file_digest(path: Path) -> tuple[int, str]:
    """The size in bytes and SHA-256 (hex) of a file, read in blocks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
            size += len(block)
    return size, digest.hexdigest()


def build_row(row: Row) -> RowResult:
    """Builds one row; never raises for a user or engine problem (it becomes the result).

    Runs where the row is built (a worker), so the sizes and hashes it returns are those
    of the files as written there.
    """
    started = time.perf_counter()
    if row.settings is None:
        return RowResult(row.number, row.name, "failed", message=row.error)
    try:
        if row.programme:
            return _build_programme_row(row, row.settings, started)
        result = build(row.settings)
    except VoicecoachError as exc:
        return RowResult(row.number, row.name, "failed", message=exc.format().split("\n")[0])
    files = tuple((p.name, *file_digest(p)) for p in (result.path, *result.sidecars))
    return RowResult(row.number, row.name, "built", str(result.path),
                     seconds=time.perf_counter() - started, files=files)  # fmt: skip


def _build_programme_row(row: Row, settings: BuildSettings, started: float) -> RowResult:
    """A programme row: its phases' sessions and the .ics, in the row's own folder."""
    from .programme import ProgrammeSettings, build_programme

    assert settings.out is not None
    folder = settings.out
    made = build_programme(
        ProgrammeSettings(Path(settings.routine), folder, replace(settings, out=None))
    )
    written = [p for s in made.sessions for p in (s.result.path, *s.result.sidecars)]
    files = tuple(
        (p.relative_to(folder.parent).as_posix(), *file_digest(p))
        for p in [*written, made.calendar]
    )
    return RowResult(row.number, row.name, "built", str(folder),
                     seconds=time.perf_counter() - started, files=files)  # fmt: skip


def absolute(settings: BatchSettings) -> BatchSettings:
    """Every path in ``settings`` made absolute against this process's working folder.

    A routine given by built-in id stays an id. ``..`` is folded but symlinks are kept,
    so the paths the summary shows are the ones the user would type.
    """
    from .speech import default_cache_dir

    def full(path: Path) -> Path:
        return Path(os.path.abspath(path))

    routine = settings.routine
    if Path(routine).is_file():
        routine = str(full(Path(routine)))
    return replace(
        settings,
        routine=routine,
        clients=full(settings.clients),
        out_dir=full(settings.out_dir),
        cache_dir=full(settings.cache_dir or default_cache_dir()),
        allow_paths=tuple(full(p) for p in settings.allow_paths),
    )


def _up_to_date(entry: object, fingerprint_hex: str, out_dir: Path) -> bool:
    """True when the manifest entry matches the row and every file it lists is unchanged."""
    if not isinstance(entry, dict) or entry.get("fingerprint") != fingerprint_hex:
        return False
    files = entry.get("files")
    if not isinstance(files, dict) or not files:
        return False
    for name, recorded in files.items():
        path = out_dir / str(name)
        if not isinstance(recorded, dict) or not path.is_file():
            return False
        if path.stat().st_size != recorded.get("size"):
            return False
        if file_digest(path) != (recorded.get("size"), recorded.get("sha256")):
            return False
    return True


def run_batch(
    settings: BatchSettings, progress: Callable[[RowResult, int], None] | None = None
) -> list[RowResult]:
    """Builds every row; returns one result per row in CSV order.

    ``progress`` is called once per row as it finishes, with the number of rows in all.
    """
    if settings.executor not in ("local", "dask"):
        raise UserError(f"unknown executor {settings.executor!r}", "use --executor local|dask")
    settings = absolute(settings)
    rows = [
        replace(r, settings=replace(r.settings, cache_dir=settings.cache_dir)) if r.settings else r
        for r in read_rows(settings)
    ]
    names = [r.name for r in rows]
    state_path = settings.out_dir / STATE_FILE
    state = _read_state(state_path)
    results: dict[int, RowResult] = {}
    todo = []
    for row in rows:
        if names.count(row.name) > 1:
            message = f"output name {row.name!r} is used twice"
            results[row.number] = RowResult(row.number, row.name, "failed", message=message)
        elif (
            row.settings
            and row.settings.out
            and _up_to_date(state.get(row.name), fingerprint(row.settings), settings.out_dir)
        ):
            results[row.number] = RowResult(row.number, row.name, "skipped",
                                            str(row.settings.out), "up to date")  # fmt: skip
        else:
            todo.append(row)
    for done in results.values():
        if progress:
            progress(done, len(rows))
    by_number = {row.number: row for row in rows}
    runner = _dask if settings.executor == "dask" else _local
    for result in runner(todo, settings):
        results[result.number] = result
        row_settings = by_number[result.number].settings
        if result.status == "built" and row_settings:
            # Recorded as each row finishes: an interrupted batch keeps what it built.
            state[result.name] = {
                "fingerprint": fingerprint(row_settings),
                "files": {name: {"size": size, "sha256": sha} for name, size, sha in result.files},
            }
            _write_state(state_path, state)
        if progress:
            progress(result, len(rows))
    return [results[r.number] for r in rows]


def _write_state(path: Path, state: dict[str, object]) -> None:
    """Writes the manifest atomically: a kill leaves the old one or the new one, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, json.dumps(state, indent=2, sort_keys=True) + "\n")


def _read_state(path: Path) -> dict[str, object]:
    """The manifest; anything unreadable (or an older format) counts as empty."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): v for k, v in data.items()}
    except (OSError, ValueError, AttributeError):
        return {}


def _local(rows: list[Row], settings: BatchSettings) -> Iterator[RowResult]:
    if not rows:
        return
    workers = min(len(rows), settings.jobs or os.cpu_count() or 1)
    if workers == 1:
        yield from map(build_row, rows)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for future in as_completed([pool.submit(build_row, row) for row in rows]):
            yield future.result()


def _dask(rows: list[Row], settings: BatchSettings) -> Iterator[RowResult]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise UserError(
            "the dask executor needs the cluster extra",
            "pip install 'voicecoach[cluster]', or use --executor local",
        ) from None
    if not rows:
        return
    if settings.scheduler:
        client = Client(settings.scheduler)
        cluster = None
    else:
        cluster = LocalCluster(
            n_workers=settings.jobs or 2, threads_per_worker=1, processes=True,
            dashboard_address=None,
        )  # fmt: skip
        client = Client(cluster)
    try:
        futures = client.map(build_row, rows, pure=False)
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
