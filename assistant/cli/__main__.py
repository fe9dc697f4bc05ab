"""``python -m assistant.cli``: the same entry point as the ``assistant`` console script."""

from . import main

main()
