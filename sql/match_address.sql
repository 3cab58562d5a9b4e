--
-- French postal addresses (c360.parse_address_fr, normalize_address_fr, address_key_fr, format_address_fr,
-- the 'address' comparison method); docs/match.md "French postal addresses". The rules are La Poste's
-- published reading of AFNOR NF Z10-011 (cited in the docs): 6 lines at most, 38 characters at most,
-- upper case, no punctuation from line 4 on, street label abbreviated only past 32 characters, 5 bis
-- written 5 B, 15/17 written 15, SAINT written ST in the locality, CEDEX kept.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
CREATE SCHEMA match_address;
SET search_path = match_address, public;

-- the issue's pair: one delivery point, one key
SELECT c360.address_key_fr('12 bis av. Victor Hugo 75016 Paris') AS a,
       c360.address_key_fr('12B AVENUE VICTOR-HUGO, 75016 PARIS') AS b,
       c360.address_key_fr('12 bis av. Victor Hugo 75016 Paris') = c360.address_key_fr('12B AVENUE VICTOR-HUGO, 75016 PARIS') AS same;

CREATE TABLE vectors (id int PRIMARY KEY, address text, postcode text, city text);
INSERT INTO vectors VALUES
 (1, '12 bis av. Victor Hugo', '75016', 'Paris'),
 (2, 'Appt 12 - 12B r. Victor Hugo', '75011', 'Paris'),
 (3, '3ème étage, 5 r. de l''Église', '69003', 'Lyon'),
 (4, 'BAT A ESC 2 APPT 12, 7 ch. du Moulin', '31000', 'Toulouse'),
 (5, 'Résidence Les Pins, 4 imp. des Lilas', '44000', 'Nantes'),
 (6, '12, rue de la Paix', '75002', 'Paris'),
 (7, '15/17 bd Saint-Michel', '75005', 'PARIS 5E'),
 (8, '4 à 8 rue Pasteur', '13008', 'Marseille'),
 (9, 'La Canebière', '13001', 'Marseille'),
 (10, 'Lieu-dit Le Moulin', '33380', 'Mios'),
 (11, '25 rue de l''Eglise, Caudos', '33380', 'Mios'),
 (12, 'BP 123', '75008', 'Paris Cedex 08'),
 (13, '12 r St Michel', '35000', 'Rennes'),
 (14, '10 av. du Gal de Gaulle', '38120', 'Saint-Égrève'),
 (15, 'N° 3 all. des Acacias', '37000', 'Tours'),
 (16, '14 quai Voltaire 75007 Paris, France', NULL, NULL),
 (17, 'Chez M. Martin, 3 rue des Écoles 63000 Clermont-Ferrand', NULL, NULL),
 (18, '7 rte Nationale', '6000', 'Nice'),
 (19, '12 rue Foch', 'F-76000', 'Rouen'),
 (20, '12 boulevard du Maréchal de Lattre de Tassigny', '06000', 'Nice');
SELECT id, c360.normalize_address_fr(address, postcode, city) AS normalized,
       c360.address_key_fr(address, postcode, city) AS key
FROM vectors ORDER BY id;
SELECT id, (p).* FROM (SELECT id, c360.parse_address_fr(address, postcode, city) AS p FROM vectors) s ORDER BY id;
-- normalising is idempotent: the canonical form reads back to itself and to the same key
SELECT count(*) AS not_idempotent FROM vectors
WHERE c360.normalize_address_fr(c360.normalize_address_fr(address, postcode, city)) IS DISTINCT FROM c360.normalize_address_fr(address, postcode, city)
   OR c360.address_key_fr(c360.normalize_address_fr(address, postcode, city)) IS DISTINCT FROM c360.address_key_fr(address, postcode, city);

-- lines: at most 6, at most 38 characters each, upper case, only letters, digits and spaces
SELECT id, c360.format_address_fr(address, postcode, city) AS lines FROM vectors ORDER BY id;
SELECT count(*) AS bad_lines FROM vectors v, unnest(c360.format_address_fr(address, postcode, city, 'Mme Élise Müller-Durand')) l
WHERE length(l) > 38 OR l !~ '^[A-Z0-9 ]+$' OR l <> btrim(l) OR l ~ '  ';
SELECT count(*) AS more_than_6_lines FROM vectors WHERE cardinality(c360.format_address_fr(address, postcode, city, 'M. Jean Dupont')) > 6;
-- "AVENUE DES FLEURS (17 characters) is not abbreviated"; a 43-character label is, step by step
SELECT c360.format_address_fr('12 avenue des Fleurs', '75011', 'Paris') AS short,
       c360.format_address_fr('12 boulevard du Maréchal de Lattre de Tassigny', '06000', 'Nice') AS long,
       c360.format_address_fr('128 bis rue de la Porte de la Chapelle Saint Denis', '75018', 'Paris') AS longer;
SELECT c360.format_address_fr('Appartement 1208 Escalier B Couloir gauche porte 3 chez Madame Marie-Christine de la Rochefoucauld',
                              '59000', 'Lille', 'Madame Marie-Christine de la Rochefoucauld-Liancourt') AS cut_at_a_word;

-- the arguments win over the text's postcode and city (which are removed from it)
SELECT c360.normalize_address_fr('12 rue Foch 75016 Paris', '76000', 'Rouen') AS args_win,
       c360.normalize_address_fr('12 rue Foch', NULL, 'Saint-Étienne') AS city_only,
       c360.address_key_fr('12 rue Foch', NULL, 'Rouen') AS no_postcode_no_key,
       c360.address_key_fr(NULL, '75016', 'Paris') AS no_street_no_key,
       c360.normalize_address_fr(NULL, '75016', 'Paris') AS locality_only;

-- the comparison method: 3 same key, 2 same number and postcode with a close street, 1 same street, 0, -1 no key
SELECT c360.method_levels('address') AS levels, c360.method_conflict_level('address') AS conflict;
SELECT a, b, c360.compare_level(a, b, 'address') AS level FROM (VALUES
 ('12 bis av. Victor Hugo 75016 Paris', '12B AVENUE VICTOR-HUGO, 75016 PARIS'),
 ('12 av. Victor Hugo 75016 Paris', '12 av. Victor Hugi 75016 Paris'),
 ('12 Victor Hugo 75016 Paris', '12 avenue Victor Hugo 75016 Paris'),
 ('12 av. Victor Hugo 75016 Paris', '14 av. Victor Hugo 75016 Paris'),
 ('12 av. Victor Hugo 75016 Paris', '12 bis av. Victor Hugo 75016 Paris'),
 ('12 av. Victor Hugo 75016 Paris', '12 rue Victor Hugo 75016 Paris'),
 ('12 av. Victor Hugo 75016 Paris', '12 av. Victor Hugo 75116 Paris'),
 ('12 av. Victor Hugo 75016 Paris', '3 rue de la Paix 75016 Paris'),
 ('12 av. Victor Hugo', '12 av. Victor Hugo'),
 ('75016 Paris', '75016 Paris'),
 ('', '12 av. Victor Hugo 75016 Paris')) v(a, b);
SELECT c360.compare_level(NULL, '12 av. Victor Hugo 75016 Paris', 'address') AS null_level;

-- as a household key: records of one delivery point written five ways
CREATE TABLE people (id int, address text, postcode text, city text);
INSERT INTO people VALUES (1, '12 bis av. Victor Hugo', '75016', 'Paris'), (2, 'Appt 3 - 12B AVENUE VICTOR-HUGO', '75016', 'PARIS'),
 (3, '12 bis, avenue Victor Hugo', '75016', 'Paris 16'), (4, '12 BIS AV VICTOR HUGO 75016 PARIS', NULL, NULL),
 (5, '12 av. Victor Hugo', '75016', 'Paris'), (6, '12 bis av. Victor Hugo', '75116', 'Paris');
SELECT c360.address_key_fr(address, postcode, city) AS household_key, array_agg(id ORDER BY id) AS ids
FROM people GROUP BY 1 ORDER BY 1;

-- the ways data/generate_french_base.sql writes a street line (its 16 streets; type full, abbreviated or
-- upper case; name as is or upper case without accents; bis or B; an "Appt n - " prefix): one key per
-- delivery point, and no two delivery points share one
CREATE TABLE streets (i int, type text, abbr text, name text);
INSERT INTO streets SELECT ordinality - 1, t, a, n FROM unnest(
 ARRAY['rue','avenue','boulevard','rue','chemin','impasse','place','rue','allée','route','rue','avenue','quai','rue','rue','boulevard'],
 ARRAY['r.','av.','bd','r.','ch.','imp.','pl.','r.','all.','rte','r.','av.','quai','r.','r.','bd'],
 ARRAY['Victor Hugo','de la Paix','Jean Jaurès','Pasteur','des Écoles','du Moulin','de la République','Gambetta','des Lilas',
       'Nationale','de l''Église','Foch','Voltaire','Saint-Michel','des Acacias','du Général de Gaulle']) WITH ORDINALITY AS x(t, a, n);
CREATE TABLE written AS
SELECT s.i, rep IS NOT NULL AS bis,
       prefix || '7' || coalesce(rep, '') || ' ' || ty || ' ' || nm AS line
FROM streets s, unnest(ARRAY['', 'Appt 12 - ']) prefix, unnest(ARRAY[NULL, ' bis', 'B']) rep,
     LATERAL unnest(ARRAY[s.type, s.abbr, upper(s.type)]) ty,
     LATERAL unnest(ARRAY[s.name, upper(translate(s.name, 'éèêëàâäîïôöùûüçÉ', 'eeeeaaaiioouuucE'))]) nm;
SELECT count(*) AS lines, count(DISTINCT (i, bis)) AS delivery_points,
       count(DISTINCT c360.address_key_fr(line, '75011', 'Paris')) AS keys,
       count(*) FILTER (WHERE c360.address_key_fr(line, '75011', 'Paris') IS NULL) AS without_key,
       (SELECT count(*) FROM (SELECT i, bis FROM written GROUP BY i, bis
                              HAVING count(DISTINCT c360.address_key_fr(line, '75011', 'Paris')) > 1) x) AS split_points
FROM written;

-- bad input: NULL, empty, only punctuation, non-Latin scripts, a 10 kB string, invalid postcodes
SELECT c360.parse_address_fr(NULL) IS NULL AS all_null, c360.normalize_address_fr(NULL, NULL, NULL) IS NULL AS n,
       c360.address_key_fr(NULL) IS NULL AS k, c360.format_address_fr(NULL) IS NULL AS f;
SELECT c360.normalize_address_fr('') IS NULL AS empty, c360.normalize_address_fr(' ,;- .. ') IS NULL AS punctuation,
       c360.format_address_fr('!!!???') IS NULL AS format_punctuation, (c360.parse_address_fr('')).* ;
SELECT c360.normalize_address_fr('Москва, ул. Ленина 12') AS cyrillic, c360.address_key_fr('北京市 100000') AS cjk_key,
       c360.normalize_address_fr('12 rue de la Paix', '7500', 'Paris') AS four_digit_postcode,
       c360.normalize_address_fr('12 rue de la Paix', 'abc', 'Paris') AS invalid_postcode;
SELECT length(c360.normalize_address_fr(repeat('rue ', 2500))) AS ten_kb,
       cardinality(c360.format_address_fr(repeat('12 rue ', 1500) || '75001 Paris')) AS ten_kb_lines,
       (SELECT max(length(l)) FROM unnest(c360.format_address_fr(repeat('x', 10000), '75001', 'Paris')) l) AS longest_line;
SELECT pg_temp.sqlstate_of($$SELECT c360.normalize_address_fr(repeat('ab ', 33334))$$) AS too_long,
       pg_temp.sqlstate_of($$SELECT c360.address_key_fr('12 rue X', NULL, repeat('é', 70000))$$) AS city_too_long,
       pg_temp.sqlstate_of($$SELECT c360.compare_level(repeat('ab ', 33334), '12 rue X 75001 Paris', 'address')$$) AS compared_too_long,
       pg_temp.sqlstate_of($$SELECT c360.compare_level('a', 'b', 'adress')$$) AS unknown_method;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA match_address CASCADE;
