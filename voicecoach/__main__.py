"""``python -m voicecoach``: the same as the ``voicecoach`` command."""

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while starting up: nothing was written yet
    raise SystemExit(130) from None

main()
