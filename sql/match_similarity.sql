--
-- Matching: normalisers, similarities on code points and phonetic keys, checked against the
-- reference vectors in data/vectors (jellyfish, talisman, PostgreSQL fuzzystrmatch).
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

\set v :abs_srcdir '/data/vectors/'
\set lev_file :v 'jellyfish_levenshtein.csv'
\set dl_file :v 'jellyfish_damerau_levenshtein.csv'
\set jaro_file :v 'jellyfish_jaro_distance.csv'
\set jw_file :v 'jellyfish_jaro_winkler.csv'
\set jwl_file :v 'jellyfish_jaro_winkler_longtol.csv'
\set sx_file :v 'jellyfish_soundex.csv'
\set sx2_file :v 'french_soundex2.tsv'
\set sxfr_file :v 'french_soundex.tsv'

CREATE TABLE vec (a text, b text, expected text);
CREATE TABLE vec_kind (kind text, a text, b text, expected text);
COPY vec FROM :'lev_file' (FORMAT csv, FORCE_NOT_NULL (a, b, expected));
INSERT INTO vec_kind SELECT 'levenshtein', * FROM vec; TRUNCATE vec;
COPY vec FROM :'dl_file' (FORMAT csv, FORCE_NOT_NULL (a, b, expected));
INSERT INTO vec_kind SELECT 'damerau', * FROM vec; TRUNCATE vec;
COPY vec FROM :'jaro_file' (FORMAT csv, FORCE_NOT_NULL (a, b, expected));
INSERT INTO vec_kind SELECT 'jaro', * FROM vec; TRUNCATE vec;
COPY vec FROM :'jw_file' (FORMAT csv, FORCE_NOT_NULL (a, b, expected));
INSERT INTO vec_kind SELECT 'jaro_winkler', * FROM vec; TRUNCATE vec;
COPY vec FROM :'jwl_file' (FORMAT csv, FORCE_NOT_NULL (a, b, expected));
INSERT INTO vec_kind SELECT 'jaro_winkler_longtol', * FROM vec; TRUNCATE vec;

-- every jellyfish vector: exact distances, similarities within 0.0005 (3 published decimals;
-- 0.001 for the long-tolerance file, jellyfish's own tolerance: William/Williams = 0.980556)
SELECT kind, count(*) AS vectors,
       count(*) FILTER (WHERE NOT CASE kind
           WHEN 'levenshtein' THEN c360.levenshtein(a, b) = expected::int
           WHEN 'damerau' THEN c360.damerau_levenshtein(a, b) = expected::int
           WHEN 'jaro' THEN abs(c360.jaro(a, b) - expected::float8) < 0.0005
           WHEN 'jaro_winkler' THEN abs(c360.jaro_winkler(a, b) - expected::float8) < 0.0005
           ELSE abs(c360.jaro_winkler(a, b, 0.1, true) - expected::float8) < 0.001 END) AS mismatches
FROM vec_kind GROUP BY kind ORDER BY kind;

-- the values quoted in the issue and linkage.md (8 decimals: abydos)
SELECT round(c360.jaro_winkler('MARTHA', 'MARHTA')::numeric, 3) AS martha,
       round(c360.jaro_winkler('DWAYNE', 'DUANE')::numeric, 3) AS dwayne,
       round(c360.jaro_winkler('DIXON', 'DICKSONX')::numeric, 3) AS dixon,
       abs(c360.jaro('MARTHA', 'MARHTA') - 0.94444444) < 1e-8 AS jaro_8dp,
       abs(c360.jaro_winkler('MARTHA', 'MARHTA') - 0.96111111) < 1e-8 AS jw_8dp,
       abs(c360.jaro_winkler('DIXON', 'DICKSONX') - 0.81333333) < 1e-8 AS jw_dixon_8dp,
       abs(c360.jaro_winkler('DIXON', 'DICKSONX', 0.1, true) - 0.83030303) < 1e-8 AS longtol_8dp;
-- pitfalls: boost threshold 0.7, prefix cap 4, integer transpositions, code points not bytes
SELECT round(c360.jaro_winkler('abcxyz', 'abcqrs')::numeric, 6) AS threshold,
       round(c360.jaro_winkler('commonlongprefixword', 'commonlongprefixworm')::numeric, 6) AS prefix_cap,
       round(c360.jaro('abcefd', 'abcdef')::numeric, 6) AS int_transpositions,
       round(c360.jaro('José', 'Jose')::numeric, 6) AS code_points,
       c360.levenshtein('café', 'cafe') AS lev_cafe,
       c360.levenshtein('GUMBO', 'GAMBOL') AS gumbo;
-- OSA versus true Damerau-Levenshtein
SELECT c360.damerau_levenshtein('CA', 'ABC') AS true_dl, c360.osa_distance('CA', 'ABC') AS osa,
       c360.osa_distance('sUzSOwx', 'zsSxUwO') AS talisman_osa, c360.damerau_levenshtein('sUzSOwx', 'zsSxUwO') AS dl;
SELECT c360.jaro('', '') AS both_empty, c360.jaro('', 'foo') AS one_empty, c360.levenshtein('', 'abc') AS lev_empty;

-- names in a different order
SELECT c360.name_similarity('DUPONT Jean', 'Jean Dupont') AS swapped,
       c360.name_similarity('M. Jean-Pierre Dupont', 'dupont jean pierre') AS civility,
       round(c360.name_similarity('Jean Dupond', 'Dupont Jean')::numeric, 4) AS typo,
       c360.name_similarity('Jean Dupont', 'Marie Durand') < 0.8 AS different;

-- phonetic keys: every vector (jellyfish soundex without the jellyfish-specific '¿' -> '¿000',
-- talisman Soundex2 and French Soundex), and fuzzystrmatch's expected soundex outputs
CREATE TABLE vec2 (a text, expected text);
COPY vec2 FROM :'sx_file' (FORMAT csv, FORCE_NOT_NULL (a, expected));
SELECT 'soundex' AS key, count(*) AS vectors, count(*) FILTER (WHERE c360.soundex(a) <> expected) AS mismatches
FROM vec2 WHERE a <> '¿';
TRUNCATE vec2;
COPY vec2 FROM :'sx2_file' (FORMAT text, HEADER);
SELECT 'phonetic_fr (Soundex2)' AS key, count(*) AS vectors,
       count(*) FILTER (WHERE c360.phonetic_fr(a) <> expected) AS mismatches FROM vec2;
TRUNCATE vec2;
COPY vec2 FROM :'sxfr_file' (FORMAT text, HEADER);
SELECT 'soundex_fr' AS key, count(*) AS vectors,
       count(*) FILTER (WHERE c360.soundex_fr(a) <> expected) AS mismatches FROM vec2;
SELECT c360.soundex('hello world!') AS hello, c360.soundex('Anne') AS anne, c360.soundex('Andrew') AS andrew,
       c360.soundex('Margaret') AS margaret, c360.soundex('') AS empty,
       c360.phonetic_fr('Faure') = c360.phonetic_fr('Phaure') AS faure_phaure,
       c360.phonetic_fr('Téhéran') AS teheran;

-- normalisers
SELECT c360.normalize_name('  M. Jean-Pierre  DUPONT ') AS n1, c360.normalize_name('Mme Hélène Lefèvre') AS n2,
       c360.normalize_name('Dr. O''Brien') AS n3, c360.normalize_name('Schœlcher Straße') AS n4,
       c360.normalize_name('Łukasz Żółć') AS n5;
SELECT c360.normalize_email(' Jean.Dupont+promo@GoogleMail.com ') AS e1, c360.normalize_email('A.B+x@orange.fr') AS e2,
       c360.normalize_email('not an email') AS invalid;
SELECT c360.normalize_phone('06 12 34 56 78') AS fr, c360.normalize_phone('+33 (0)6.12.34.56.78') AS fr_intl,
       c360.normalize_phone('(212) 555-0199', 'US') AS us, c360.normalize_phone('020 7946 0958', 'GB') AS gb,
       c360.normalize_phone('12') AS too_short, c360.normalize_phone('call me') AS letters;

-- bad input: NULL in, NULL out (STRICT); long strings; parameters out of range
SELECT c360.jaro_winkler(NULL, 'a') IS NULL AS null_in, c360.normalize_name(NULL) IS NULL AS null_name;
SELECT length(c360.normalize_name(repeat('É', 1000000))) AS one_million_chars,
       c360.normalize_email(repeat('a', 1000000)) IS NULL AS mb_email;
SELECT c360.levenshtein(repeat('a', 65535), 'a') AS at_the_limit;
SELECT pg_temp.sqlstate_of($$SELECT c360.levenshtein(repeat('a', 65536), 'a')$$);
SELECT pg_temp.sqlstate_of($$SELECT c360.jaro(repeat('é', 1000000), 'a')$$);
SELECT pg_temp.sqlstate_of($$SELECT c360.damerau_levenshtein(repeat('a', 5000), repeat('b', 5000))$$);
SELECT pg_temp.sqlstate_of($$SELECT c360.jaro_winkler('a', 'b', 0.3)$$);
SELECT pg_temp.sqlstate_of($$SELECT c360.normalize_phone('0612345678', 'XX')$$);
