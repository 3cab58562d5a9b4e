-- bench/match: identification as records arrive (c360.match_resolve) on the base of dedup_fr.sql: the last
-- :holdout records (by id) are left out of the clusters; then bench/match/run_fr.sh resolves them with
-- pgbench (bench/match/resolve_client.sql, one record a transaction, committed): the first half with one
-- client, the second with 8 concurrent clients; bench/match/resolve_report.sql prints the latency per record
-- (p50, p99, max), the differences from the batch on all records (expected 0) and the throughput against
-- re-running the batch.
\set QUIET on
-- JIT would compile the caller's loop query (planned once per call): it cost 144 ms a record
SET jit = off;
ANALYZE fr_models; ANALYZE fr_settings;
\pset footer off
CREATE INDEX ON fr_clean (id);
CREATE INDEX ON fr_clean (email); CREATE INDEX ON fr_clean (phone);
CREATE INDEX ON fr_clean (name_key, birth_date); CREATE INDEX ON fr_clean (first_key, birth_date);
CREATE INDEX ON fr_clean (address_key, last_key); CREATE INDEX ON fr_clean (name_key, postcode);
CREATE INDEX ON fr_clean (last_key, postcode); CREATE INDEX ON fr_clean (first_key, postcode);
CREATE INDEX ON fr_clean (address_key, email); CREATE INDEX ON fr_clean (address_key, phone);
ANALYZE fr_clean;
CREATE TABLE holdout AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM (SELECT id FROM fr_clean ORDER BY id DESC LIMIT :holdout) t;
CREATE UNIQUE INDEX ON holdout (n);
-- the clusters of the other records: the batch on them alone
CREATE TABLE fr_clean_rest AS SELECT * FROM fr_clean WHERE id NOT IN (SELECT id FROM holdout);
CREATE TABLE clusters AS
SELECT p.* FROM fr_models m, fr_settings s,
     c360.match_persons('fr_clean_rest', 'id', s.fields, s.methods, s.blocks, m.model, s.threshold, s.distinct_fields,
                        s.household_key, s.household_fields) p;
ALTER TABLE clusters ADD PRIMARY KEY (record_id);
CREATE INDEX ON clusters (component_id); CREATE INDEX ON clusters (household_id);
ANALYZE clusters;
-- the holdout in order, for the pgbench clients of resolve_client.sql (1 client for the first half, then 8)
CREATE SEQUENCE holdout_next;
