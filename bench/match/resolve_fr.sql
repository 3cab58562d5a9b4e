-- bench/match: identification as records arrive (c360.match_resolve) on the base of dedup_fr.sql: the last
-- :holdout records (by id) are left out of the clusters, then resolved one by one; latency per record
-- (p50, p99, max) with one client, the same components as the batch, throughput against re-running the
-- batch. bench/match/run_fr.sh runs it (one client; 8 clients not measured yet).
\set QUIET on
-- JIT would compile the caller's loop query (planned once per call): it cost 144 ms a record
SET jit = off;
ANALYZE fr_models; ANALYZE fr_settings;
\pset footer off
CREATE INDEX ON fr_clean (id);
CREATE INDEX ON fr_clean (email); CREATE INDEX ON fr_clean (phone);
CREATE INDEX ON fr_clean (name_key, birth_date); CREATE INDEX ON fr_clean (first_key, birth_date);
CREATE INDEX ON fr_clean (address_key, last_key); CREATE INDEX ON fr_clean (name_key, postcode);
CREATE INDEX ON fr_clean (address_key, email); CREATE INDEX ON fr_clean (address_key, phone);
ANALYZE fr_clean;
CREATE TABLE holdout AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM fr_clean ORDER BY id DESC LIMIT :holdout;
-- the clusters of the other records: the batch on them alone
CREATE TABLE fr_clean_rest AS SELECT * FROM fr_clean WHERE id NOT IN (SELECT id FROM holdout);
CREATE TABLE clusters AS
SELECT p.* FROM fr_models m, fr_settings s,
     c360.match_persons('fr_clean_rest', 'id', s.fields, s.methods, s.blocks, m.model, s.threshold, s.distinct_fields,
                        s.household_key, s.household_fields) p;
ALTER TABLE clusters ADD PRIMARY KEY (record_id);
CREATE INDEX ON clusters (component_id); CREATE INDEX ON clusters (household_id);
ANALYZE clusters;
CREATE TABLE latencies (n bigint, ms float8);
DO $$
DECLARE t0 timestamptz; r record;
BEGIN
  FOR r IN SELECT n, id FROM holdout ORDER BY n LOOP
    t0 := clock_timestamp();
    PERFORM c360.match_resolve('fr_clean', 'id', s.fields, s.methods, s.blocks, m.model, 'clusters', ARRAY[r.id], s.threshold,
                               s.distinct_fields, s.household_key, s.household_fields) FROM fr_models m, fr_settings s;
    INSERT INTO latencies VALUES (r.n, 1000 * extract(epoch FROM clock_timestamp() - t0));
  END LOOP;
END $$;
\set QUIET off
SELECT count(*) AS records_resolved, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p50_ms,
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2) AS p99_ms, round(max(ms)::numeric, 2) AS max_ms,
       round((1000 * count(*) / sum(ms))::numeric, 1) AS records_per_second
FROM latencies;
SELECT count(*) AS differences_from_the_batch FROM clusters c FULL JOIN resolved b USING (record_id)
WHERE (c.person_id, c.household_id, c.component_id) IS DISTINCT FROM (b.person_id, b.household_id, b.component_id);
SELECT round(seconds::numeric, 2) AS batch_seconds, round((1000 * seconds / (SELECT count(*) FROM fr_clean))::numeric, 4) AS batch_ms_per_record
FROM steps WHERE what LIKE '3. c360.match_persons%';
