--
-- Base and blocking diagnostics (c360.base_diagnostics, c360.blocking_diagnostics); docs/match.md
-- "Base and blocking diagnostics".
--
-- A hand-made base of six records from three sources; clusters: person 1 = records {1, 2, 6}, person 4 =
-- {4, 5}, record 3 is not in the clusters table (a person of its own, id 3); household 1 = persons 1 and 4.
--   id source  e-mail         phone              addr      postcode dob
--   1  shop    jean@x.fr      06 12 34 56 78     12 rue A  75001    1961-03-12
--   2  web     JEAN@X.FR      NULL               12 rue A  75001    NULL
--   3  web     'not an email' '12'               NULL      75005    1967-11-07
--   4  shop    NULL           +33 7 00 00 00 01  3 rue B   NULL     ''
--   5  loyalty paul@z.fr      0700000001         3 rue B   75002    1970-01-01
--   6  shop    '  '           0612345678         12 rue A  75001    NULL
-- Expected by hand, overall: 6 records, 3 persons {1, 3, 4}, 2 households {1, 3}; usable e-mail 1, 2, 5 =
-- 3/6 (3 is no address, 6 is blank); valid phone 1, 4, 5, 6 = 4/6 ('12' is none); postal address (addr and
-- postcode) 1, 2, 5, 6 = 4/6; birth date 1, 3, 5 = 3/6 ('' is none); completeness name 6, email 4 (6 blank),
-- phone 5, addr 5, postcode 5, dob 3; duplicate rate (6 - 3) / 6 = 0.5; records per person: person 1 has 3,
-- person 4 has 2, person 3 has 1 (1/3 each); persons living with another: 1 and 4 (household 1) = 2/3;
-- persons in 2+ sources: 1 (shop, web) and 4 (shop, loyalty) = 2/3.
-- Source shop {1, 4, 6}: persons {1, 4}, 1 household, e-mail 1/3, phone 3/3, address 2/3 (4 has no
-- postcode), birth date 1/3, duplicate rate 1/3, person 1 has 2 shop records and person 4 one.
-- Source web {2, 3}: persons {1, 3}, 2 households, e-mail 1/2, phone 0, address 1/2, birth date 1/2,
-- completeness email 2/2 ('not an email' is filled in), phone 1/2; no duplicate.
-- Source loyalty {5}: everything 1/1.
-- Pairs of sources, persons: loyalty {4}, shop {1, 4}, web {1, 3}: loyalty+shop share {4}: 1 person, 1/2
-- of the persons of either, 1/1 of loyalty's, 1/2 of shop's; loyalty+web nothing; shop+web share {1}:
-- 1/3 of the persons of either, 1/2 of each.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
-- own schema: the suite shares one database
CREATE SCHEMA match_diagnostics;
SET search_path = match_diagnostics, public;

CREATE TABLE people (id bigint PRIMARY KEY, source text, name text, email text, phone text, addr text, postcode text, dob text);
INSERT INTO people VALUES
 (1, 'shop', 'Jean Dupont', 'jean@x.fr', '06 12 34 56 78', '12 rue A', '75001', '1961-03-12'),
 (2, 'web', 'jean dupont', 'JEAN@X.FR', NULL, '12 rue A', '75001', NULL),
 (3, 'web', 'Marie Curie', 'not an email', '12', NULL, '75005', '1967-11-07'),
 (4, 'shop', 'Paul Martin', NULL, '+33 7 00 00 00 01', '3 rue B', NULL, ''),
 (5, 'loyalty', 'Paul Martin', 'paul@z.fr', '0700000001', '3 rue B', '75002', '1970-01-01'),
 (6, 'shop', 'J. Dupont', '  ', '0612345678', '12 rue A', '75001', NULL);
CREATE TABLE clusters (record_id bigint, person_id bigint, household_id bigint);
INSERT INTO clusters VALUES (1, 1, 1), (2, 1, 1), (6, 1, 1), (4, 4, 1), (5, 4, 1);
SELECT * FROM c360.base_diagnostics('people', 'id', 'clusters', 'source', 'email', 'phone', '{addr,postcode}', 'dob',
                                    household_col => 'household_id');
-- the same figures as independent queries: overall shares, and the share of shop persons also in web
SELECT count(*) FILTER (WHERE c360.normalize_email(email) IS NOT NULL) AS emails,
       count(*) FILTER (WHERE c360.normalize_phone(phone) IS NOT NULL) AS phones,
       count(*) FILTER (WHERE btrim(addr) <> '' AND btrim(postcode) <> '') AS addresses,
       count(*) FILTER (WHERE btrim(dob) <> '') AS births
FROM people;
-- only what is given: no contact columns, no source (overall only), no household; completeness of two fields
SELECT * FROM c360.base_diagnostics('people', 'id', 'clusters', fields => '{name,dob}');

-- Blocking, rules postcode, addr, name (values compared as they are):
--   postcode: 75001 = {1, 2, 6}: 3 pairs (1,2) (1,6) (2,6), all new; cumulative 3
--   addr: '12 rue A' {1, 2, 6} and '3 rue B' {4, 5}: 4 pairs, new (4,5) only; cumulative 4
--   name: 'Paul Martin' {4, 5}: 1 pair, not new ('Jean Dupont' <> 'jean dupont'); cumulative 4
SELECT * FROM c360.blocking_diagnostics('people', 'id', ARRAY['postcode', 'addr', 'name']);
-- with a hand model of one field, name compared 'exact': prior 0.5, m = (0.2, 0.8), u = (0.8, 0.2) for levels
-- (different, equal): weight log2(0.8/0.2) = 2 when equal, p = 4/5 = 0.8; -2 when different, p = 0.2.
-- Rule 1's 3 new pairs have different names: 3 x 0.2 = 0.6; rule 2's new pair (4,5) the same name: 0.8; rule 3
-- none: 0. Total 1.4: shares 0.6/1.4 = 0.428571428571, 0.8/1.4 = 0.571428571429, 0; cumulative 1 from rule 2.
SELECT rule_no, rule, pairs, new_pairs, cumulative_pairs, round(expected_matches::numeric, 12) AS expected_matches,
       round(cumulative_expected_matches::numeric, 12) AS cumulative_expected, round(share_of_expected_matches::numeric, 12) AS share,
       round(cumulative_share::numeric, 12) AS cumulative_share
FROM c360.blocking_diagnostics('people', 'id', ARRAY['postcode', 'addr', 'name'], '{name}', '{exact}',
                               '{3602, 1, 0.5, 0, 2, 0.2, 0.8, 0.8, 0.2}');
-- the sums of probabilities are those of c360.match_score on the same pairs
SELECT count(*) AS pairs, round(sum(probability)::numeric, 12) AS expected_matches
FROM c360.match_score('people', 'id', '{name}', '{exact}', ARRAY['postcode', 'addr', 'name'], '{3602, 1, 0.5, 0, 2, 0.2, 0.8, 0.8, 0.2}');
-- bounded: rule 1 would give 3 pairs, more than max_pairs 2: refused before any pair is made
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.blocking_diagnostics('people', 'id', ARRAY['addr', 'postcode'], max_pairs => 2)$$) AS over_max_pairs;
-- the error names the rule and its count, and hints at what to do
\set SHOW_CONTEXT never
SELECT * FROM c360.blocking_diagnostics('people', 'id', ARRAY['name', 'addr'], max_pairs => 3);
\set SHOW_CONTEXT errors

-- bad input: clear errors, proper SQLSTATEs
CREATE TABLE empty_people (LIKE people);
CREATE TABLE twice (id bigint, source text);
INSERT INTO twice VALUES (1, 'a'), (1, 'b');
CREATE TABLE many_sources AS SELECT i::bigint AS id, 'system ' || i AS source FROM generate_series(1, 101) i;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics(NULL, 'id', 'clusters')$$) AS null_source,
       pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics('people', NULL, 'clusters')$$) AS null_id_col,
       pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics('people', 'id', NULL)$$) AS null_clusters,
       pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics('people', 'id', 'clusters', default_country => NULL)$$) AS null_country;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics('people', 'id', 'clusters', email_col => 'e_mail')$$) AS unknown_email_col;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics('people', 'id', 'clusters', address_cols => '{addr,zip}')$$) AS unknown_address_col;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics('people', 'id', 'clusters', person_col => 'cluster_id')$$) AS unknown_person_col;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics('people', 'id', 'clusters', fields => '{name,NULL}')$$) AS null_field;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics('people', 'id', 'clusters', address_cols => '{}')$$) AS empty_address_cols;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics('people', 'id', 'clusters', default_country => 'XX')$$) AS unknown_country;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics('empty_people', 'id', 'clusters')$$) AS empty_source;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics('twice', 'id', 'clusters')$$) AS duplicate_ids;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics('people', 'id', 'twice', record_col => 'id', person_col => 'id')$$) AS two_rows_for_one_record;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.base_diagnostics('many_sources', 'id', 'clusters', 'source')$$) AS over_100_sources;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.blocking_diagnostics(NULL, 'id', '{addr}')$$) AS null_source,
       pg_temp.sqlstate_of($$SELECT * FROM c360.blocking_diagnostics('people', 'id', NULL)$$) AS null_blocks,
       pg_temp.sqlstate_of($$SELECT * FROM c360.blocking_diagnostics('people', 'id', '{addr}', max_pairs => NULL)$$) AS null_max_pairs,
       pg_temp.sqlstate_of($$SELECT * FROM c360.blocking_diagnostics('people', 'id', '{addr}', max_pairs => 0)$$) AS zero_max_pairs;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.blocking_diagnostics('people', 'id', '{addr+zip}')$$) AS unknown_rule_column;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.blocking_diagnostics('people', 'id', '{addr,""}')$$) AS empty_rule;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.blocking_diagnostics('people', 'id', '{addr}', model => '{3602, 1, 0.5, 0, 2, 0.2, 0.8, 0.8, 0.2}')$$) AS model_without_fields;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.blocking_diagnostics('people', 'id', '{addr}', '{name,dob}', '{exact,exact}', '{3602, 1, 0.5, 0, 2, 0.2, 0.8, 0.8, 0.2}')$$) AS model_of_other_fields;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.blocking_diagnostics('people', 'id', '{addr}', '{name}', '{exakt}', '{3602, 1, 0.5, 0, 2, 0.2, 0.8, 0.8, 0.2}')$$) AS unknown_method;
SELECT pg_temp.sqlstate_of($$SELECT * FROM c360.blocking_diagnostics('empty_people', 'id', '{addr}')$$) AS empty_source;

-- The generated French base (data/generate_french_base.sql, 2,000 records): cleaned as in
-- bench/match/dedup_fr.sql, a model trained with random pairs, persons and households by c360.match_persons.
\set records 2000
\set ECHO none
\set QUIET on
SET client_min_messages = warning;
\o /dev/null
\i :abs_srcdir/data/generate_french_base.sql
\o
RESET client_min_messages;
\set QUIET off
\set ECHO all
CREATE TABLE fr_clean AS
SELECT id, first_name, last_name, nullif(concat_ws(' ', first_name, last_name), '') AS full_name, birth_date, email, phone,
       gender, postcode, address_key, first_key, last_key, least(first_key, last_key) || '|' || greatest(first_key, last_key) AS name_key
FROM (SELECT *, nullif(c360.phonetic_fr(first_name), '') AS first_key, nullif(c360.phonetic_fr(last_name), '') AS last_key
      FROM (SELECT id, nullif(c360.normalize_name(first_name), '') AS first_name, nullif(c360.normalize_name(last_name), '') AS last_name,
                   CASE WHEN birth_date ~ '^\d{2}/\d{2}/\d{4}$' THEN to_char(to_date(birth_date, 'DD/MM/YYYY'), 'YYYYMMDD')
                        WHEN birth_date ~ '^\d{4}-\d{2}-\d{2}$' THEN replace(birth_date, '-', '') END AS birth_date,
                   c360.normalize_email(email) AS email, c360.normalize_phone(phone, 'FR') AS phone,
                   CASE WHEN civility = 'M.' OR first_name ~* '^m\. ' THEN 'M' WHEN civility IN ('Mme', 'Mlle') OR first_name ~* '^mme ' THEN 'F' END AS gender,
                   nullif(btrim(postcode), '') AS postcode,
                   nullif(postcode || ' ' || c360.normalize_name(regexp_replace(address, '^appt [0-9]+ - ', '', 'i')), postcode || ' ') AS address_key
            FROM fr_records) r) k;
CREATE TABLE fr_settings AS SELECT
  ARRAY['full_name','birth_date','email','phone','address_key','postcode','gender']::name[] AS fields,
  ARRAY['tokens','date','exact','exact','exact','code','exact'] AS methods,
  ARRAY['email','phone','name_key+birth_date','first_key+birth_date','address_key+last_key','name_key+postcode'] AS blocks;
CREATE TABLE fr_model AS SELECT c360.match_train('fr_clean', 'id', fields, methods, blocks, random_pairs => 200000) AS model FROM fr_settings;
CREATE TABLE fr_clusters AS
SELECT p.* FROM fr_model m, fr_settings s,
     c360.match_persons('fr_clean', 'id', s.fields, s.methods, s.blocks, m.model, 0.9, '{full_name,birth_date,gender}',
                        'address_key', '{last_name,email,phone}') p;
CREATE TABLE fr_base AS
SELECT * FROM c360.base_diagnostics('fr_records', 'id', 'fr_clusters', 'source', 'email', 'phone', '{address,postcode}', 'birth_date',
                                    household_col => 'household_id');
-- the truth of the generator as the clusters: the figures of the generated persons and households
CREATE VIEW fr_truth AS SELECT id AS record_id, person_id, household_id FROM fr_records;
CREATE TABLE fr_base_truth AS
SELECT * FROM c360.base_diagnostics('fr_records', 'id', 'fr_truth', 'source', 'email', 'phone', '{address,postcode}', 'birth_date',
                                    household_col => 'household_id');
-- scopes and metrics: overall, four sources, six pairs
SELECT scope, count(*) AS metrics FROM fr_base GROUP BY scope ORDER BY scope COLLATE "C";
-- against independent queries on the records (each must be true)
SELECT (SELECT n FROM fr_base WHERE scope = 'overall' AND metric = 'records') = (SELECT count(*) FROM fr_records) AS records,
       (SELECT sum(n) FROM fr_base WHERE scope LIKE 'source %' AND metric = 'records') = (SELECT count(*) FROM fr_records) AS sources_add_up,
       (SELECT n FROM fr_base WHERE scope = 'source web' AND metric = 'share with a usable e-mail')
         = (SELECT count(*) FROM fr_records WHERE source = 'web' AND c360.normalize_email(email) IS NOT NULL) AS web_emails,
       (SELECT n FROM fr_base WHERE scope = 'source shop' AND metric = 'share with a valid phone (E.164)')
         = (SELECT count(*) FROM fr_records WHERE source = 'shop' AND c360.normalize_phone(phone) IS NOT NULL) AS shop_phones,
       (SELECT n FROM fr_base WHERE scope = 'overall' AND metric = 'persons')
         = (SELECT count(DISTINCT coalesce(c.person_id, r.id)) FROM fr_records r LEFT JOIN fr_clusters c ON c.record_id = r.id) AS persons,
       (SELECT sum(n) FROM fr_base WHERE scope = 'overall' AND metric LIKE 'persons with % record%')
         = (SELECT n FROM fr_base WHERE scope = 'overall' AND metric = 'persons') AS distribution_adds_up,
       (SELECT n FROM fr_base WHERE scope = 'sources shop+web' AND metric = 'persons in both')
         = (SELECT count(*) FROM (SELECT c.person_id FROM fr_records r JOIN fr_clusters c ON c.record_id = r.id
                                  GROUP BY 1 HAVING bool_or(source = 'shop') AND bool_or(source = 'web')) x) AS shop_web_overlap,
       abs((SELECT value FROM fr_base_truth WHERE scope = 'overall' AND metric = 'duplicate rate')
           - (SELECT (count(*) - count(DISTINCT person_id))::float8 / count(*) FROM fr_records)) < 1e-12 AS true_duplicate_rate;
-- the persons found are close to the generator's (duplicate rate within 0.02, persons within 3 %)
SELECT abs(f.value - t.value) < 0.02 AS duplicate_rate_close, abs(fp.n - tp.n) < 0.03 * tp.n AS persons_close
FROM fr_base f, fr_base_truth t, fr_base fp, fr_base_truth tp
WHERE f.scope = 'overall' AND t.scope = 'overall' AND f.metric = 'duplicate rate' AND t.metric = 'duplicate rate'
  AND fp.scope = 'overall' AND tp.scope = 'overall' AND fp.metric = 'persons' AND tp.metric = 'persons';
-- blocking: the cumulative pairs are c360.candidate_pairs, the expected matches the sum of c360.match_score's
-- probabilities; each rule's new pairs are its pairs not given by an earlier rule
CREATE TABLE fr_blocking AS
SELECT d.* FROM fr_model m, fr_settings s, c360.blocking_diagnostics('fr_clean', 'id', s.blocks, s.fields, s.methods, m.model) d;
SELECT rule_no, rule, pairs >= new_pairs AS new_within_pairs, cumulative_share <= 1 + 1e-12 AS share_at_most_1 FROM fr_blocking ORDER BY rule_no;
SELECT (SELECT max(cumulative_pairs) FROM fr_blocking) = (SELECT count(*) FROM fr_settings s, c360.candidate_pairs('fr_clean', 'id', s.blocks)) AS cumulative_pairs,
       (SELECT sum(new_pairs) FROM fr_blocking) = (SELECT max(cumulative_pairs) FROM fr_blocking) AS new_pairs_add_up,
       abs((SELECT max(cumulative_expected_matches) FROM fr_blocking)
           - (SELECT sum(probability) FROM fr_model m, fr_settings s, c360.match_score('fr_clean', 'id', s.fields, s.methods, s.blocks, m.model))) < 1e-6 AS expected_matches,
       abs((SELECT cumulative_share FROM fr_blocking WHERE rule_no = 6) - 1) < 1e-12 AS all_rules_recover_all,
       (SELECT new_pairs FROM fr_blocking WHERE rule_no = 2)
         = (SELECT count(*) FROM fr_settings s, c360.candidate_pairs('fr_clean', 'id', s.blocks[2:2]) p
            WHERE (p.id_l, p.id_r) NOT IN (SELECT id_l, id_r FROM fr_settings s, c360.candidate_pairs('fr_clean', 'id', s.blocks[1:1]))) AS phone_new_pairs;
-- the expected matches against the true pairs among the candidates: within 15 % (on this base the model
-- over-estimates: members of one household share address, e-mail and phone and score as matches)
SELECT abs((SELECT max(cumulative_expected_matches) FROM fr_blocking) - count(*)) < 0.15 * count(*) AS expected_close_to_true
FROM fr_settings s, c360.candidate_pairs('fr_clean', 'id', s.blocks) p
JOIN fr_records l ON l.id = p.id_l JOIN fr_records r ON r.id = p.id_r WHERE l.person_id = r.person_id;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA match_diagnostics CASCADE;
RESET client_min_messages;
