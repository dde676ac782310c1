"""Tables, the engine and unit of work, queries and migrations. Knows nothing of Slack."""
