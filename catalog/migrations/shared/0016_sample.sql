-- A fixed pseudo-random thirty-second of the runs, whatever their ids: a
-- hash of each id (its multiple of the golden ratio modulo the prime
-- 2^31 - 1, squared modulo it, so that neither blocks of ids nor ids in
-- step with a period, every ninth a kind of run, say, sway it), indexed where
-- it falls below 2^26. Estimated counts read the runs with the smallest
-- hashes as a uniform sample of the catalog. The expression is
-- `estimate::SAMPLE_KEY`, written identically there: both engines use the
-- index only for the same expression and the same bound.
CREATE INDEX runs_sample ON runs ((((((((id % 2147483647) + 2147483647) % 2147483647) * 1327217884) % 2147483647) * (((((id % 2147483647) + 2147483647) % 2147483647) * 1327217884) % 2147483647)) % 2147483647))
    WHERE ((((((id % 2147483647) + 2147483647) % 2147483647) * 1327217884) % 2147483647) * (((((id % 2147483647) + 2147483647) % 2147483647) * 1327217884) % 2147483647)) % 2147483647 < 67108864;
