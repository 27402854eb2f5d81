#!/usr/bin/env python3
"""The baseline a user would otherwise reach for: pandas read_csv(sep="|")
then filtering the message column per metric. Prints JSON with MB/s
(best of 3 runs) for the same file the Rust parser is timed on."""
import csv
import json
import os
import sys
import time

import pandas as pd

PREFIXES = {
    "latency": "Latency:",
    "decode_time": "Avg Decode Time:",
    "encode_time": "Average Encode Time:",
    "encode_size": "Average Encode Size:",
}


def run(path):
    df = pd.read_csv(
        path,
        sep="|",
        header=None,
        names=["time", "level", "file", "location", "message"],
        engine="c",
        quoting=csv.QUOTE_NONE,
        on_bad_lines="skip",
        encoding_errors="replace",
        dtype=str,
        skip_blank_lines=True,
    )
    levels = df["level"].str.strip().value_counts().to_dict()
    msg = df["message"].str.strip()
    out = {}
    for key, prefix in PREFIXES.items():
        sel = msg[msg.str.startswith(prefix, na=False)]
        vals = pd.to_numeric(sel.str.slice(len(prefix)).str.split().str[0], errors="coerce").dropna()
        out[key] = (int(vals.count()), float(vals.quantile(0.95)) if len(vals) else None)
    errs = msg[df["level"].str.strip().isin(["ERROR", "WARNING"])]
    top = errs.str.replace(r"\d+", "<n>", regex=True).value_counts().head(10)
    return levels, out, len(top)


def main():
    path = sys.argv[1]
    size = os.path.getsize(path)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        run(path)
        best = min(best, time.perf_counter() - t)
    print(json.dumps({"bytes": size, "seconds": round(best, 4), "mb_per_s": round(size / best / 1e6, 1), "pandas": pd.__version__}))


if __name__ == "__main__":
    main()
