"""The live server's guards, as ASGI middleware and small helpers: a per-client rate limit, a request body limit,
the allowed ``Host`` names, security headers with a Content-Security-Policy that allows no inline script, and
CSRF tokens for every form.

Each is kept small and standard: the OWASP Cheat Sheet Series (Cross-Site Request Forgery Prevention: the signed
double-submit cookie; HTTP Security Response Headers) describes the patterns.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
import secrets
import socket
import time

__all__ = ["RateLimit", "BodyLimit", "HostCheck", "SecurityHeaders", "csp_for", "csrf_token", "check_csrf",
           "new_cookie_value", "local_names", "CSRF_COOKIE", "CSRF_FIELD"]

CSRF_COOKIE = "ar_csrf"
CSRF_FIELD = "csrf"


def _plain(status: int, text: str, headers=()) -> list:
    return [{"type": "http.response.start", "status": status,
             "headers": [(b"content-type", b"text/plain; charset=utf-8"), *headers]},
            {"type": "http.response.body", "body": text.encode("utf-8")}]


async def _send_all(send, messages) -> None:
    for message in messages:
        await send(message)


class RateLimit:
    """A token bucket per client address: ``burst`` requests at once, refilled at ``per_second``; beyond it,
    429 with ``Retry-After``. A room's phones each have their own address on its network, so one phone that
    misbehaves (or a script) is slowed without slowing the others."""

    def __init__(self, app, *, per_second: float = 10.0, burst: int = 120, max_clients: int = 10000):
        self.app, self.rate, self.burst, self.max_clients = app, float(per_second), float(burst), max_clients
        self.buckets: dict[str, tuple[float, float]] = {}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("?", 0))[0]
        now = time.monotonic()
        tokens, last = self.buckets.get(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self.buckets[client] = (tokens, now)
            wait = max(1, round((1 - tokens) / self.rate))
            return await _send_all(send, _plain(429, "Too many requests: wait a moment and try again.\n",
                                                [(b"retry-after", str(wait).encode())]))
        if len(self.buckets) >= self.max_clients and client not in self.buckets:
            # forget the fullest buckets (clients idle long enough to have refilled) rather than grow for ever
            self.buckets = {c: b for c, b in self.buckets.items() if b[0] < self.burst - 1}
        self.buckets[client] = (tokens - 1, now)
        return await self.app(scope, receive, send)


class BodyLimit:
    """Refuse a request body over ``max_bytes`` with 413, whether it says its length or streams it."""

    def __init__(self, app, *, max_bytes: int = 64 * 1024):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                return await _send_all(send, _plain(400, "Bad Content-Length.\n"))
            if int(length) > self.max_bytes:
                return await _send_all(send, _plain(413, "The request is too large.\n"))
        seen = 0
        started = False

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_all(send, _plain(413, "The request is too large.\n"))


class _TooLarge(Exception):
    pass


def local_names() -> set[str]:
    """The names this machine answers to besides IP addresses: ``localhost``, its host name (and ``.local``)."""
    names = {"localhost"}
    try:
        host = socket.gethostname().lower()
        names |= {host, f"{host}.local", host.split(".")[0]}
    except OSError:  # pragma: no cover
        pass
    return names


class HostCheck:
    """Answer only requests addressed to an IP address or a name of this machine: a web page elsewhere cannot
    point its own domain name at this server (DNS rebinding) and read or post to it from the browsers in the
    room."""

    def __init__(self, app, *, names: set[str] | None = None):
        self.app, self.names = app, {n.lower() for n in (names if names is not None else local_names())}

    def allowed(self, host: str) -> bool:
        host = host.strip().lower()
        if host.startswith("["):  # [v6]:port
            host = host[1:host.find("]")] if "]" in host else host
        elif host.count(":") == 1:
            host = host.split(":")[0]
        try:
            ipaddress.ip_address(host)
            return True
        except ValueError:
            return host in self.names

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            if not self.allowed(host):
                return await _send_all(send, _plain(400, "Unknown host name: use the address the server printed.\n"))
        return await self.app(scope, receive, send)


_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S)
_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def csp_for(html: str | None, *, frame_ancestors: str = "'none'") -> str:
    """The Content-Security-Policy of a page: scripts only from this server's own files (no inline script, no
    ``eval``), styles from its files plus the exact inline style the page carries (by hash, as the report's
    pages keep their style inline to open offline), images from itself, forms posting only to itself."""
    styles = ["'self'"]
    if html:
        styles += sorted({_sha(s) for s in _STYLE_BLOCK.findall(html)})
        attrs = sorted({_sha(s) for s in _STYLE_ATTR.findall(html)})
        if attrs:
            styles += ["'unsafe-hashes'", *attrs]
    return ("default-src 'none'; script-src 'self'; style-src " + " ".join(styles) + "; img-src 'self'; "
            "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors " + frame_ancestors)


class SecurityHeaders:
    """Headers on every response: nothing cached (answers and results change), no sniffing of content types, no
    framing, no referrer (the facilitator's address holds its secret), and a strict CSP on whatever does not set
    its own."""

    HEADERS = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
               (b"referrer-policy", b"no-referrer"), (b"cross-origin-opener-policy", b"same-origin"),
               (b"cross-origin-resource-policy", b"same-origin"),
               (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {k.lower() for k, _ in headers}
                headers += [h for h in self.HEADERS if h[0] not in names]
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", csp_for(None).encode()))
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        return await self.app(scope, receive, with_headers)


def csrf_token(key: bytes, cookie: str) -> str:
    """The form token for a browser's CSRF cookie: an HMAC of it, so that a token cannot be made without the
    server's key, and a page elsewhere that cannot read the cookie cannot post a valid form."""
    return hmac.new(key, cookie.encode("utf-8"), hashlib.sha256).hexdigest()[:40]


def check_csrf(key: bytes, cookie: str | None, token: str | None) -> bool:
    if not cookie or not token or len(cookie) > 100 or len(token) > 100:
        return False
    return hmac.compare_digest(csrf_token(key, cookie), token)


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)
