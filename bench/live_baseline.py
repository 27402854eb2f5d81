#!/usr/bin/env python3
"""The baseline for `logdeck bench-live`: a producer and consumers talking to
Redis directly with redis-py (XADD / XREAD BLOCK), the same workload:

1. ingest: one producer, N lines of 100 bytes, pipelined XADD in batches of
   1000, until Redis has them all;
2. latency: 1000 lines/s for S seconds, one consumer (XREAD BLOCK), capture
   time -> consumer;
3. fan-out: the same with V consumers (asyncio, one connection each).

usage: live_baseline.py REDIS_URL [LINES] [SECONDS] [VIEWERS]
"""
import asyncio
import sys
import time

import redis
import redis.asyncio as aredis

url = sys.argv[1]
lines = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
viewers = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
rate = 1000
prefix = f"logdeck-baseline:{time.time_ns()}"


def text(i):
    s = f"{i:012} INFO worker step finished, bytes={i * 7919 % 100000} "
    return s + "x" * (100 - len(s))


def pct(samples, p):
    samples = sorted(samples)
    return samples[int((len(samples) - 1) * p)] / 1000 if samples else 0.0


r = redis.Redis.from_url(url)
key = f"{prefix}:ingest"
start = time.perf_counter()
for a in range(0, lines, 1000):
    pipe = r.pipeline(transaction=False)
    for i in range(a + 1, min(a + 1000, lines) + 1):
        pipe.xadd(key, {"t": time.time_ns() // 1000, "s": "o", "x": text(i)}, id=f"{i}-0")
    pipe.execute()
secs = time.perf_counter() - start
assert r.xlen(key) == lines
print(f"baseline ingest, one producer (redis-py, pipelined XADD): {lines} lines in {secs:.2f} s = {lines / secs:.0f} lines/s")
r.delete(key)


async def latency(n_viewers, what):
    key = f"{prefix}:{what}"
    total = rate * seconds
    samples = []
    done = 0

    async def consumer():
        nonlocal done
        c = aredis.Redis.from_url(url)
        last, got = "0-0", 0
        while got < total:
            reply = await c.xread({key: last}, block=2000, count=1000)
            now = time.time_ns() // 1000
            for _, entries in reply:
                for eid, fields in entries:
                    samples.append(now - int(fields[b"t"]))
                    last = eid
                    got += 1
        done += 1
        await c.aclose()

    tasks = [asyncio.create_task(consumer()) for _ in range(n_viewers)]
    await asyncio.sleep(0.3 + n_viewers / 1000)
    p = aredis.Redis.from_url(url)
    t0 = time.perf_counter()
    sent = 0
    while sent < total:
        pipe = p.pipeline(transaction=False)
        for _ in range(rate // 100):
            sent += 1
            pipe.xadd(key, {"t": time.time_ns() // 1000, "s": "o", "x": text(sent)}, id=f"{sent}-0")
        await pipe.execute()
        await asyncio.sleep(max(0.0, t0 + sent / rate - time.perf_counter()))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    print(f"baseline latency, {what}: {n_viewers} consumer(s), {total} lines at {rate} lines/s over {elapsed:.1f} s; "
          f"{done}/{n_viewers} got every line; producer -> consumer p50 {pct(samples, 0.5):.2f} ms, "
          f"p99 {pct(samples, 0.99):.2f} ms, max {pct(samples, 1.0):.2f} ms")
    await p.delete(key)
    await p.aclose()


asyncio.run(latency(1, "one viewer"))
if viewers > 1:
    asyncio.run(latency(viewers, "many viewers"))
