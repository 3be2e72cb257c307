"""Stage 1 entry: check a routine's YAML text and return a ``Routine`` value.

This module reads the top of the file (format, id, voice, sounds, music, blocks...) and
hands ``sections`` to ``steps.py``. It keeps going after a problem and reports all of
them at once (``RoutineErrors``); nothing later in the pipeline sees an invalid routine.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from ..errors import RoutineErrors
from ..media import MAX_SOUND_S, MAX_SOUNDS, MAX_SOUNDS_TOTAL_S, audio_length_s, sound_too_long
from ..model import Music, Voice
from ..phrases import languages
from .durations import read_duration
from .nodes import Context, D, Invalid, T, did_you_mean, string_list
from .steps import BUILTIN_SOUNDS, Scope, parse_breathing, parse_sections
from .text import parse_text, read_title
from .values import Breathing, HandsFree, Routine, Text

FORMAT = "voicecoach/1"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

_ROOT_KEYS = (
    "format",
    "id",
    "title",
    "author",
    "description",
    "language",
    "seed",
    "gap",
    "lead_in",
    "voice",
    "breathing",
    "equipment",
    "intro",
    "outro",
    "safety",
    "sounds",
    "music",
    "blocks",
    "sections",
    "cues",
    "hands_free",
    "pronounce",
)
CUE_STYLES = ("spoken", "gentle")


def parse_routine(
    text: str,
    path: str = "<routine>",
    base_dir: Path | None = None,
    allow_paths: Sequence[Path] = (),
) -> Routine:
    """Check a routine's YAML text; ``path`` is only used in messages and for relative files."""
    ctx = Context(path, Path(base_dir or Path(path).parent), tuple(allow_paths))
    root = ctx.compose(text)
    routine = None
    if root is not None:
        with contextlib.suppress(Invalid):
            routine = _parse_root(ctx, root, str(base_dir or Path(path).parent))
    if ctx.errors or routine is None:
        raise RoutineErrors(ctx.sorted_errors())
    return routine


def _parse_root(ctx: Context, root: yaml.Node, base_dir: str) -> Routine:
    required = ("format", "id", "title", "sections")
    keys = ctx.mapping(root, "the routine", _ROOT_KEYS, required, partial=True)
    a = ctx.attempt

    def opt(key: str, fn: Callable[..., T], *args: Any, default: D) -> T | D:
        return a(fn, ctx, keys[key], *args, default=default) if key in keys else default

    fmt = opt("format", Context.string, "format", default=FORMAT)
    if fmt != FORMAT:
        ctx.error(keys["format"], f"unsupported format {fmt!r}", f"use `format: {FORMAT}`")
    rid = opt("id", Context.string, "id", default="routine")
    if "id" in keys and not ID_RE.match(rid):
        ctx.error(
            keys["id"],
            f"id {rid!r} must be lowercase letters, digits and '-'",
            "for example `id: hamstring-evening`",
        )

    title = opt("title", read_title, "title", default="")
    author = opt("author", Context.string, "author", default="")
    description = opt("description", Context.string, "description", default="")
    language = opt("language", Context.string, "language", default="en")
    if language not in languages():
        ctx.error(
            keys["language"],
            f"no cue phrases for language {language!r}",
            f"available languages: {', '.join(languages())}",
        )
    seed = opt("seed", Context.integer, "seed", 0, 2**31, default=0)
    gap_s = opt("gap", read_duration, "gap", 0.0, 60.0, default=1.0)
    lead_in_s = opt("lead_in", read_duration, "lead_in", 0.0, 60.0, default=5.0)
    voice = opt("voice", _parse_voice, default=Voice())
    breathing = opt("breathing", parse_breathing, Breathing(), default=Breathing())
    equipment = opt("equipment", string_list, "equipment", default=())
    intro = opt("intro", _parse_intro, default=None)
    outro = opt("outro", parse_text, "outro", (), default=None)
    safety_nodes = opt("safety", Context.sequence, "safety", default=[])
    safety = tuple(
        t
        for t in (a(parse_text, ctx, n, "safety note", (), default=None) for n in safety_nodes)
        if t
    )
    sounds = opt("sounds", _parse_sounds, default=())
    music = opt("music", _parse_music, default=None)
    blocks = opt("blocks", _parse_blocks, default={})
    cues = opt("cues", _choice, "cues", CUE_STYLES, default="spoken")
    hands_free = opt("hands_free", _parse_hands_free, default=HandsFree())
    pronounce = opt("pronounce", _parse_pronounce, default=())

    scope = Scope(
        blocks=blocks,
        sounds=BUILTIN_SOUNDS + tuple(name for name, _ in sounds),
        lead_in_s=lead_in_s,
        breathing=breathing,
        hands_free=hands_free,
    )
    sections = opt("sections", parse_sections, scope, default=())
    return Routine(
        id=rid,
        title=title,
        sections=sections,
        location=ctx.loc(root),
        author=author,
        description=description,
        language=language,
        seed=seed,
        gap_s=gap_s,
        voice=voice,
        breathing=breathing,
        equipment=equipment,
        intro=intro,
        outro=outro,
        safety=safety,
        sounds=sounds,
        music=music,
        base_dir=base_dir,
        cues=cues,
        hands_free=hands_free,
        pronounce=pronounce,
        file_locations=tuple(ctx.files.items()),
    )


def _parse_intro(ctx: Context, node: yaml.Node) -> Text:
    return parse_text(ctx, node, "intro", (), totals=True)


def _parse_pronounce(ctx: Context, node: yaml.Node) -> tuple[tuple[str, str], ...]:
    if not isinstance(node, yaml.MappingNode):
        raise ctx.error(
            node,
            "pronounce must map words to how they are said",
            'e.g. `pronounce: {piriformis: "peer-ih-FOR-miss"}`',
        )
    out = []
    for key_node, value_node in node.value:
        word = ctx.string(key_node, "word to pronounce")
        if not re.match(r"^[\w][\w' -]*$", word):
            raise ctx.error(
                key_node,
                f"pronounce: {word!r} is not a word or phrase",
                "use letters, spaces, hyphens and apostrophes only",
            )
        out.append((word, ctx.string(value_node, f"pronunciation of {word!r}")))
    return tuple(out)


def _choice(ctx: Context, node: yaml.Node, what: str, options: tuple[str, ...]) -> str:
    value = ctx.string(node, what)
    if value not in options:
        raise ctx.error(
            node,
            f"unknown {what} {value!r}{did_you_mean(value, options)}",
            f"use one of: {', '.join(options)}",
        )
    return value


def _parse_hands_free(ctx: Context, node: yaml.Node) -> HandsFree:
    names = {
        "max_silence": "max_silence_s",
        "lead_in": "lead_in_s",
        "halfway_from": "halfway_from_s",
        "countdown_from": "countdown_from_s",
        "check_in_from": "check_in_from_s",
    }
    keys = ctx.mapping(node, "hands_free", (*names, "words"))
    values = {
        names[key]: read_duration(ctx, value, f"hands_free {key}", 0.0, 3600.0)
        for key, value in keys.items()
        if key != "words"
    }
    words = ctx.boolean(keys["words"], "hands_free words") if "words" in keys else True
    return HandsFree(**values, words=words)


def _parse_voice(ctx: Context, node: yaml.Node) -> Voice:
    keys = ctx.mapping(node, "voice", ("engine", "name", "rate", "recordings"))
    default = Voice()
    return Voice(
        engine=ctx.string(keys["engine"], "voice engine") if "engine" in keys else default.engine,
        name=ctx.string(keys["name"], "voice name") if "name" in keys else default.name,
        rate=ctx.integer(keys["rate"], "voice rate", 60, 450) if "rate" in keys else default.rate,
        recordings=(
            ctx.folder_ref(keys["recordings"], "recordings folder")
            if "recordings" in keys
            else None
        ),
    )


def _parse_sounds(ctx: Context, node: yaml.Node) -> tuple[tuple[str, str], ...]:
    if not isinstance(node, yaml.MappingNode):
        raise ctx.error(
            node, "sounds must map sound names to files", "e.g. `sounds: {gong: gong.wav}`"
        )
    if len(node.value) > MAX_SOUNDS:
        raise ctx.error(
            node,
            f"{len(node.value)} sounds; a routine may name at most {MAX_SOUNDS} of its own",
            "use fewer sounds (the built-in ones do not count)",
        )
    out = []
    total_s = 0.0
    for key_node, value_node in node.value:
        name = ctx.string(key_node, "sound name")
        if not re.match(r"^[A-Za-z0-9_-]+$", name):
            raise ctx.error(
                key_node, f"sound name {name!r} may use letters, digits, '-' and '_'", "rename it"
            )
        path = ctx.file_ref(value_node, f"sound {name!r}")
        if not path.lower().endswith((".wav", ".mp3", ".ogg", ".flac")):
            raise ctx.error(
                value_node, f"sound {name!r}: {path!r} is not a wav/mp3/ogg/flac file", "convert it"
            )
        length_s = audio_length_s(ctx.base_dir / path, MAX_SOUND_S)
        total_s += length_s or 0.0
        if length_s is not None and length_s > MAX_SOUND_S:
            ctx.error(value_node, *sound_too_long(name, path))  # the name stays known
        elif total_s > MAX_SOUNDS_TOTAL_S:
            ctx.error(
                value_node,
                f"with {name!r} the routine's own sounds last {total_s:.0f} s; together they "
                f"may last at most {MAX_SOUNDS_TOTAL_S:g} s",
                "use shorter or fewer sounds; long audio goes under `music:`",
            )
        out.append((name, path))
    return tuple(out)


def _parse_music(ctx: Context, node: yaml.Node) -> Music:
    keys = ctx.mapping(node, "music", ("file", "volume"), required=("file",))
    volume = ctx.number(keys["volume"], "music volume (dB)", -60, 0) if "volume" in keys else -20
    return Music(ctx.file_ref(keys["file"], "music file"), float(volume))


def _parse_blocks(ctx: Context, node: yaml.Node) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        raise ctx.error(
            node,
            "blocks must map block names to step lists or sections",
            "see docs/routine-format.md",
        )
    out: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        name = ctx.string(key_node, "block name")
        if name in out:
            ctx.error(key_node, f"duplicate block {name!r}", "rename one of them")
        out[name] = value_node
    return out
