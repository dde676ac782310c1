"""`python -m bot`: serve Touchpoint (HTTP, or Socket Mode when SLACK_APP_TOKEN is set)."""

from bot.cli import main

raise SystemExit(main(["serve"]))
