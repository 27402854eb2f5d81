#!/usr/bin/env python3
"""SciPy's figures for the cases popstats' tests send: reads one case per
line on stdin, `x1,x2,...;y1,y2,...` (numbers as Rust prints them: `inf`,
`-inf`, exact round-trip decimals; an empty side has no numbers), and
prints one line per case: U of x, the two-sided p of the asymptotic
Mann-Whitney U test, median(x), the MAD of x (unscaled), all as repr().
"""
import sys

import numpy as np
from scipy.stats import mannwhitneyu, median_abs_deviation


def parse(side):
    return np.array([float(v) for v in side.split(",") if v], dtype=float)


for line in sys.stdin:
    xs, ys = line.rstrip("\n").split(";")
    x, y = parse(xs), parse(ys)
    r = mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True)
    finite = x[np.isfinite(x)]
    print(repr(float(r.statistic)), repr(float(r.pvalue)), repr(float(np.median(finite))),
          repr(float(median_abs_deviation(finite))))
