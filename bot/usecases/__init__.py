"""Use cases: each owns its unit of work (the session) and its side effects through the Slack gateway."""
