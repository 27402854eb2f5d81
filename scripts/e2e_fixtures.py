#!/usr/bin/env python3
"""Extra data for the browser tests, beside the sample corpus.

Writes DATA/extra.jsonl: COUNT older runs without logs (so the table has
many pages to scroll and users deep in the list to search for), one run
whose client log holds hostile text (HTML, a script tag, ANSI escapes) and
a line wider than any window, and builds whose truth is known: 40
sessions of E2E-BASE (two of them outliers, with a p95 latency of about a
second) and 40 of E2E-SLOW, whose latency is three times as high; then 9
of E2E-FEW, too few to compare with, and 30 of E2E-TRIPLE after it, again
three times as slow. User e2e.history@example.org has sessions in the
first two.
"""
import json
import os
import random
import sys


def population(f, data):
    """The two builds of known truth, with their client logs."""
    rng = random.Random(12)
    n = 0
    builds = (("E2E-BASE", 1, 1.0, 40), ("E2E-SLOW", 2, 3.0, 40), ("E2E-FEW", 3, 1.0, 9), ("E2E-TRIPLE", 4, 3.0, 30))
    for build, day, scale, count in builds:
        for k in range(count):
            n += 1
            cid = 980000 + n
            level = 0.030 * scale * rng.lognormvariate(0, 0.1)
            outlier = build == "E2E-BASE" and k in (7, 23)
            name = f"pop-{cid}-client.txt"
            with open(os.path.join(data, "logs", name), "w") as log:
                for i in range(40):
                    v = level * rng.lognormvariate(0, 0.05)
                    if outlier and i % 4 == 0:
                        v = 1.0 + 0.1 * rng.random()
                    log.write(f"10:00:{i:02d}:000000 | INFO    | net.c | ping:9 | Latency: {v:.6f}\n")
            f.write(json.dumps({
                "connection_id": cid,
                "username": "e2e.history@example.org" if k % 4 == 0 and day <= 2 else f"pop.user.{cid}@example.org",
                "ip": f"10.98.{n // 256}.{n % 256}",
                "last_updated": f"02/{day:02d}/2019, {k // 60:02d}:{k % 60:02d}",
                "version": build,
                "client_logs": name,
                "server_logs": None,
            }) + "\n")

data, count = sys.argv[1], int(sys.argv[2])
os.makedirs(os.path.join(data, "logs"), exist_ok=True)
with open(os.path.join(data, "logs", "hostile-client.txt"), "w") as f:
    f.write("10:00:00:000001 | INFO    | main.c | f:1 | Latency: 0.031\n")
    f.write("10:00:00:500000 | ERROR   | main.c | f:2 | <script>window.__pwned = 1</script><b>bold</b> &amp; \x1b[31mred\x1b[0m\n")
    f.write("10:00:01:000000 | INFO    | main.c | f:1 | Latency: 0.029\n")
    # One line far wider than any window, for wrapping.
    f.write("10:00:01:500000 | WARNING | main.c | f:3 | " + " ".join(f"w{i:03d}" for i in range(300)) + "\n")
with open(os.path.join(data, "extra.jsonl"), "w") as f:
    for i in range(count):
        day, minute = divmod(i, 1440)
        f.write(json.dumps({
            "connection_id": 900000 + i,
            "username": f"deep.user.{i}@archive.example.org",
            "ip": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
            # Older than the sample corpus: these sort after it.
            "last_updated": f"01/{1 + day % 28:02d}/2019, {minute // 60:02d}:{minute % 60:02d}",
            "version": "E2E0000000000000",
            "client_logs": None,
            "server_logs": None,
        }) + "\n")
    f.write(json.dumps({
        "connection_id": 990001,
        "username": "hostile@example.com",
        "ip": "10.9.9.9",
        "last_updated": "01/01/2019, 00:00",
        "version": "E2E0000000000000",
        "client_logs": "hostile-client.txt",
        "server_logs": None,
    }) + "\n")
    population(f, data)
