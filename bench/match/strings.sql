-- bench/match: string similarity over the same pairs, c360 against the functions an analyst would
-- otherwise use: fuzzystrmatch.levenshtein (contrib) and pg_similarity.jarowinkler (Debian package
-- postgresql-15-similarity). The pairs are full names of customers_raw (generate.sql): each
-- duplicate record with its original record, every other record with the next one (accents, case,
-- civility words, typos; 1 to ~40 characters).
-- One process per query (no parallel workers: pg_similarity does not declare its functions
-- parallel safe, and the per-call cost is what is compared); each query runs 3 times, interleaved,
-- the fastest run is kept.
\set QUIET on
\pset footer off
SET jit = off;
SET max_parallel_workers_per_gather = 0;
CREATE EXTENSION fuzzystrmatch;
CREATE EXTENSION pg_similarity;
CREATE TABLE string_pairs AS
SELECT coalesce(a.first_name, '') || ' ' || coalesce(a.last_name, '') AS a,
       coalesce(b.first_name, '') || ' ' || coalesce(b.last_name, '') AS b
FROM customers_raw a
JOIN customers_raw b ON b.id = CASE WHEN a.id <> a.person_id THEN a.person_id
                                    ELSE a.id % (SELECT max(id) FROM customers_raw) + 1 END;
VACUUM ANALYZE string_pairs;
SELECT count(*) AS pairs, round(avg(length(a)), 1) AS mean_length, max(length(a)) AS max_length,
       count(*) FILTER (WHERE a || b !~ '^[ -~]*$') AS pairs_with_non_ascii
FROM string_pairs \gset

CREATE TEMP TABLE runs (what text, seconds float8);
CREATE PROCEDURE pg_temp.time_it(what text, query text) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE query;
    INSERT INTO runs VALUES (what, extract(epoch FROM clock_timestamp() - t0));
END $$;
DO $$
BEGIN
    FOR i IN 1 .. 3 LOOP
        CALL pg_temp.time_it('scan floor: sum(length(a) + length(b))', 'SELECT sum(length(a) + length(b)) FROM string_pairs');
        CALL pg_temp.time_it('fuzzystrmatch: sum(levenshtein(a, b))', 'SELECT sum(public.levenshtein(a, b)) FROM string_pairs');
        CALL pg_temp.time_it('c360: sum(c360.levenshtein(a, b))', 'SELECT sum(c360.levenshtein(a, b)) FROM string_pairs');
        CALL pg_temp.time_it('pg_similarity: sum(jarowinkler(a, b))', 'SELECT sum(public.jarowinkler(a, b)) FROM string_pairs');
        CALL pg_temp.time_it('c360: sum(c360.jaro_winkler(a, b))', 'SELECT sum(c360.jaro_winkler(a, b)) FROM string_pairs');
    END LOOP;
END $$;

\set QUIET off
\echo 'pairs' :pairs ', mean length' :mean_length ', max length' :max_length ', pairs with non-ASCII characters' :pairs_with_non_ascii
SELECT what, round(min(seconds)::numeric, 3) AS best_seconds, round(max(seconds)::numeric, 3) AS worst_seconds
FROM runs GROUP BY what ORDER BY min(ctid);
SELECT round(((SELECT min(seconds) FROM runs WHERE what LIKE 'c360: sum(c360.levenshtein%')
           / (SELECT min(seconds) FROM runs WHERE what LIKE 'fuzzystrmatch%'))::numeric, 2) AS "levenshtein: c360 / fuzzystrmatch (target <= 1)",
       round(((SELECT min(seconds) FROM runs WHERE what LIKE 'c360: sum(c360.jaro_winkler%')
           / (SELECT min(seconds) FROM runs WHERE what LIKE 'pg_similarity%'))::numeric, 2) AS "jaro_winkler: c360 / pg_similarity (target <= 1)";

-- same answers? Levenshtein: fuzzystrmatch also counts characters (multibyte-aware); Jaro-Winkler:
-- pg_similarity works on bytes, so it differs from c360 (code points) on accented names
SELECT count(*) FILTER (WHERE public.levenshtein(a, b) <> c360.levenshtein(a, b)) AS levenshtein_differences,
       count(*) FILTER (WHERE abs(public.jarowinkler(a, b) - c360.jaro_winkler(a, b)) > 1e-9
                          AND a || b ~ '^[ -~]*$') AS jaro_winkler_differences_ascii,
       count(*) FILTER (WHERE abs(public.jarowinkler(a, b) - c360.jaro_winkler(a, b)) > 1e-9
                          AND a || b !~ '^[ -~]*$') AS jaro_winkler_differences_non_ascii
FROM string_pairs;
SELECT a, b, round(public.jarowinkler(a, b)::numeric, 4) AS pg_similarity, round(c360.jaro_winkler(a, b)::numeric, 4) AS c360
FROM (VALUES ('MARTHA', 'MARHTA'), ('DWAYNE', 'DUANE'), ('DIXON', 'DICKSONX'), ('Hélène', 'Helene'), ('Noël', 'Noel')) v(a, b);
