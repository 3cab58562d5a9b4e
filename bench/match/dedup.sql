-- bench/match: end-to-end deduplication of customers_raw (from generate.sql) with the recipe of
-- docs/match.md, timed step by step; then pairwise precision / recall / F1 against the true persons.
\set QUIET on
\pset footer off
SET jit = off;
CREATE TEMP TABLE steps (step int GENERATED ALWAYS AS IDENTITY, what text, seconds float8);
CREATE PROCEDURE pg_temp.step(what text, query text) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE query;
    INSERT INTO steps (what, seconds) VALUES (what, extract(epoch FROM clock_timestamp() - t0));
END $$;

-- 1. clean fields and blocking keys (dates to YYYYMMDD, phones to E.164 with the record's country)
CALL pg_temp.step('1. clean fields and keys (normalize_name/email/phone, phonetic_fr)', $q$
CREATE TABLE cust_clean AS
SELECT id, first_name, last_name, nullif(concat_ws(' ', first_name, last_name), '') AS full_name,
       birth_date, email, phone, postcode,
       nullif(c360.phonetic_fr(first_name), '') AS first_key,    -- keys from the normalised names
       nullif(c360.phonetic_fr(last_name), '') AS last_key       -- (no civility word in the key)
FROM (SELECT id,
             nullif(c360.normalize_name(first_name), '') AS first_name,
             nullif(c360.normalize_name(last_name), '') AS last_name,
             CASE WHEN birth_date ~ '^\d{2}/\d{2}/\d{4}$' THEN to_char(to_date(birth_date, 'DD/MM/YYYY'), 'YYYYMMDD')
                  WHEN birth_date ~ '^\d{4}-\d{2}-\d{2}$' THEN replace(birth_date, '-', '') END AS birth_date,
             c360.normalize_email(email) AS email,
             c360.normalize_phone(phone, coalesce(country, 'FR')) AS phone,
             nullif(upper(replace(postcode, ' ', '')), '') AS postcode
      FROM customers_raw) r$q$);
CALL pg_temp.step('   analyze', 'ANALYZE cust_clean');

CREATE TABLE settings AS SELECT
  ARRAY['full_name','birth_date','email','phone','postcode']::name[] AS fields,   -- full name: words in any order
  ARRAY['tokens','code','exact','exact','code'] AS methods,
  ARRAY['email','phone','last_key+birth_date','first_key+birth_date','birth_date+postcode','first_key+last_key+postcode'] AS blocks;

-- 2. training (u from random pairs, m by EM per blocking rule, prior over all pairs), 3. scoring,
-- 4. clustering, 5. golden records
CALL pg_temp.step('2. c360.match_train (blocking, comparison vectors, random pairs, EM)', format($q$
CREATE TABLE match_models AS
SELECT 'bench v1' AS name, c360.match_train('cust_clean', 'id', fields, methods, blocks, random_pairs => %s) AS model FROM settings$q$,
    :random_pairs));
CALL pg_temp.step('3. c360.match_score (p >= 0.01 kept)', $q$
CREATE TABLE scored AS
SELECT p.* FROM match_models m, settings s,
     c360.match_score('cust_clean', 'id', s.fields, s.methods, s.blocks, m.model, 0.01) p$q$);
CALL pg_temp.step('4. c360.cluster_pairs (p >= 0.5)', $q$
CREATE TABLE clusters AS SELECT * FROM c360.cluster_pairs('scored', 'id_l', 'id_r', 'probability', 0.5)$q$);
CALL pg_temp.step('5. golden records (survivorship aggregates)', $q$
CREATE TABLE customers AS
SELECT coalesce(c.cluster_id, r.id) AS customer_id, count(*) AS records,
       c360.most_frequent(k.first_name) AS first_name, c360.most_frequent(k.last_name) AS last_name,
       c360.most_frequent(k.birth_date) AS birth_date,
       c360.most_recent(k.email, r.updated_at) AS email, c360.most_recent(k.phone, r.updated_at) AS phone,
       c360.most_recent(k.postcode, r.updated_at) AS postcode
FROM customers_raw r JOIN cust_clean k USING (id) LEFT JOIN clusters c ON c.record_id = r.id
GROUP BY 1$q$);
SELECT sum(seconds) AS total_seconds FROM steps \gset
-- the backend's peak resident memory counts the shared_buffers pages it touched (RssShmem)
SELECT coalesce(substring(st FROM 'VmHWM:\s*(\d+) kB')::bigint / 1024, -1) AS peak_mb,
       coalesce(substring(st FROM 'RssShmem:\s*(\d+) kB')::bigint / 1024, -1) AS shmem_mb
FROM pg_read_file('/proc/self/status') AS st \gset

\set QUIET off
SELECT what, round(seconds::numeric, 1) AS seconds FROM steps ORDER BY step;
SELECT round(:total_seconds::numeric, 1) AS "end to end (s)", :peak_mb AS "backend peak resident memory (MB)",
       :shmem_mb AS "of which shared buffers (MB)",
       pg_size_pretty(pg_total_relation_size('cust_clean') + pg_total_relation_size('scored')
                      + pg_total_relation_size('clusters') + pg_total_relation_size('customers')) AS "tables written";

-- quality: pairwise precision / recall / F1 against the true persons
WITH rec AS (SELECT r.id, r.person_id, coalesce(c.cluster_id, r.id) AS cid
             FROM customers_raw r LEFT JOIN clusters c ON c.record_id = r.id),
truth AS (SELECT sum(n * (n - 1) / 2) AS pairs FROM (SELECT count(*) AS n FROM rec GROUP BY person_id) t),
found AS (SELECT sum(n * (n - 1) / 2) AS pairs FROM (SELECT count(*) AS n FROM rec GROUP BY cid) t),
hit AS (SELECT sum(n * (n - 1) / 2) AS pairs FROM (SELECT count(*) AS n FROM rec GROUP BY cid, person_id) t)
SELECT (SELECT count(*) FROM customers_raw) AS records,
       (SELECT count(DISTINCT person_id) FROM customers_raw) AS persons,
       (SELECT count(*) FROM customers) AS customers_found,
       (SELECT count(*) FROM scored) AS scored_pairs,
       truth.pairs AS true_pairs, found.pairs AS pairs_found, hit.pairs AS correct,
       round(hit.pairs::numeric / found.pairs, 4) AS precision, round(hit.pairs::numeric / truth.pairs, 4) AS recall,
       round(2 * hit.pairs::numeric / (found.pairs + truth.pairs), 4) AS f1
FROM truth, found, hit \gset q_
\echo 'records' :q_records ', persons' :q_persons ', customers found' :q_customers_found ', scored pairs' :q_scored_pairs
\echo 'pairwise after clustering: true pairs' :q_true_pairs ', found' :q_pairs_found ', correct' :q_correct
\echo 'precision' :q_precision ' recall' :q_recall ' F1' :q_f1 ' (target F1 >= 0.95)'
\echo 'end to end' :total_seconds 's (target < 300 s); backend peak resident memory' :peak_mb 'MB, of which shared buffers' :shmem_mb 'MB at the end'

-- where the errors are: the most frequent comparison vectors (full name, birth date, e-mail, phone,
-- postcode; 3 = exact ... 0 = different, -1 = missing) of wrong merges and missed pairs (no vector:
-- not a candidate of any blocking rule)
SELECT 'scored p >= 0.5, different persons' AS kind, s.levels, count(*) AS pairs
FROM scored s JOIN customers_raw a ON a.id = s.id_l JOIN customers_raw b ON b.id = s.id_r
WHERE s.probability >= 0.5 AND a.person_id <> b.person_id GROUP BY s.levels ORDER BY count(*) DESC LIMIT 5;
SELECT 'same person, p < 0.5 or not a candidate' AS kind, s.levels, count(*) AS pairs
FROM customers_raw a JOIN customers_raw b ON a.person_id = b.person_id AND a.id < b.id
LEFT JOIN scored s ON s.id_l = a.id AND s.id_r = b.id
WHERE coalesce(s.probability, 0) < 0.5 GROUP BY s.levels ORDER BY count(*) DESC LIMIT 5;
