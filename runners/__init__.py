"""Command-line programs: ``selfplay train``, ``plot`` and ``demo``."""
