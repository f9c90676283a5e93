"""Load benchmark of the live workshop: 300 simulated participants join a real uvicorn server on 127.0.0.1 and
submit all their answers at once (bounded concurrency), as phones in a room would.

Each participant has its own loopback address (127.0.1.x, 127.0.2.x, ...), as each phone has its own on the
room's network, so the server's per-client rate limit applies as it would there. A participant loads the
landing page, joins, gives their organisation type, then posts each area's form (the page's "Save and continue",
one request per area, every answer of the area in it) and submits. Printed:

* answers lost: answers acknowledged to a participant that are not in SQLite, or not in the export (must be 0);
* p50 / p95 / max latency of the answer-saving requests (target p95 <= 250 ms on a 2-core machine);
* the time from the last answer until the facilitator's result reflects every submitted participant (target
  <= 3 s), read from the facilitator's status endpoint as a facilitator's page would.

Usage: python benchmarks/bench_live.py [--participants 300] [--concurrency 50] [--n-boot 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path


def _serve(room: str, port: int, n_boot: int) -> None:
    """The server's process (as ``workshop serve`` runs it: the library analysed once, scoring in a worker)."""
    import uvicorn

    from alliance_research.workshop.live.serve import prepare

    app = prepare(room, n_boot=n_boot, worker=True, refresh_interval=0.25)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", backlog=2048)


def _start_server(room: Path, port: int, n_boot: int):
    """Start the server in its own process (the phones are other machines: they share no CPU time with it)
    and wait until it answers."""
    import subprocess
    import urllib.request

    process = subprocess.Popen([sys.executable, __file__, "--serve", str(room), "--port", str(port),
                                "--n-boot", str(n_boot)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon.ico", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


async def _participant(i, url, areas, levels, latencies, acknowledged, semaphore, rng):
    import httpx

    address = f"127.0.{1 + i // 250}.{1 + i % 250}"
    transport = httpx.AsyncHTTPTransport(local_address=address, retries=0)
    async with semaphore, httpx.AsyncClient(base_url=url, transport=transport, timeout=30) as client:
        page = await client.get("/")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        r = await client.post("/join", data={"csrf": token})
        assert r.status_code == 303, r.status_code
        kind = "client" if i % 4 == 0 else rng.choice(["contractor", "designer", "supplier"])
        r = await client.post("/about", data={"csrf": token, "organisation_type": kind})
        assert r.status_code == 303, r.status_code
        for n, practices in enumerate(areas, start=1):
            data = {"csrf": token, "go": "next"}
            for p in practices:
                data[f"score:{p}"] = "dk" if rng.random() < 0.05 else str(rng.choice(levels))
            started = time.perf_counter()
            r = await client.post(f"/area/{n}", data=data)
            latencies.append(time.perf_counter() - started)
            assert r.status_code == 303, (r.status_code, r.text[:200])
            acknowledged.extend((i, p, data[f"score:{p}"]) for p in practices)
        started = time.perf_counter()
        r = await client.post("/submit", data={"csrf": token})
        latencies.append(time.perf_counter() - started)
        assert r.status_code == 303, r.status_code
        return time.perf_counter()


async def _run(fw, url, n, concurrency, secret):
    import httpx

    order = fw.practices.sort_values("order") if "order" in fw.practices else fw.practices
    areas = [order[order["area_id"].eq(a)]["practice_id"].tolist() for a in fw.areas["area_id"]]
    levels = list(fw.level_names)
    latencies, acknowledged = [], []
    semaphore = asyncio.Semaphore(concurrency)
    rng = random.Random(0)
    started = time.perf_counter()
    ends = await asyncio.gather(*[_participant(i, url, areas, levels, latencies, acknowledged, semaphore,
                                               random.Random(rng.random())) for i in range(n)])
    last_answer = max(ends)
    took = last_answer - started
    # the facilitator's view: poll the status endpoint, as the facilitator's page does
    async with httpx.AsyncClient(base_url=url, transport=httpx.AsyncHTTPTransport(local_address="127.0.0.254"),
                                 timeout=30) as client:
        while True:
            response = await client.get(f"/facilitator/{secret}/status.json")
            status = response.json() if response.status_code == 200 else {"shown": None}
            if status["shown"] == n:
                reflected = time.perf_counter() - last_answer
                break
            if time.perf_counter() - last_answer > 15:  # the rest is held back by the release rule
                reflected = float("nan")
                break
            await asyncio.sleep(0.2)  # 5 polls a second: within the rate limit of one client
        figure = await client.get(f"/facilitator/{secret}/figures/room-profile.png")
        figures_at = time.perf_counter() - last_answer
    return latencies, acknowledged, took, reflected, status, figure.status_code, figures_at


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--serve", default=None, help=argparse.SUPPRESS)  # the server's own process
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.serve, args.port, args.n_boot)
        return 0

    import socket

    import alliance_research as ar
    from alliance_research.workshop.live.export import export_room
    from alliance_research.workshop.live.store import DB_NAME, RoomStore

    fw = ar.load_framework()
    with tempfile.TemporaryDirectory() as tmp:
        room = Path(tmp) / "room"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        t = time.perf_counter()
        server = _start_server(room, port, args.n_boot)
        print(f"server started (the library analysed once, n_boot={args.n_boot}): {time.perf_counter() - t:.1f} s")
        store = RoomStore(room, fw, create=False)
        secret = store.secret
        store.close()
        try:
            latencies, acknowledged, took, reflected, status, figure, figures_at = asyncio.run(
                _run(fw, f"http://127.0.0.1:{port}", args.participants, args.concurrency, secret))
        finally:
            server.terminate()
            server.wait(10)
        db = sqlite3.connect(room / DB_NAME)
        stored = db.execute("SELECT COUNT(*) FROM answers a JOIN participants p USING (respondent_id) "
                            "WHERE p.finished_at IS NOT NULL").fetchone()[0]
        db.close()
        rows, _ = export_room(room, out=Path(tmp) / "export.csv")
        exported = int(len(rows))
    expected = len(acknowledged)
    lost_db = expected - stored
    lost_export = expected - exported
    q = statistics.quantiles(latencies, n=100)
    print(f"participants: {args.participants} (concurrency {args.concurrency}), answers acknowledged: {expected}, "
          f"requests timed: {len(latencies)}, all submitted in {took:.1f} s")
    print(f"answers lost: {lost_db} in SQLite, {lost_export} in the export (target 0)")
    print(f"submission latency: p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, max "
          f"{max(latencies) * 1000:.0f} ms (target p95 <= 250 ms)")
    if reflected == reflected:
        print(f"facilitator's result reflects every participant {reflected:.2f} s after the last answer (target "
              f"<= 3 s); figures served {figures_at:.2f} s after it (status {figure}); result version "
              f"{status['version']}")
    else:
        print(f"facilitator's result shows {status.get('shown')} of {args.participants} participants 15 s after the "
              f"last answer: the latest answers of {status.get('waiting')} are held back by the release rule "
              f"(fewer than min_answers people changed some practice or side since the last version); version "
              f"{status.get('version')}")
    return 0 if lost_db == 0 and lost_export == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
