"""``workshop serve``: analyse the library once, then run the live room's server with uvicorn, printing the
participants' address (with a QR code in the terminal) and the facilitator's secret link."""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path

__all__ = ["serve", "prepare", "addresses", "LOCALHOST"]

LOCALHOST = "127.0.0.1"


def addresses(host: str, port: int) -> list[str]:
    """The addresses participants can type: the host itself, or for a wildcard host (``0.0.0.0``, ``::``) this
    machine's address on the network it would use to reach others (found by asking the system for a route: no
    packet is sent)."""
    try:
        wildcard = ipaddress.ip_address(host).is_unspecified
    except ValueError:
        wildcard = False
    hosts = [host]
    if wildcard:
        hosts = []
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.connect(("10.255.255.255", 1))  # a UDP "connect" only picks a route
            hosts.append(probe.getsockname()[0])
        except OSError:
            pass
        finally:
            probe.close()
        hosts = [h for h in hosts if h != LOCALHOST] or [LOCALHOST]
    return [f"http://{f'[{h}]' if ':' in h else h}:{port}/" for h in hosts]


def prepare(room, *, library=None, framework=None, title=None, min_answers: int = 3, n_boot: int = 1000,
            random_state: int = 0, public_url: str | None = None, **options):
    """Load and analyse the library (once) and make the app for ``room``. Returns the Starlette app."""
    from ...analysis import analyse
    from ...library import load_library
    from ..room import check_min_answers
    from ..workbook import resolve_framework
    from .app import create_app

    k = check_min_answers(min_answers)
    fw = resolve_framework(framework, library)
    analysis = analyse(load_library(library, framework=fw), random_state=random_state, n_boot=n_boot)
    return create_app(room, analysis, title=title, min_answers=k, n_boot=n_boot, random_state=random_state,
                      public_url=public_url, **options)


def serve(room, *, library=None, framework=None, host: str = LOCALHOST, port: int = 8000, title=None,
          min_answers: int = 3, n_boot: int = 1000, random_state: int = 0, stream=None) -> None:
    """Run the live room until Ctrl-C. Binds to ``host`` (127.0.0.1 by default: only this computer can reach
    it); another host is said out loud, since then the room's network can reach the server."""
    import segno
    import uvicorn

    stream = stream or sys.stdout
    urls = addresses(host, port)
    print(f"Analysing the library (once) and opening the room in {Path(room).resolve()} ...", file=stream)
    app = prepare(room, library=library, framework=framework, title=title, min_answers=min_answers,
                  n_boot=n_boot, random_state=random_state, public_url=urls[0], worker=True)
    store = app.state.store
    print(f"\nRoom: {store.title} ({store.state}); answers are kept in {store.path}", file=stream)
    if host == LOCALHOST or host == "localhost" or host == "::1":
        print(f"Listening on {host} only: this computer can reach the room, no other device can. To let the "
              f"room's phones in, start it with --host 0.0.0.0 on the room's network.", file=stream)
    else:
        print(f"NOTE: listening on {host}: any device on the room's network (and any network this computer is "
              f"on) can reach the participants' pages. Use a network you trust.", file=stream)
    print(f"\nParticipants open: {urls[0]}", file=stream)
    for url in urls[1:]:
        print(f"               or: {url}", file=stream)
    try:
        segno.make(urls[0], error="m").terminal(out=stream, compact=True)
    except Exception:  # a terminal that cannot show the code still has the address above
        pass
    print(f"\nFacilitator (keep this link to yourself): {urls[0]}facilitator/{store.secret}/", file=stream)
    print("Stop with Ctrl-C; start again with the same --room to carry on where you stopped.\n", file=stream,
          flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False, server_header=False)
