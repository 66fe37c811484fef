"""Pure policies: decisions computed from values, with no store and no clock of their own."""
