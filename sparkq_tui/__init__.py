"""SparkQ's user side: the cockpit, the CLI, the runner and the clients.

Importing this package must stay cheap: the CLI and the clients never import Textual."""

__version__ = "0.1.0"
