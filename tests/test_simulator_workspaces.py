"""The simulated Slack as many workspaces: each token opens one team and nothing of another; tokens unknown, revoked
or expired are refused as Slack refuses them; oauth.v2.access checks what real Slack checks, with token rotation;
the authorize page issues a code for the team and person chosen; uninstalling revokes and tells the app, signed."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from bot.simulator import FakeSlackApi
from bot.simulator.webapi import TOKEN
from tests.manifest_usage import SLACK_USAGE

REDIRECT = "https://touchpoint.example.com/slack/oauth_redirect"


@pytest.fixture
def cloud() -> Iterator[FakeSlackApi]:
    api = FakeSlackApi("T0SIMULATED", usage=SLACK_USAGE)
    api.add_user("U0LENA", "Lena Park")
    api.add_channel("C0LDTEAM")
    api.cloud.app.redirect_urls = (REDIRECT,)
    other = api.add_workspace("T0OTHER", name="Other Co")
    other.add_user("U0ANA", "Ana Lima")
    other.add_channel("C0OTHERLD")
    with api:
        yield api


def _client(api: FakeSlackApi, token: str = "") -> WebClient:
    return WebClient(token=token or None, base_url=api.url)


def _install(api: FakeSlackApi, team_id: str, user_id: str, *, state: str = "s1") -> dict:
    """The person clicking Allow on the authorize page, then the app exchanging the code."""
    query = {"client_id": api.cloud.app.client_id, "redirect_uri": REDIRECT, "state": state}
    status, location = api.authorize(query, team_id=team_id, user_id=user_id)
    assert status == 302
    sent = parse_qs(urlparse(location).query)
    assert sent["state"] == [state] and location.startswith(REDIRECT + "?")
    app = api.cloud.app
    response = _client(api).oauth_v2_access(
        client_id=app.client_id, client_secret=app.client_secret, code=sent["code"][0], redirect_uri=REDIRECT
    )
    assert isinstance(response.data, dict)
    return response.data


def test_a_token_opens_its_own_workspace_only(cloud):
    installed = _install(cloud, "T0OTHER", "U0ANA")
    other = cloud.workspace("T0OTHER")
    theirs = _client(cloud, installed["access_token"])
    assert theirs.auth_test()["team_id"] == "T0OTHER"
    assert _client(cloud, TOKEN).auth_test()["team_id"] == "T0SIMULATED"
    assert installed["team"] == {"id": "T0OTHER", "name": "Other Co"} and installed["authed_user"]["id"] == "U0ANA"

    with pytest.raises(SlackApiError) as refused:
        theirs.users_info(user="U0LENA")  # a person of the other workspace
    assert refused.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as refused:
        theirs.chat_postMessage(channel="C0LDTEAM", text="hello")
    assert refused.value.response["error"] == "channel_not_found"
    theirs.chat_postMessage(channel="U0ANA", text="hello")
    theirs.views_publish(user_id="U0ANA", view={"type": "home", "blocks": []})

    assert [m.text for m in other.messages] == ["hello"] and cloud.messages == []
    assert other.home_of("U0ANA") is not None and cloud.homes == {}
    assert {c.method for c in cloud.calls} == {"auth.test", "oauth.v2.access"}
    assert "chat.postMessage" in {c.method for c in other.calls}


def test_an_unknown_token_is_invalid_auth(cloud):
    with pytest.raises(SlackApiError) as refused:
        _client(cloud, "xoxb-nobody").auth_test()
    assert refused.value.response["error"] == "invalid_auth"


def test_the_code_is_checked_as_slack_checks_it(cloud):
    app = cloud.cloud.app
    code = cloud.cloud.authorize("T0OTHER", "U0ANA", REDIRECT)
    client = _client(cloud)

    def error(**args) -> str:
        with pytest.raises(SlackApiError) as refused:
            client.oauth_v2_access(**{"client_id": app.client_id, "client_secret": app.client_secret, **args})
        return refused.value.response["error"]

    assert error(code=code, client_id="9.9") == "invalid_client_id"
    assert error(code=code, client_secret="wrong") == "bad_client_secret"
    assert error(code=code, redirect_uri="https://elsewhere.example.com/") == "bad_redirect_uri"
    assert error(code="nonsense", redirect_uri=REDIRECT) == "invalid_code"
    client.oauth_v2_access(client_id=app.client_id, client_secret=app.client_secret, code=code, redirect_uri=REDIRECT)
    assert error(code=code, redirect_uri=REDIRECT) == "invalid_code"  # used once only


def test_the_authorize_page_redirects_with_a_code_over_http(cloud):
    query = urlencode(
        {"client_id": cloud.cloud.app.client_id, "redirect_uri": REDIRECT, "state": "xyz", "team": "T0OTHER"}
    )
    page = cloud.url.replace("/api/", "/oauth/v2/authorize?") + query + "&user=U0ANA"

    class NoFollow(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    with pytest.raises(urllib.error.HTTPError) as redirected:
        urllib.request.build_opener(NoFollow).open(page, timeout=5)
    location = redirected.value.headers["Location"]
    assert redirected.value.code == 302 and parse_qs(urlparse(location).query)["state"] == ["xyz"]
    status, error = cloud.authorize(
        {"client_id": cloud.cloud.app.client_id, "redirect_uri": "https://evil.example.com/"},
        team_id="T0OTHER",
        user_id="U0ANA",
    )
    assert (status, error) == (400, "bad_redirect_uri")


def test_rotation_expires_tokens_and_refreshes_them_until_revoked(cloud):
    cloud.cloud.app.rotation = True
    installed = _install(cloud, "T0OTHER", "U0ANA")
    assert installed["expires_in"] == 43200 and installed["refresh_token"].startswith("xoxe-")
    cloud.cloud.expire(installed["access_token"])
    with pytest.raises(SlackApiError) as refused:
        _client(cloud, installed["access_token"]).auth_test()
    assert refused.value.response["error"] == "token_expired"

    app = cloud.cloud.app
    refreshed = _client(cloud).oauth_v2_access(
        client_id=app.client_id,
        client_secret=app.client_secret,
        grant_type="refresh_token",
        refresh_token=installed["refresh_token"],
    )
    assert _client(cloud, refreshed["access_token"]).auth_test()["team_id"] == "T0OTHER"
    cloud.cloud.revoke("T0OTHER")
    with pytest.raises(SlackApiError) as refused:
        _client(cloud).oauth_v2_access(
            client_id=app.client_id,
            client_secret=app.client_secret,
            grant_type="refresh_token",
            refresh_token=installed["refresh_token"],
        )
    assert refused.value.response["error"] == "invalid_refresh_token"


class _Receiver:
    """The app's events URL: keeps each body whose Slack signature is right."""

    def __init__(self, secret: str) -> None:
        self.bodies: list[dict] = []
        verifier = SignatureVerifier(secret)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                ok = verifier.is_valid_request(body, dict(self.headers))
                if ok:
                    outer.bodies.append(json.loads(body))
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slack/events"


def test_uninstalling_revokes_the_tokens_and_tells_the_app_signed(cloud):
    receiver = _Receiver("app-secret")
    cloud.cloud.app.events_url, cloud.cloud.app.signing_secret = receiver.url, "app-secret"
    token = _install(cloud, "T0OTHER", "U0ANA")["access_token"]
    try:
        app = cloud.cloud.app
        _client(cloud, token).apps_uninstall(client_id=app.client_id, client_secret=app.client_secret)
        cloud.wait_for(lambda: len(receiver.bodies) == 2)
    finally:
        receiver.server.shutdown()
    assert [(b["team_id"], b["event"]["type"]) for b in receiver.bodies] == [
        ("T0OTHER", "tokens_revoked"),
        ("T0OTHER", "app_uninstalled"),
    ]
    with pytest.raises(SlackApiError) as refused:
        _client(cloud, token).auth_test()
    assert refused.value.response["error"] == "token_revoked"
    assert _client(cloud, TOKEN).auth_test()["ok"]  # the other workspace is untouched
