"""The PostgreSQL engine: several daemons, on several hosts, sharing one database."""
