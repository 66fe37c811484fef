"""Signed webhooks: what a webhook matches, its delivery outbox and the background deliverer."""
