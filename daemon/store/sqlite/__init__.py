"""The embedded SQLite engine: one daemon per database file.

Its limits, stated up front: one daemon opens a file (a lock file proves it), so several
hosts cannot share it; one writer applies every write in group commits; a waiting claim is
served inside the transaction that made a task claimable (standing claims)."""
