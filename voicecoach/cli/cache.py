"""``voicecoach cache``: how big the clip cache is, and making it smaller.

The cache keeps itself under its limit (``$VOICECOACH_CACHE_MAX``, 1 GiB by default) after
every build; these commands show it and prune or empty it by hand.
"""

from __future__ import annotations

from pathlib import Path

import click


def _size(n: int) -> str:
    """Bytes as a person reads them: 512 B, 3.4 MB, 1.2 GB."""
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def _root() -> Path:
    from ..speech.clipkeys import default_cache_dir

    return default_cache_dir()


@click.group()
def cache() -> None:
    """Show the clip cache's size, or prune or clear it.

    Spoken lines and their levelled copies are cached so that rebuilding is fast. After
    each build the cache is pruned, least recently used first, to stay under its limit:
    $VOICECOACH_CACHE_MAX (such as 500M or 2G; off for no limit), 1 GiB by default.
    Lines used in the last hour are kept, since a running build may still read them.

    \b
    Example:
      voicecoach cache size
      VOICECOACH_CACHE_MAX=300M voicecoach cache prune
    """


@cache.command()
def size() -> None:
    """Print where the cache is, what it holds and its limit.

    \b
    Example:
      voicecoach cache size
    """
    from ..speech.cachesize import LIMIT_ENV, cache_limit, usage

    found = usage(_root())
    limit = cache_limit()
    click.echo(f"cache:        {found.root}")
    click.echo(f"spoken lines: {found.clips[0]} files, {_size(found.clips[1])}")
    click.echo(f"levelled:     {found.levels[0]} files, {_size(found.levels[1])}")
    click.echo(f"calibrations: {found.calibrations[0]} files, {_size(found.calibrations[1])}")
    click.echo(f"total:        {found.files} files, {_size(found.bytes)}")
    shown = "none" if limit is None else _size(limit)
    click.echo(f"limit:        {shown} (set ${LIMIT_ENV} to change it)")


@cache.command()
@click.option("--max-size", metavar="SIZE",
              help="Prune to this size (such as 200M) [the cache's limit].")  # fmt: skip
def prune(max_size: str | None) -> None:
    """Remove the least recently used entries until the cache is under its limit.

    Entries used in the last hour stay: a build running now may still read them.

    \b
    Example:
      voicecoach cache prune --max-size 200M
    """
    from ..speech.cachesize import cache_limit, parse_size
    from ..speech.cachesize import prune as prune_cache

    limit = parse_size(max_size) if max_size is not None else cache_limit()
    if limit is None:
        click.echo("the cache has no limit (VOICECOACH_CACHE_MAX=off); pass --max-size")
        return
    done = prune_cache(_root(), limit)
    click.echo(f"removed {done.removed} files ({_size(done.freed_bytes)}); "
               f"{_size(done.before_bytes)} -> {_size(done.after_bytes)}")  # fmt: skip
    if done.after_bytes > limit:
        click.echo("the rest was used in the last hour and is kept", err=True)


@cache.command()
def clear() -> None:
    """Remove every cached line, levelled copy and voice calibration.

    The next build synthesizes every line again. Clear it while no build runs: a build
    that reads a line just removed stops with an error and can simply be run again.

    \b
    Example:
      voicecoach cache clear
    """
    from ..speech.cachesize import prune as prune_cache

    done = prune_cache(_root(), 0, grace_s=0)
    click.echo(f"removed {done.removed} files ({_size(done.freed_bytes)})")
