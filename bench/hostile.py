"""What hostile and careless clients can take from a running server.

    python3 bench/hostile.py LOGDECK_BINARY [--log-mib 64] [--viewers 1000]
        [--searchers 8] [--idle 15000]

Starts `logdeck serve` on an empty data directory, streams a log of
--log-mib MiB through `logdeck run` (archived when the program ends), then
prints three figures, each with its goal and a baseline taken in the same
run:

1. server RSS with 100 and with --viewers viewer websockets of the archived
   log that never read (goal: under 500 MiB, and flat: the ratio of the two
   under 1.5);
2. /healthz latency while --searchers clients search the log for text it
   does not contain (every search reads every line), against /healthz alone
   (goal: p99 under 10 ms);
3. /healthz while --idle sockets are open and send nothing (goal: it always
   answers, in under 100 ms; past the connection cap the answer is a 503).

Only the standard library; Linux (/proc) only.
"""

import argparse
import base64
import http.client
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOKEN = "bench_" + os.urandom(16).hex()


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def get(port, path, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    conn.request("GET", path)
    res = conn.getresponse()
    body = res.read()
    conn.close()
    return res.status, body


def wait_until(what, check, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            got = check()
            if got:
                return got
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"hostile: {what} did not happen within {seconds} s")


def quantiles(samples_ms):
    s = sorted(samples_ms)
    pick = lambda q: s[min(len(s) - 1, int(q * len(s)))]
    return {"n": len(s), "p50": pick(0.5), "p99": pick(0.99), "max": s[-1]}


def healthz_latencies(port, seconds, fresh=False):
    """Sequential /healthz for `seconds`: latencies in ms and failures. With
    `fresh`, every request opens a new connection."""
    out, failures = [], 0
    conn = None
    end = time.time() + seconds
    while time.time() < end:
        started = time.perf_counter()
        try:
            if conn is None or fresh:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            res = conn.getresponse()
            res.read()
            if res.status != 200:
                failures += 1
            else:
                out.append((time.perf_counter() - started) * 1000)
            if fresh:
                conn.close()
        except OSError:
            failures += 1
            conn = None
        time.sleep(0.002)
    return out, failures


def open_viewer(port, run):
    """A viewer websocket that reads the handshake answer and nothing more."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        (
            f"GET /api/runs/{run}/logs/output/live HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            raise RuntimeError("viewer refused")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(head.decode(errors="replace"))
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary")
    ap.add_argument("--log-mib", type=int, default=64)
    ap.add_argument("--viewers", type=int, default=1000)
    ap.add_argument("--searchers", type=int, default=8)
    ap.add_argument("--idle", type=int, default=12000)
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    data = tempfile.mkdtemp(prefix="logdeck-hostile-")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, LOGDECK_LOG="warn")
    server = subprocess.Popen(
        [args.binary, "serve", "--data-dir", data, "--no-sample", "--workers", "1",
         "--listen", f"127.0.0.1:{port}", "--ingest-token", TOKEN],
        env=env, stdout=subprocess.DEVNULL,
    )
    try:
        wait_until("the server answering", lambda: get(port, "/healthz")[0] == 200, 60)
        # A log of about --log-mib MiB: 100-byte lines.
        lines = args.log_mib * (1 << 20) // 100
        program = (
            "import sys\n"
            f"w=sys.stdout.write\nfor i in range({lines}): w('%08d searchable text for the bench, padded to a hundred bytes ......................\\n' % i)\n"
        )
        started = time.time()
        subprocess.run(
            [args.binary, "run", "--server", f"http://127.0.0.1:{port}/", "--token", TOKEN,
             "--name", "hostile-bench", "--quiet", "--", sys.executable, "-c", program],
            check=True, stdout=subprocess.DEVNULL, env=env,
        )
        run = json.loads(get(port, "/api/runs?limit=1")[1])["rows"][0]["id"]

        def archived():
            d = json.loads(get(port, f"/api/runs/{run}")[1])
            return d["run"]["output_state"] in ("indexed", "failed")

        wait_until("archiving and indexing", archived, 600)
        print(f"log: {lines} lines, {args.log_mib} MiB, streamed and archived in {time.time() - started:.1f} s")

        # 1. Viewers that do not read.
        base = rss_mib(server.pid)
        viewers, peaks = [], {}
        for target in (100, args.viewers):
            while len(viewers) < target:
                viewers.append(open_viewer(port, run))
            peak = 0
            for _ in range(10):
                time.sleep(0.3)
                peak = max(peak, rss_mib(server.pid))
            peaks[target] = peak
        for v in viewers:
            v.close()
        flat = peaks[args.viewers] / peaks[100]
        print(
            f"viewers that do not read: RSS {base:.0f} MiB idle, {peaks[100]:.0f} MiB with 100, "
            f"{peaks[args.viewers]:.0f} MiB with {args.viewers} (goal < 500); "
            f"ratio {args.viewers}/100 = {flat:.2f} (goal < 1.5)"
        )

        # 2. /healthz while clients search.
        alone, _ = healthz_latencies(port, 5)
        stop = threading.Event()
        searches = []

        def search():
            while not stop.is_set():
                t = time.perf_counter()
                status, _ = get(port, f"/api/runs/{run}/logs/output/lines?q=not-in-the-log&limit=200", 120)
                searches.append(((time.perf_counter() - t) * 1000, status))

        threads = [threading.Thread(target=search, daemon=True) for _ in range(args.searchers)]
        for t in threads:
            t.start()
        time.sleep(1)
        during, failed = healthz_latencies(port, 10)
        stop.set()
        for t in threads:
            t.join()
        a, d = quantiles(alone), quantiles(during)
        ok = sum(1 for _, s in searches if s == 200)
        print(
            f"/healthz alone: p50 {a['p50']:.2f} ms, p99 {a['p99']:.2f} ms; while {args.searchers} clients search "
            f"({ok} searches, median {statistics.median(x for x, _ in searches):.0f} ms): p50 {d['p50']:.2f} ms, "
            f"p99 {d['p99']:.2f} ms (goal < 10), max {d['max']:.1f} ms, {failed} failed; "
            f"p99 ratio {d['p99'] / a['p99']:.1f}"
        )

        # 3. Idle sockets, opened in steps; /healthz on a new connection
        # after each. Past --max-connections (10,000) the server refuses new
        # connections with a 503 until idle ones time out (10 s without a
        # first byte).
        idle, refused_at = [], None
        step = max(500, args.idle // 10)
        print("idle sockets: count, /healthz on a new connection (worst ms, answers by status)")
        while len(idle) < args.idle and not refused_at:
            for _ in range(step):
                try:
                    idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
                except OSError as e:
                    refused_at = (len(idle), str(e))
                    break
            statuses, worst = {}, 0.0
            end_at = time.time() + 0.5
            while time.time() < end_at:
                t = time.perf_counter()
                try:
                    status, _ = get(port, "/healthz", 5)
                except OSError as e:
                    status = type(e).__name__
                worst = max(worst, (time.perf_counter() - t) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
            print(f"  {len(idle):6}  worst {worst:7.1f} ms  {statuses}")
        held = time.time()
        closed = 0
        for s_ in idle:
            s_.setblocking(False)
        time.sleep(11)
        for s_ in idle:
            try:
                if s_.recv(1) == b"":
                    closed += 1
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
            s_.close()
        lat, failed = healthz_latencies(port, 1, fresh=True)
        print(
            f"  after {time.time() - held:.0f} s the server had closed {closed} of {len(idle)} idle sockets; "
            f"/healthz p99 {quantiles(lat)['p99']:.1f} ms, {failed} not 200"
            + (f"; connecting failed at {refused_at[0]}: {refused_at[1]}" if refused_at else "")
        )
    finally:
        server.terminate()
        server.wait(30)
        subprocess.run(["rm", "-rf", data])


if __name__ == "__main__":
    main()
