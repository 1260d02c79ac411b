"""The request plumbing of lms/web.py: Flask's session cookies, Socket.IO's path."""

from flask import request
from flask.sessions import SecureCookieSessionInterface


def test_session_cookies_are_flasks_own(app, client):
    # A cookie signed the way Flask signs it is read back; a tampered one is not.
    cookie = SecureCookieSessionInterface().get_signing_serializer(app).dumps({"locale": "en"})
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        assert app.session_interface.open_session(app, request)["locale"] == "en"
    client.set_cookie("session", cookie)
    assert 'lang="en"' in client.get("/login").get_data(as_text=True)
    client.set_cookie("session", cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))
    assert 'lang="vi"' in client.get("/login").get_data(as_text=True)


def test_the_signing_serializer_follows_the_secret_key(app):
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    app.secret_key = "another-secret-key-of-enough-length-0123456789"
    assert interface.get_signing_serializer(app) is not first


def test_socketio_requests_still_reach_engineio(client, auth, world):
    # The Engine.IO handshake answers on its own path; pages do not pass through its middleware.
    # It takes only a signed-in browser (lms/live/transport.py).
    assert client.get("/socket.io/?EIO=4&transport=polling").status_code == 401
    auth.login("hv.mai")
    handshake = client.get("/socket.io/?EIO=4&transport=polling")
    assert handshake.status_code == 200 and handshake.get_data(as_text=True).startswith("0{")
    assert client.get("/healthz").get_json() == {"status": "ok"}
