"""``python -m voicecoach``: the same as the ``voicecoach`` command."""

from .cli import main

main()
