"""The SQLite store: schema and migrations, the group-commit writer, and the queries."""
