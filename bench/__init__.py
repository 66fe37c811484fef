"""SparkQ benchmark suite: ``python bench/run.py [--quick] [--smoke] [--json]``."""
