"""Use cases: each module owns one use case's unit of work (it opens the session, commits) and its Slack calls
through the gateway. A handler or a pass step calls one function here and does nothing else with either."""
