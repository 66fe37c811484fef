"""The cockpit: the Textual App (``app.py``), its one table of actions (``actions.py``), what
the actions do (``operations.py``), its screens and widgets. Only ``sparkq`` with no command
imports it, so the CLI commands never load Textual."""
