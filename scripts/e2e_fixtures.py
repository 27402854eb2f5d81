#!/usr/bin/env python3
"""Extra data for the browser tests, beside the sample corpus.

Writes DATA/extra.jsonl: COUNT older runs without logs (so the table has
many pages to scroll and users deep in the list to search for), and one run
whose client log holds hostile text (HTML, a script tag, ANSI escapes) and
a line wider than any window.
"""
import json
import os
import sys

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
