"""A local stand-in for Slack, for the demo, the tests and the benchmarks.

`FakeSlackApi` is a Web API server on loopback that records every call and can be told to fail;
`Workspace` plays Slack's other side: people typing commands, clicking buttons and submitting modals,
sent to the app as signed HTTP requests.
"""

from bot.simulator.webapi import FakeSlackApi, SlackCall
from bot.simulator.workspace import Workspace

__all__ = ["FakeSlackApi", "SlackCall", "Workspace"]
