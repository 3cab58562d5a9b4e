-- bench/match: the report of the pgbench runs of run_fr.sh (their per-transaction logs loaded into
-- latencies): latency per record, components against the batch on all records (resolved, dedup_fr.sql),
-- throughput against re-running the batch. A backend's first call prepares the plans it keeps (tens of
-- ms): the rows "first call left out" show the steady state.
\pset footer off
WITH l AS (SELECT *, us / 1000.0 AS ms, end_s * 1e6 + end_us AS end_at,
                  txn = min(txn) OVER (PARTITION BY clients, client) AS first_call FROM latencies),
runs AS (SELECT 'all calls' AS calls, * FROM l UNION ALL SELECT 'first call left out', * FROM l WHERE NOT first_call)
SELECT clients, calls, count(*) AS records_resolved,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p50_ms,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p99_ms, round(max(ms)::numeric, 2) AS max_ms,
       round((count(*) / ((max(end_at) - min(end_at - us)) / 1e6))::numeric, 1) AS records_per_second
FROM runs GROUP BY clients, calls ORDER BY clients, calls;
SELECT count(*) AS records_left_unresolved FROM holdout h WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE c.record_id = h.id);
SELECT count(*) AS differences_from_the_batch FROM clusters c FULL JOIN resolved b USING (record_id)
WHERE (c.person_id, c.household_id, c.component_id) IS DISTINCT FROM (b.person_id, b.household_id, b.component_id);
SELECT round(seconds::numeric, 2) AS batch_seconds, round((1000 * seconds / (SELECT count(*) FROM fr_clean))::numeric, 4) AS batch_ms_per_record
FROM steps WHERE what LIKE '3. c360.match_persons%';
