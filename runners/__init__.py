"""Command-line programs: ``selfplay train``, ``selfplay plot`` and ``selfplay demo``."""
