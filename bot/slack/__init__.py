"""The Slack side: pacing calls under the rate limits (pacing), what failures mean (errors), the Web API (gateway)."""
