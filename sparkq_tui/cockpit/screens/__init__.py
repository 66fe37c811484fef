"""The cockpit's screens and dialogs, one per module."""
