-- bench/match: persons and households on the generated French base (data/generate_french_base.sql):
-- the docs/match.md recipe with households, term frequencies and distinct fields, timed per step, then
-- person- and household-level pairwise precision / recall / F1 against the truth (bench/match/quality.sql),
-- next to the plain recipe (connected components of pairs above 0.5: households merged into persons) when
-- :plain is on (run_fr.sh: bases up to 100,000 records; past it its giant components take minutes).
\set QUIET on
\pset footer off
SET jit = off;
CREATE TABLE steps (step int GENERATED ALWAYS AS IDENTITY, what text, seconds float8);
CREATE PROCEDURE pg_temp.step(what text, query text) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
    EXECUTE query;
    INSERT INTO steps (what, seconds) VALUES (what, extract(epoch FROM clock_timestamp() - t0));
END $$;

CALL pg_temp.step('1. clean fields and keys', format($q$
CREATE TABLE fr_clean AS
SELECT id, first_name, last_name, nullif(concat_ws(' ', first_name, last_name), '') AS full_name,
       birth_date, email, phone, gender, postcode, address_key, first_key, last_key,
       least(first_key, last_key) || '|' || greatest(first_key, last_key) AS name_key, -- the same when names are swapped
       coalesce(address_key, postcode) AS location  -- address and postcode compared as one field ('location')
FROM (SELECT *, nullif(c360.phonetic_fr(first_name), '') AS first_key, nullif(c360.phonetic_fr(last_name), '') AS last_key FROM (SELECT id,
             nullif(c360.normalize_name(first_name), '') AS first_name,
             nullif(c360.normalize_name(last_name), '') AS last_name,
             CASE WHEN birth_date ~ '^\d{2}/\d{2}/\d{4}$' THEN to_char(to_date(birth_date, 'DD/MM/YYYY'), 'YYYYMMDD')
                  WHEN birth_date ~ '^\d{4}-\d{2}-\d{2}$' THEN replace(birth_date, '-', '') END AS birth_date,
             c360.normalize_email(email) AS email,
             c360.normalize_phone(phone, 'FR') AS phone,
             CASE WHEN civility = 'M.' OR first_name ~* '^m\. ' THEN 'M' WHEN civility IN ('Mme', 'Mlle') OR first_name ~* '^mme ' THEN 'F' END AS gender,
             nullif(btrim(postcode), '') AS postcode,
             %s AS address_key
      FROM fr_records) r) k$q$, :'address_key'));
CALL pg_temp.step('   analyze, index the blocking keys', $q$
ANALYZE fr_clean$q$);

CREATE TABLE fr_settings AS SELECT
  ARRAY['full_name','birth_date','email','phone','location','gender']::name[] AS fields,
  ARRAY['tokens','date','exact','exact','location','exact'] AS methods,
  ARRAY['email','phone','name_key+birth_date','first_key+birth_date','address_key+last_key','name_key+postcode',
        'last_key+postcode','first_key+postcode'] AS blocks,
  ARRAY['full_name']::name[] AS tf_fields,
  ARRAY['full_name','birth_date','gender']::name[] AS distinct_fields,
  'address_key'::name AS household_key, ARRAY['last_name','email','phone']::name[] AS household_fields,
  :threshold::float8 AS threshold;

CALL pg_temp.step('2. c360.match_train (random pairs, term frequencies of full names)', format($q$
CREATE TABLE fr_models AS
SELECT c360.match_train('fr_clean', 'id', fields, methods, blocks, random_pairs => %s, tf_fields => tf_fields) AS model FROM fr_settings$q$,
    :random_pairs));
CALL pg_temp.step('3. c360.match_persons (persons, households)', $q$
CREATE TABLE resolved AS
SELECT p.* FROM fr_models m, fr_settings s,
     c360.match_persons('fr_clean', 'id', s.fields, s.methods, s.blocks, m.model, s.threshold, s.distinct_fields,
                        s.household_key, s.household_fields) p$q$);
\if :plain
CALL pg_temp.step('   plain recipe for comparison: c360.match_score + c360.cluster_pairs (p >= 0.5)', $q$
CREATE TABLE plain_resolved AS
SELECT c.record_id, c.cluster_id AS person_id, NULL::bigint AS household_id
FROM fr_models m, fr_settings s,
     c360.cluster_pairs_query(format('SELECT id_l, id_r FROM c360.match_score(%L, %L, %L, %L, %L, %L, 0.5)',
                                     'fr_clean', 'id', s.fields, s.methods, s.blocks, m.model)) c$q$);
\endif

\set QUIET off
SELECT what, round(seconds::numeric, 1) AS seconds FROM steps ORDER BY step;
SELECT round(sum(seconds)::numeric, 1) AS "end to end without the plain recipe (s)" FROM steps WHERE what NOT LIKE '%plain%';
\set resolved resolved
\echo '== persons and households (c360.match_persons)'
\ir quality.sql
\if :plain
\set resolved plain_resolved
\echo '== plain recipe (connected components at p >= 0.5)'
\ir quality.sql
\endif
