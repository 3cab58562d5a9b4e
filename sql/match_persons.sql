--
-- Persons and households (c360.match_persons), identification as records arrive (c360.match_resolve,
-- c360.resolve_on_insert); docs/match.md "Persons and households".
-- A hand-made household at 12 av. Victor Hugo: Jean Dupont the father (1, 3) and Jean Dupont the son (2, 4
-- with a typo in the surname) share the family e-mail and phone; Marie (5, 9) the mother; 8 is a Jean Dupont
-- without birth date. Expected by hand (hand model below, threshold 0.9): father {1, 3, 8} (8 ties with the
-- son and goes to the smaller ids), son {2}, 4 alone (no blocking rule pairs it: surname typo, other e-mail,
-- no phone), mother {5}, 9 alone (weight 3.0 with 5, p 0.89 < 0.9); household {1, 2, 3, 5, 8, 9}; Paul
-- Martin {6, 7} elsewhere. Without distinct fields the father, son and mother become one person.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
-- own schema: the suite shares one database and other tests have tables named people, settings, base
CREATE SCHEMA match_persons;
SET search_path = match_persons, public;

CREATE TABLE people (id bigint PRIMARY KEY, first_name text, last_name text, dob text, email text, phone text, addr text, civ text);
INSERT INTO people VALUES
 (1, 'jean', 'dupont', '19610312', 'jean.dupont@x.fr', '+33612345678', '12 AV VICTOR HUGO 75016', 'M'),
 (2, 'jean', 'dupont', '19890312', 'jean.dupont@x.fr', '+33612345678', '12 AV VICTOR HUGO 75016', 'M'),
 (3, 'jean', 'dupont', '19610312', NULL, '+33612345678', '12 AV VICTOR HUGO 75016', NULL),
 (4, 'jean', 'dupond', '19890312', 'j.dupont89@y.fr', NULL, '12 AV VICTOR HUGO 75016', NULL),
 (5, 'marie', 'dupont', '19630704', 'jean.dupont@x.fr', '+33612345678', '12 AV VICTOR HUGO 75016', 'F'),
 (6, 'paul', 'martin', '19700101', 'paul@z.fr', '+33700000000', '3 RUE DE LA PAIX 75002', 'M'),
 (7, 'paul', 'martin', '19700101', 'paul@z.fr', NULL, '3 RUE DE LA PAIX 75002', NULL),
 (8, 'jean', 'dupont', NULL, 'jean.dupont@x.fr', '+33612345678', '12 AV VICTOR HUGO 75016', NULL),
 (9, 'marie', 'dupont', '19630407', NULL, NULL, '12 AV VICTOR HUGO 75016', NULL);
-- model: fields first_name(name) last_name(name) dob(date) email(exact) phone(exact) civ(exact)
SELECT ARRAY[3602, 6, 0.001, 0, 4,4,4,2,2,2,
  0.05,0.05,0.1,0.8,  0.9,0.05,0.03,0.02,
  0.05,0.05,0.1,0.8,  0.9,0.05,0.03,0.02,
  0.02,0.03,0.05,0.9, 0.97,0.01,0.01,0.01,
  0.2,0.8, 0.9999,0.0001,
  0.2,0.8, 0.9999,0.0001,
  0.05,0.95, 0.5,0.5]::float8[] AS model \gset
CREATE TABLE settings AS SELECT ARRAY['first_name','last_name','dob','email','phone','civ']::name[] AS fields,
  ARRAY['name','name','date','exact','exact','exact'] AS methods, ARRAY['email','phone','last_name+dob','addr+last_name'] AS blocks,
  :'model'::float8[] AS model, 0.9::float8 AS threshold, ARRAY['first_name','dob','civ']::name[] AS distinct_fields,
  'addr'::name AS household_key, ARRAY['last_name','email','phone']::name[] AS household_fields;
SELECT p.* FROM settings s, c360.match_persons('people', 'id', s.fields, s.methods, s.blocks, s.model, s.threshold, s.distinct_fields, s.household_key, s.household_fields) p ORDER BY 1;
-- without distinct fields: households merged into one person
SELECT p.* FROM settings s, c360.match_persons('people', 'id', s.fields, s.methods, s.blocks, s.model, s.threshold) p ORDER BY 1;
-- incremental, one by one in a shuffled order, then compare
CREATE TABLE clusters (record_id bigint PRIMARY KEY, person_id bigint, household_id bigint, component_id bigint);
CREATE INDEX ON clusters (component_id); CREATE INDEX ON clusters (household_id);
DO $$
DECLARE i bigint;
BEGIN
  FOR i IN SELECT unnest('{5,9,2,7,1,8,4,3,6}'::bigint[]) LOOP
    PERFORM c360.match_resolve('people', 'id', s.fields, s.methods, s.blocks, s.model, 'clusters', ARRAY[i], s.threshold, s.distinct_fields, s.household_key, s.household_fields) FROM settings s;
  END LOOP;
END $$;
SELECT * FROM clusters ORDER BY 1;
SELECT count(*) AS differences FROM clusters c FULL JOIN (SELECT p.* FROM settings s, c360.match_persons('people', 'id', s.fields, s.methods, s.blocks, s.model, s.threshold, s.distinct_fields, s.household_key, s.household_fields) p) b USING (record_id)
WHERE (c.person_id, c.household_id, c.component_id) IS DISTINCT FROM (b.person_id, b.household_id, b.component_id);
-- trigger
CREATE TABLE people2 (LIKE people);
CREATE TABLE clusters2 (LIKE clusters);
SELECT c360.resolve_on_insert('people2', 'id', 'settings', 'clusters2');
INSERT INTO people2 SELECT * FROM people WHERE id IN (1, 2, 6);
INSERT INTO people2 SELECT * FROM people WHERE id NOT IN (1, 2, 6);
SELECT count(*) AS trigger_differences FROM clusters2 c FULL JOIN clusters b USING (record_id)
WHERE (c.person_id, c.household_id, c.component_id) IS DISTINCT FROM (b.person_id, b.household_id, b.component_id);

-- property: on a generated base (families sharing address, e-mail and phone, duplicates with typos and
-- missing values), resolving the records one by one in a shuffled order, or in batches, gives exactly the
-- batch's persons, households and components
CREATE TABLE base AS
WITH fam AS (SELECT f, (ARRAY['dupont','martin','bernard','petit','durand','leroy','moreau','simon'])[1 + f % 8] || (f / 8) AS last_name,
                    (f % 5) < 2 AS shared_email FROM generate_series(1, 60) f),
     person AS (SELECT f.*, k, (ARRAY['jean','marie','pierre','anne','paul','julie'])[1 + (f.f * 7 + k * 3) % 6] AS first_name,
                       (19500101 + ((f.f * 37 + k * 11) % 50) * 10000 + 101 + (k * 97 % 28))::text AS dob
                FROM fam f, generate_series(1, 1 + f.f % 4) k),
     rec AS (SELECT p.*, d, row_number() OVER (ORDER BY hashint4(p.f * 100 + p.k * 10 + d)) AS id FROM person p, generate_series(0, (p.f + p.k) % 3) d)
SELECT id::bigint AS id, CASE WHEN d = 2 THEN overlay(first_name PLACING 'x' FROM 2 FOR 1) ELSE first_name END AS first_name,
       last_name, CASE WHEN d = 1 AND k = 1 THEN NULL ELSE dob END AS dob,
       CASE WHEN shared_email THEN last_name || '@famille.fr' WHEN d = 2 THEN NULL ELSE first_name || '.' || last_name || '@mail.fr' END AS email,
       CASE WHEN d <> 1 THEN '+3314' || lpad((f * 1000)::text, 7, '0') END AS phone,
       f || ' rue de la paix' AS addr, NULL::text AS civ, f AS true_household, f * 10 + k AS true_person
FROM rec;
SELECT count(*) AS records, count(DISTINCT true_person) AS persons, count(DISTINCT true_household) AS households FROM base;
CREATE TABLE base_batch AS
SELECT p.* FROM settings s, c360.match_persons('base', 'id', s.fields, s.methods, s.blocks, s.model, s.threshold, s.distinct_fields, s.household_key, s.household_fields) p;
-- quality against the truth (pairwise): persons and households
WITH r AS (SELECT b.id, b.true_person, b.true_household, c.person_id, c.household_id FROM base b JOIN base_batch c ON c.record_id = b.id),
pairs AS (SELECT (x.true_person = y.true_person) AS same_p, (x.person_id = y.person_id) AS found_p,
                 (x.true_household = y.true_household) AS same_h, (x.household_id = y.household_id) AS found_h
          FROM r x JOIN r y ON x.id < y.id)
SELECT count(*) FILTER (WHERE same_p AND found_p) AS person_pairs_correct, count(*) FILTER (WHERE found_p AND NOT same_p) AS person_pairs_wrong,
       count(*) FILTER (WHERE same_p AND NOT found_p) AS person_pairs_missed,
       count(*) FILTER (WHERE same_h AND found_h) AS household_pairs_correct, count(*) FILTER (WHERE found_h AND NOT same_h) AS household_pairs_wrong
FROM pairs;
CREATE TABLE base_clusters (record_id bigint PRIMARY KEY, person_id bigint, household_id bigint, component_id bigint);
CREATE INDEX ON base_clusters (component_id); CREATE INDEX ON base_clusters (household_id);
DO $$
DECLARE i bigint;
BEGIN
  FOR i IN SELECT id FROM base ORDER BY hashint8(id * 7919) LOOP
    PERFORM c360.match_resolve('base', 'id', s.fields, s.methods, s.blocks, s.model, 'base_clusters', ARRAY[i], s.threshold, s.distinct_fields, s.household_key, s.household_fields) FROM settings s;
  END LOOP;
END $$;
SELECT count(*) AS one_by_one_differences FROM base_clusters c FULL JOIN base_batch b USING (record_id)
WHERE (c.person_id, c.household_id, c.component_id) IS DISTINCT FROM (b.person_id, b.household_id, b.component_id);
TRUNCATE base_clusters;
DO $$
DECLARE b int;
BEGIN
  FOR b IN 0 .. 4 LOOP
    PERFORM c360.match_resolve('base', 'id', s.fields, s.methods, s.blocks, s.model, 'base_clusters',
                               ARRAY(SELECT id FROM base WHERE hashint8(id) % 5 IN (b, -b)), s.threshold, s.distinct_fields, s.household_key, s.household_fields)
    FROM settings s;
  END LOOP;
END $$;
SELECT count(*) AS five_batches_differences FROM base_clusters c FULL JOIN base_batch b USING (record_id)
WHERE (c.person_id, c.household_id, c.component_id) IS DISTINCT FROM (b.person_id, b.household_id, b.component_id);
-- resolving records already in the clusters table writes nothing
SELECT count(*) AS rewritten FROM settings s, c360.match_resolve('base', 'id', s.fields, s.methods, s.blocks, s.model, 'base_clusters', ARRAY[1, 2, 3]::bigint[]);
-- what a resolution returns: the rows written, with the person each record had before (golden records to refresh)
DELETE FROM base_clusters WHERE record_id = (SELECT min(id) FROM base WHERE true_person = (SELECT true_person FROM base GROUP BY 1 HAVING count(*) = 3 ORDER BY 1 LIMIT 1));
SELECT count(*) > 0 AS some_rows_written, bool_and(previous_person_id IS NULL OR previous_person_id >= person_id) AS ids_only_decrease
FROM settings s, c360.match_resolve('base', 'id', s.fields, s.methods, s.blocks, s.model, 'base_clusters',
     ARRAY(SELECT id FROM base), s.threshold, s.distinct_fields, s.household_key, s.household_fields);

-- bad input
SELECT pg_temp.sqlstate_of($$SELECT * FROM settings s, c360.match_persons('people', 'id', s.fields, s.methods, s.blocks, NULL)$$) AS null_model,
       pg_temp.sqlstate_of($$SELECT * FROM settings s, c360.match_persons('people', 'id', s.fields, s.methods, s.blocks, s.model, 1)$$) AS threshold_one,
       pg_temp.sqlstate_of($$SELECT * FROM settings s, c360.match_persons('people', 'id', s.fields, s.methods, s.blocks, s.model, 0.5, '{gender}')$$) AS unknown_distinct_field,
       pg_temp.sqlstate_of($$SELECT * FROM settings s, c360.match_persons('people', 'id', s.fields, s.methods, s.blocks, s.model, 0.5, NULL, NULL, '{email}')$$) AS household_fields_without_key,
       pg_temp.sqlstate_of($$SELECT * FROM settings s, c360.match_persons('people', 'id', s.fields, s.methods, s.blocks, s.model, 0.5, NULL, 'nowhere')$$) AS unknown_household_key,
       pg_temp.sqlstate_of($$SELECT * FROM settings s, c360.match_resolve('people', 'id', s.fields, s.methods, s.blocks, s.model, NULL, '{1}')$$) AS null_clusters,
       pg_temp.sqlstate_of($$SELECT c360.resolve_on_insert('people', 'id', 'people', 'clusters')$$) AS settings_without_columns;
SELECT c360.compare_level('19610312', '19611203', 'date') AS day_month_swapped, c360.compare_level('19610312', '19890312', 'date') AS father_son,
       c360.method_conflict_level('date') AS date_conflict_at, c360.method_conflict_level('exact') AS exact_conflict_at;
-- the conflict rule: typos are not another name, the feminine of a first name is
SELECT c360.clearly_differ('jsan durand', 'jean duaand', 'tokens') AS typo_in_each_word,
       c360.clearly_differ('miciel lefevre', 'miohel lefevre', 'tokens') AS typo_on_each_side,
       c360.clearly_differ('pierre martin', 'paul martin', 'tokens') AS other_first_name,
       c360.clearly_differ('lea martin', 'jean martin', 'tokens') AS short_names_two_edits,
       c360.clearly_differ('19610312', '19890312', 'date') AS father_son_birth_dates,
       c360.clearly_differ(NULL, 'jean martin', 'tokens') AS missing_never_differs;
SELECT pg_temp.sqlstate_of($$SELECT c360.clearly_differ('a', 'b', NULL)$$) AS null_method,
       pg_temp.sqlstate_of($$SELECT c360.clearly_differ('a', 'b', 'soundex')$$) AS unknown_method;
RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA match_persons CASCADE;
RESET client_min_messages;
