"""Use cases: each takes a session (and plain values), returns plain data, and never talks to Slack."""
