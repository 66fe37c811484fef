"""Theme files shipped with the cockpit (YAML, one Textual theme per file)."""
