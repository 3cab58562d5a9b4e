-- bench/citus/functions.sql: the table-taking functions of customer360 on Citus distributed tables, against
-- the same rows in plain tables: the answer (an md5 of the sorted result rows, or the error) and the time.
-- Run on the coordinator of an existing cluster with customer360 installed (docs/distributed.md):
--     psql -X -v ON_ERROR_STOP=1 -f bench/citus/functions.sql
\set QUIET on
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS c360_fn CASCADE;
CREATE SCHEMA c360_fn;
SET search_path = c360_fn, public;
SET extra_float_digits = 3;
SET TimeZone = 'UTC';

-- orders of 5,000 customers; records of a small base to match (ids 1..6000, duplicates by name + postcode)
CREATE TABLE orders_local AS
SELECT i AS order_id, 1 + (i * 7919) % 5000 AS customer_id,
       timestamptz '2024-01-01' + ((i * 104729) % 520) * interval '1 day' AS ts, round(((i * 48271) % 20000) / 100.0, 2) AS amount,
       (i * 69621 % 10) < 4 AS y, (i * 48271 % 1000) / 1000.0 AS u, (i * 16807 % 997) / 997.0 AS v
FROM generate_series(1::bigint, 60000) i;
CREATE TABLE people_local AS
SELECT c AS customer_id, date '1950-01-01' + (c * 7919 % 18000)::int AS birth_date, timestamptz '2025-01-01' + (c % 400) * interval '1 day' AS contract_end
FROM generate_series(1::bigint, 5000) c;
CREATE TABLE records_local AS
SELECT i AS id, (ARRAY['martin','bernard','vasseur','petit','durand','moreau','leroy','roux'])[1 + i % 8] || CASE WHEN i % 11 = 0 THEN 'e' ELSE '' END AS last_name,
       (ARRAY['marie','jean','pierre','anne','louis','julie'])[1 + (i / 8) % 6] AS first_name,
       lpad(((i / 3) % 400 * 7 + 10000)::text, 5, '0') AS postcode, to_char(date '1950-01-01' + (i / 3) % 9000, 'YYYYMMDD') AS birth_date,
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'p' || (i / 3) || '@example.org' END AS email
FROM generate_series(1, 6000) i;
CREATE TABLE orders_dist AS SELECT * FROM orders_local;
CREATE TABLE people_dist AS SELECT * FROM people_local;
CREATE TABLE records_dist AS SELECT * FROM records_local;
SELECT create_distributed_table('orders_dist', 'customer_id');
SELECT create_distributed_table('people_dist', 'customer_id', colocate_with => 'orders_dist');
SELECT create_distributed_table('records_dist', 'id');
CREATE TABLE pairs_local AS SELECT id_l, id_r FROM c360.candidate_pairs('records_local', 'id', ARRAY['last_name+postcode']);
CREATE TABLE pairs_dist AS SELECT * FROM pairs_local;
CREATE TABLE persons_local AS SELECT record_id, person_id FROM c360.match_persons('records_local', 'id', ARRAY['first_name','last_name','birth_date','email'], ARRAY['name','name','date','exact'], ARRAY['last_name+postcode', 'email'], (SELECT c360.match_train('records_local', 'id', ARRAY['first_name','last_name','birth_date','email'], ARRAY['name','name','date','exact'], ARRAY['last_name+postcode', 'email'])), 0.9);
CREATE TABLE persons_dist AS SELECT * FROM persons_local;
SELECT create_distributed_table('persons_dist', 'record_id');
SELECT create_distributed_table('pairs_dist', 'id_l');
-- one BTYD summary per customer (continuous times: a day fraction per customer) for the iterated fits
CREATE TABLE cust_local AS
SELECT customer_id, x, t_x, "T" + (hashtext(customer_id) & 1023) / 7168.0 AS "T", mean_value
FROM c360.btyd_summary('orders_local', 'customer_id', 'ts', 'amount', '2025-06-01');
CREATE TABLE cust_dist AS SELECT * FROM cust_local;
SELECT create_distributed_table('cust_dist', 'customer_id');

CREATE TABLE calls (name text, call text);
INSERT INTO calls VALUES
('rfm_scores', $$SELECT * FROM c360.rfm_scores('%orders', 'customer_id', 'ts', 'amount', '2025-06-01')$$),
('btyd_summary', $$SELECT * FROM c360.btyd_summary('%orders', 'customer_id', 'ts', 'amount', '2025-06-01')$$),
('btyd_summary -> bgnbd_fit', $$SELECT c360.bgnbd_fit(x, t_x, "T") FROM c360.btyd_summary('%orders', 'customer_id', 'ts', 'amount', '2025-06-01')$$),
('btyd_summary -> pareto_nbd_fit', $$SELECT c360.pareto_nbd_fit(x, t_x, "T") FROM c360.btyd_summary('%orders', 'customer_id', 'ts', 'amount', '2025-06-01')$$),
('logit_train', $$SELECT c360.logit_train('c360_fn.%orders', 'y', 'ARRAY[u, v]')$$),
('bgnbd_train', $$SELECT c360.bgnbd_train('c360_fn.%cust')$$),
('pareto_nbd_train', $$SELECT c360.pareto_nbd_train('c360_fn.%cust')$$),
('gamma_gamma_train', $$SELECT c360.gamma_gamma_train('c360_fn.%cust')$$),
('inactive_customers', $$SELECT * FROM c360.inactive_customers('%orders', 'customer_id', 'ts', '2025-06-01', 60)$$),
('spend_threshold_crossed', $$SELECT * FROM c360.spend_threshold_crossed('%orders', 'customer_id', 'ts', 'amount', '2025-06-01', 1000)$$),
('upcoming_anniversaries', $$SELECT * FROM c360.upcoming_anniversaries('%people', 'customer_id', 'birth_date', '2025-06-01', 10)$$),
('contracts_ending', $$SELECT * FROM c360.contracts_ending('%people', 'customer_id', 'contract_end', '2025-06-01', 30)$$),
('candidate_pairs', $$SELECT * FROM c360.candidate_pairs('%records', 'id', ARRAY['last_name+postcode', 'email', 'birth_date'])$$),
('compare_pairs', $$SELECT * FROM c360.compare_pairs('%records', 'id', ARRAY['first_name','last_name','birth_date','email'], ARRAY['name','name','date','exact'], ARRAY['last_name+postcode', 'email'])$$),
('match_train (EM)', $$SELECT c360.match_train('%records', 'id', ARRAY['first_name','last_name','birth_date','email'], ARRAY['name','name','date','exact'], ARRAY['last_name+postcode', 'email'])$$),
('match_train (random pairs, tf)', $$SELECT c360.match_train('%records', 'id', ARRAY['first_name','last_name','birth_date','email'], ARRAY['name','name','date','exact'], ARRAY['last_name+postcode', 'email', 'birth_date'], random_pairs => 20000, tf_fields => ARRAY['last_name']::name[])$$),
('match_score', $$SELECT * FROM c360.match_score('%records', 'id', ARRAY['first_name','last_name','birth_date','email'], ARRAY['name','name','date','exact'], ARRAY['last_name+postcode', 'email'], (SELECT c360.match_train('records_local', 'id', ARRAY['first_name','last_name','birth_date','email'], ARRAY['name','name','date','exact'], ARRAY['last_name+postcode', 'email'])), 0.5)$$),
('match_persons', $$SELECT * FROM c360.match_persons('%records', 'id', ARRAY['first_name','last_name','birth_date','email'], ARRAY['name','name','date','exact'], ARRAY['last_name+postcode', 'email'], (SELECT c360.match_train('records_local', 'id', ARRAY['first_name','last_name','birth_date','email'], ARRAY['name','name','date','exact'], ARRAY['last_name+postcode', 'email'])), 0.9, ARRAY['first_name','birth_date']::name[], 'postcode', ARRAY['last_name']::name[])$$),
('blocking_diagnostics', $$SELECT * FROM c360.blocking_diagnostics('%records', 'id', ARRAY['last_name+postcode', 'email', 'birth_date'])$$),
('cluster_pairs', $$SELECT * FROM c360.cluster_pairs('%pairs')$$),
('base_diagnostics', $$SELECT * FROM c360.base_diagnostics('%records', 'id', '%persons', email_col => 'email', birth_date_col => 'birth_date', fields => ARRAY['first_name','last_name','postcode']::name[])$$),
('snapshot_segments (first snapshot)', $$SELECT customer_id, event_type FROM c360.snapshot_segments('%orders', 'customer_id', 'ts', 'amount', '2025-03-01', 'matrix %orders')$$),
('snapshot_segments (transitions)', $$SELECT customer_id, event_type FROM c360.snapshot_segments('%orders', 'customer_id', 'ts', 'amount', '2025-06-01', 'matrix %orders')$$),
('track_orders', $$SELECT c360.track_orders('%orders', 'customer_id', 'ts', 'amount')$$),
('match_resolve', $$SELECT * FROM c360.match_resolve('%records', 'id', ARRAY['first_name','last_name','birth_date','email'], ARRAY['name','name','date','exact'], ARRAY['last_name+postcode', 'email'], (SELECT c360.match_train('records_local', 'id', ARRAY['first_name','last_name','birth_date','email'], ARRAY['name','name','date','exact'], ARRAY['last_name+postcode', 'email'])), 'c360_fn.clusters', ARRAY[1::bigint, 2], 0.9)$$);

CREATE TABLE clusters (record_id bigint PRIMARY KEY, person_id bigint, household_id bigint, component_id bigint);
CREATE TABLE results (name text, local_md5 text, dist_md5 text, local_rows bigint, dist_rows bigint, seconds_local float8, seconds_dist float8, outcome text);
DO $$
DECLARE
    c record;
    t0 timestamptz;
    h_local text;
    n_local bigint;
    h_dist text;
    n_dist bigint;
    s_local float8;
    s_dist float8;
    err text;
BEGIN
    FOR c IN SELECT * FROM calls LOOP
        err := NULL;
        t0 := clock_timestamp();
        BEGIN
            EXECUTE format('SELECT md5(string_agg(t::text, E''\n'' ORDER BY t::text)) AS h, count(*) AS n FROM (%s) t',
                           replace(replace(replace(replace(replace(replace(c.call, '%cust', 'cust_local'), '%orders', 'orders_local'), '%people', 'people_local'), '%records', 'records_local'), '%pairs', 'pairs_local'), '%persons', 'c360_fn.persons_local'))
                INTO h_local, n_local;
        EXCEPTION WHEN OTHERS THEN
            h_local := NULL;
            n_local := NULL;
            err := 'local: ' || SQLSTATE || ' ' || SQLERRM;
        END;
        s_local := extract(epoch FROM clock_timestamp() - t0);
        t0 := clock_timestamp();
        BEGIN
            EXECUTE format('SELECT md5(string_agg(t::text, E''\n'' ORDER BY t::text)) AS h, count(*) AS n FROM (%s) t',
                           replace(replace(replace(replace(replace(replace(c.call, '%cust', 'cust_dist'), '%orders', 'orders_dist'), '%people', 'people_dist'), '%records', 'records_dist'), '%pairs', 'pairs_dist'), '%persons', 'c360_fn.persons_dist'))
                INTO h_dist, n_dist;
            s_dist := extract(epoch FROM clock_timestamp() - t0);
            INSERT INTO results VALUES (c.name, h_local, h_dist, n_local, n_dist, s_local, s_dist,
                CASE WHEN err IS NOT NULL THEN err WHEN h_local IS NOT DISTINCT FROM h_dist THEN 'equal' ELSE 'DIFFERENT' END);
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO results VALUES (c.name, h_local, NULL, n_local, NULL, s_local, NULL, coalesce(err || '; ', '') || 'distributed: ' || SQLSTATE || ' ' || left(SQLERRM, 150));
        END;
    END LOOP;
END $$;
\set QUIET off
\pset pager off
SELECT current_setting('server_version') AS postgres, (SELECT extversion FROM pg_extension WHERE extname = 'citus') AS citus,
       (SELECT count(*) FROM pg_dist_node WHERE noderole = 'primary' AND groupid > 0) AS workers;
SELECT name, local_rows, dist_rows, round(seconds_local::numeric, 2) AS s_local, round(seconds_dist::numeric, 2) AS s_dist, outcome FROM results ORDER BY name;
-- logit_train: the coefficients and standard errors, local against distributed (summation order)
SELECT max(abs(a.coef - b.coef) / greatest(abs(a.coef), abs(b.coef))) AS coef_max_relative_difference,
       max(abs(a.std_err - b.std_err) / greatest(abs(a.std_err), abs(b.std_err))) AS se_max_relative_difference
FROM c360.logit_summary(c360.logit_train('c360_fn.orders_local', 'y', 'ARRAY[u, v]')) a
JOIN c360.logit_summary(c360.logit_train('c360_fn.orders_dist', 'y', 'ARRAY[u, v]')) b USING (term);
-- how btyd_summary's grouping runs (pushed down to the shards, or rows pulled to the coordinator)
EXPLAIN (COSTS OFF) SELECT cid, c360.rfm(day, amount, date '2025-06-01') FROM (SELECT customer_id AS cid, ts::date AS day, sum(amount::float8) AS amount FROM orders_dist GROUP BY 1, 2) d GROUP BY cid;
