"""Listeners grouped by Slack surface; each module has one `register(app, ctx)`."""
