-- A generated French multi-source customer base with households and known truth (docs/match.md
-- "Persons and households"; bench/match/run_fr.sh). psql variables: records (default 10000), seed (default 1),
-- multi (default 0.18, below).
-- Deterministic: every random draw is a hash of (seed, entity, purpose), so a run gives the same table.
--
-- Households (truth household_id): by default 82 % one person, 10 % a couple, 5 % a couple with an adult
-- child, 3 % a parent with an adult child; so a third of the persons live with another. The psql
-- variable multi (default 0.18) is the share of multi-person households, split 10 : 5 : 3 the same way
-- (multi = 0.025: about 5.5 % of the persons live with another). A couple shares the
-- surname 70 % of the time; a child takes the head's surname, and a son takes his father's first name one
-- time in three (father and son of the same name, with different birth dates). Members share the address,
-- the landline (half of the households have one) and, in 40 % of multi-person households, a family e-mail
-- (one mailbox per household) that they use in some records.
-- Persons (truth person_id): surnames drawn with a Zipf-like skew from the most frequent French surnames
-- (Martin first, INSEE's ranking; then a long tail of rare built surnames), first names from common French
-- first names by sex; birth dates 1935-2004; personal e-mail (first.last@provider, Gmail 40 %) and mobile.
-- 12 % of persons moved: some of their records carry the previous address.
-- Records: each person has 1 to 6 records (45 % one); each record comes from one source: shop 35 %
-- (name, postcode, often phone), web 30 % (e-mail always, birth date rarely), call centre 15 % (phone, name),
-- loyalty 20 % (birth date, address, e-mail often). Variations: a civility word in the name field (15 %),
-- case, accents dropped (30 %), one typo in a name (7 %), first and last names swapped (3 %), Gmail dots and
-- +tags, phone layouts (06 12 34 56 78, 06.12.34.56.78, +33 6 12 34 56 78, 0033612345678, 0612345678),
-- street types abbreviated or not (av., bd, r., ch., imp., pl.), repetition index written bis / B.
\if :{?records}
\else
\set records 10000
\endif
\if :{?seed}
\else
\set seed 1
\endif
\if :{?multi}
\else
\set multi 0.18
\endif
SELECT CASE WHEN :'multi' ~ '^0?\.[0-9]+$' AND :'multi'::numeric <= 0.5 THEN :'multi'::numeric END AS multi \gset
\if :{?multi}
\else
\echo 'generate_french_base.sql: multi must be a share between 0 and 0.5'
\quit
\endif
DROP TABLE IF EXISTS fr_records;
CREATE TEMP TABLE fr_surnames (rank int, name text);
INSERT INTO fr_surnames SELECT ordinality, n FROM unnest(ARRAY[
 'Martin','Bernard','Thomas','Petit','Robert','Richard','Durand','Dubois','Moreau','Laurent','Simon','Michel',
 'Lefèvre','Leroy','Roux','David','Bertrand','Morel','Fournier','Girard','Bonnet','Dupont','Lambert','Fontaine',
 'Rousseau','Vincent','Muller','Lefebvre','Faure','André','Mercier','Blanc','Guérin','Boyer','Garnier','Chevalier',
 'François','Legrand','Gauthier','Garcia','Perrin','Robin','Clément','Morin','Nicolas','Henry','Roussel','Mathieu',
 'Gautier','Masson','Marchand','Duval','Denis','Dumont','Marie','Lemaire','Noël','Meyer','Dufour','Meunier']) WITH ORDINALITY n;
CREATE TEMP TABLE fr_syllables (i int, s text);
INSERT INTO fr_syllables SELECT ordinality - 1, s FROM unnest(ARRAY['Va','sseur','Le','Ber','Gal','Char','Pel','Tis','Mar','Bou',
 'Dar','Ro','Que','Vil','Lan','Cour','Fau','Mon','Bri','Des','Fer','Gui','Jou','Lau','Pi','Tes','Vau','Cha','Bel','Rou']) WITH ORDINALITY s;
CREATE TEMP TABLE fr_first (sex char, i int, name text);
INSERT INTO fr_first SELECT 'M', ordinality - 1, n FROM unnest(ARRAY['Jean','Pierre','Michel','André','Philippe','Alain','Nicolas',
 'Christophe','Patrick','Daniel','Thomas','Julien','Éric','Stéphane','Frédéric','Laurent','David','Sébastien','Olivier','Bernard',
 'Jacques','François','Hugo','Lucas','Louis','Gabriel','Arthur','Raphaël','Théo','Noé']) WITH ORDINALITY n;
INSERT INTO fr_first SELECT 'F', ordinality - 1, n FROM unnest(ARRAY['Marie','Nathalie','Isabelle','Sylvie','Catherine','Françoise',
 'Martine','Christine','Monique','Valérie','Sandrine','Sophie','Céline','Julie','Émilie','Aurélie','Camille','Léa','Manon','Chloé',
 'Hélène','Anne','Nicole','Michèle','Jeanne','Emma','Louise','Alice','Inès','Zoé']) WITH ORDINALITY n;
CREATE TEMP TABLE fr_streets (i int, type text, name text);
INSERT INTO fr_streets SELECT ordinality - 1, t, n FROM unnest(
 ARRAY['rue','avenue','boulevard','rue','chemin','impasse','place','rue','allée','route','rue','avenue','quai','rue','rue','boulevard'],
 ARRAY['Victor Hugo','de la Paix','Jean Jaurès','Pasteur','des Écoles','du Moulin','de la République','Gambetta','des Lilas',
       'Nationale','de l''Église','Foch','Voltaire','Saint-Michel','des Acacias','du Général de Gaulle']) WITH ORDINALITY AS x(t, n);
CREATE TEMP TABLE fr_cities (i int, postcode text, city text);
INSERT INTO fr_cities SELECT ordinality - 1, p, c FROM unnest(
 ARRAY['75011','75016','69003','13008','31000','44000','33000','59000','67000','34000','35000','06000','38000','21000','49000','37000','76000','63000','80000','72000'],
 ARRAY['Paris','Paris','Lyon','Marseille','Toulouse','Nantes','Bordeaux','Lille','Strasbourg','Montpellier','Rennes','Nice','Grenoble',
       'Dijon','Angers','Tours','Rouen','Clermont-Ferrand','Amiens','Le Mans']) WITH ORDINALITY AS x(p, c);

-- u(key, k): a uniform draw in [0, 1) for entity key and purpose k
CREATE FUNCTION pg_temp.u(key bigint, k int) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ((hashint8extended(key * 64 + k, :seed) & 2147483647)::float8 / 2147483648.0);
CREATE FUNCTION pg_temp.pick(key bigint, k int, n int) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN floor(pg_temp.u(key, k) * n)::int;
-- a surname: Zipf over the 60 frequent ones for 75 % of draws, else a built rare surname
CREATE FUNCTION pg_temp.surname(key bigint) RETURNS text LANGUAGE sql STABLE
RETURN CASE WHEN pg_temp.u(key, 1) < 0.75
            THEN (SELECT name FROM fr_surnames WHERE rank = least(60, 1 + floor(exp(pg_temp.u(key, 2) * ln(61)) - 1)::int))
            ELSE (SELECT s FROM fr_syllables WHERE i = pg_temp.pick(key, 3, 30)) || lower((SELECT s FROM fr_syllables WHERE i = pg_temp.pick(key, 4, 30)))
                 || CASE WHEN pg_temp.u(key, 5) < 0.5 THEN lower((SELECT s FROM fr_syllables WHERE i = pg_temp.pick(key, 6, 30))) ELSE '' END END;
CREATE FUNCTION pg_temp.first_name(key bigint, sex char) RETURNS text LANGUAGE sql STABLE
RETURN (SELECT name FROM fr_first f WHERE f.sex = first_name.sex AND f.i = least(29, floor(30 * power(pg_temp.u(key, 7), 1.6))::int));
CREATE FUNCTION pg_temp.ascii_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE
RETURN translate(t, 'éèêëàâäîïôöùûüçÉÈÊËÀÂÎÏÔÖÙÛÜÇœ', 'eeeeaaaiioouuucEEEEAAIIOOUUUCo');

CREATE FUNCTION pg_temp.fmt(t text, folded bool, casing int) RETURNS text LANGUAGE sql IMMUTABLE
RETURN CASE casing WHEN 1 THEN upper(CASE WHEN folded THEN pg_temp.ascii_fold(t) ELSE t END)
                   WHEN 2 THEN lower(CASE WHEN folded THEN pg_temp.ascii_fold(t) ELSE t END)
                   ELSE CASE WHEN folded THEN pg_temp.ascii_fold(t) ELSE t END END;
-- a ten-digit national number in one of the layouts people write
CREATE FUNCTION pg_temp.phone(n text, layout int) RETURNS text LANGUAGE sql IMMUTABLE
RETURN CASE layout
    WHEN 0 THEN regexp_replace(n, '(..)(..)(..)(..)(..)', '\1 \2 \3 \4 \5')
    WHEN 1 THEN regexp_replace(n, '(..)(..)(..)(..)(..)', '\1.\2.\3.\4.\5')
    WHEN 2 THEN regexp_replace(substr(n, 2), '(.)(..)(..)(..)(..)', '+33 \1 \2 \3 \4 \5')
    WHEN 3 THEN '0033' || substr(n, 2)
    ELSE n END;
CREATE FUNCTION pg_temp.street_line(number int, repetition text, street int, rk bigint) RETURNS text LANGUAGE sql STABLE
RETURN (SELECT CASE WHEN pg_temp.u(rk, 80) < 0.1 THEN 'Appt ' || (1 + pg_temp.pick(rk, 81, 40)) || ' - ' ELSE '' END
               || number || CASE WHEN repetition IS NULL THEN '' WHEN pg_temp.u(rk, 82) < 0.5 THEN ' bis' ELSE 'B' END || ' '
               || CASE pg_temp.pick(rk, 83, 3)
                    WHEN 1 THEN (CASE t.type WHEN 'avenue' THEN 'av.' WHEN 'boulevard' THEN 'bd' WHEN 'rue' THEN 'r.' WHEN 'chemin' THEN 'ch.'
                                             WHEN 'impasse' THEN 'imp.' WHEN 'place' THEN 'pl.' WHEN 'allée' THEN 'all.' WHEN 'route' THEN 'rte'
                                             ELSE t.type END)
                    WHEN 2 THEN upper(t.type) ELSE t.type END
               || ' ' || CASE WHEN pg_temp.u(rk, 84) < 0.3 THEN upper(pg_temp.ascii_fold(t.name)) ELSE t.name END
        FROM fr_streets t WHERE t.i = street);

-- Delivery areas: 400 (20 cities, 20 postcodes each: the city's first three digits, then 00..95) up to
-- 20,000 records; past it one area per 50 records (at most 20,000: the department's two digits, then
-- 000..999), so that unrelated households rarely share a delivery point (16 streets x 400 numbers per area).
SELECT greatest(400, least(20000, (:records / 50)::int)) AS towns \gset
CREATE FUNCTION pg_temp.postcode(town int) RETURNS text LANGUAGE sql STABLE
RETURN (SELECT CASE WHEN :towns = 400 THEN left(postcode, 3) || lpad((5 * (town / 20))::text, 2, '0')
                    ELSE left(postcode, 2) || lpad((town / 20)::text, 3, '0') END FROM fr_cities WHERE i = town % 20);

-- households and persons
CREATE TEMP TABLE fr_households AS
SELECT h, CASE WHEN r < 1 - :multi THEN 1 WHEN r < 1 - :multi * 8 / 18 THEN 2 WHEN r < 1 - :multi * 3 / 18 THEN 3 ELSE 2 END AS size,
       r >= 1 - :multi * 3 / 18 AS single_parent,
       pg_temp.surname(h * 7) AS surname, 1 + pg_temp.pick(h, 10, 400) AS number,
       CASE WHEN pg_temp.u(h, 11) < 0.08 THEN 'bis' END AS repetition,
       pg_temp.pick(h, 12, 16) AS street, pg_temp.pick(h, 13, :towns) AS town,
       CASE WHEN pg_temp.u(h, 14) < 0.5 THEN '0' || (1 + pg_temp.pick(h, 15, 5)) || lpad(pg_temp.pick(h, 16, 100000000)::text, 8, '0') END AS landline,
       pg_temp.u(h, 17) < 0.4 AS family_email
FROM (SELECT h, pg_temp.u(h, 9) AS r FROM generate_series(1, greatest(1, (:records / 2.2 / (1 + :multi * 23 / 18))::int)) h) x;
-- the family mailbox of a household: surname.famille@orange.fr, numbered from the second household of a
-- surname (one mailbox per household, as a provider gives)
ALTER TABLE fr_households ADD COLUMN family_mailbox text;
UPDATE fr_households h SET family_mailbox = d.box || CASE WHEN d.n > 0 THEN (d.n + 1)::text ELSE '' END || '@orange.fr'
FROM (SELECT h, box, row_number() OVER (PARTITION BY box ORDER BY h) - 1 AS n
      FROM (SELECT h, lower(pg_temp.ascii_fold(replace(replace(surname, ' ', ''), '''', ''))) || '.famille' AS box FROM fr_households) b) d
WHERE d.h = h.h;
CREATE TEMP TABLE fr_persons AS
SELECT row_number() OVER (ORDER BY h.h, m.role) AS person_id, h.h AS household_id, h.size, m.role, h.surname AS household_surname,
       h.number, h.repetition, h.street, h.town, h.landline, h.family_email, h.family_mailbox, h.single_parent
FROM fr_households h, LATERAL (SELECT generate_series(1, h.size) AS role) m;
ALTER TABLE fr_persons ADD COLUMN sex char, ADD COLUMN first_name text, ADD COLUMN last_name text, ADD COLUMN birth date,
    ADD COLUMN email text, ADD COLUMN mobile text;
-- role 1 head, role 2 spouse (or the child of a single parent), role 3 child
UPDATE fr_persons p SET sex = CASE WHEN role = 1 THEN (CASE WHEN pg_temp.u(household_id, 20) < 0.5 THEN 'M' ELSE 'F' END)
                                   WHEN role = 2 AND NOT single_parent THEN NULL
                                   ELSE (CASE WHEN pg_temp.u(person_id, 21) < 0.5 THEN 'M' ELSE 'F' END) END;
UPDATE fr_persons p SET sex = CASE WHEN h.sex = 'M' THEN 'F' ELSE 'M' END
FROM fr_persons h WHERE p.sex IS NULL AND h.household_id = p.household_id AND h.role = 1;
UPDATE fr_persons SET birth = date '1935-01-01' + (pg_temp.u(person_id, 22) * 365.25 * 50)::int WHERE role = 1;
UPDATE fr_persons p SET birth = CASE WHEN p.role = 2 AND NOT p.single_parent THEN h.birth + ((pg_temp.u(p.person_id, 23) - 0.5) * 3650)::int
                                     ELSE h.birth + (365.25 * (22 + pg_temp.u(p.person_id, 24) * 13))::int END
FROM fr_persons h WHERE p.role > 1 AND h.household_id = p.household_id AND h.role = 1;
UPDATE fr_persons SET birth = least(birth, date '2004-12-31');
UPDATE fr_persons p SET first_name = pg_temp.first_name(p.person_id, p.sex),
       last_name = CASE WHEN p.role = 2 AND NOT p.single_parent AND pg_temp.u(p.person_id, 25) >= 0.7 THEN pg_temp.surname(p.person_id * 7 + 3)
                        ELSE p.household_surname END;
-- a son takes his father's first name one time in three
UPDATE fr_persons p SET first_name = h.first_name
FROM fr_persons h WHERE p.role >= 2 AND (p.role = 3 OR p.single_parent) AND p.sex = 'M' AND h.sex = 'M' AND h.role = 1
  AND h.household_id = p.household_id AND pg_temp.u(p.person_id, 26) < 1.0 / 3;
UPDATE fr_persons SET
    email = lower(pg_temp.ascii_fold(replace(first_name, ' ', ''))) || CASE WHEN pg_temp.u(person_id, 27) < 0.5 THEN '.' ELSE '' END
            || lower(pg_temp.ascii_fold(replace(replace(last_name, ' ', ''), '''', '')))
            || CASE WHEN pg_temp.u(person_id, 28) < 0.4 THEN (pg_temp.pick(person_id, 29, 99) + 1)::text ELSE '' END || '@'
            || (ARRAY['gmail.com','gmail.com','gmail.com','gmail.com','orange.fr','orange.fr','free.fr','sfr.fr','laposte.net','hotmail.fr'])[1 + pg_temp.pick(person_id, 30, 10)],
    mobile = '0' || (6 + pg_temp.pick(person_id, 31, 2)) || lpad(pg_temp.pick(person_id, 32, 100000000)::text, 8, '0');
-- a mailbox belongs to one person: a namesake who built the same mailbox gets a number appended, until
-- none is shared. One mailbox as its provider delivers it: Gmail ignores the dots of the local part
-- (monique.martin9@gmail.com and moniquemartin9@gmail.com are one account), and a number appended can
-- meet another person's number (martin9 + 2 = martin92), hence the loop.
DO $$
BEGIN
    LOOP
        UPDATE fr_persons p SET email = regexp_replace(p.email, '@', (d.n + 1)::text || '@')
        FROM (SELECT person_id, row_number() OVER (PARTITION BY CASE WHEN email LIKE '%@gmail.com'
                                                                     THEN replace(split_part(email, '@', 1), '.', '') || '@gmail.com'
                                                                     ELSE email END
                                                   ORDER BY person_id) - 1 AS n FROM fr_persons) d
        WHERE d.person_id = p.person_id AND d.n > 0;
        EXIT WHEN NOT FOUND;
    END LOOP;
END $$;

-- records
CREATE TEMP TABLE fr_raw AS
SELECT p.*, d, (p.person_id * 8 + d) AS rk
FROM fr_persons p, LATERAL (SELECT generate_series(0, CASE WHEN r < 0.45 THEN 0 WHEN r < 0.75 THEN 1 WHEN r < 0.88 THEN 2
                                                            WHEN r < 0.95 THEN 3 WHEN r < 0.98 THEN 4 ELSE 5 END) AS d
                            FROM (SELECT pg_temp.u(p.person_id, 40) AS r) x) dd;
CREATE TABLE fr_records AS
WITH r AS (
    SELECT x.*, CASE WHEN s < 0.35 THEN 'shop' WHEN s < 0.65 THEN 'web' WHEN s < 0.80 THEN 'call_centre' ELSE 'loyalty' END AS source,
           pg_temp.u(person_id, 43) < 0.12 AND d > 0 AND pg_temp.u(rk, 42) < 0.5 AS old_address
    FROM (SELECT *, pg_temp.u(rk, 41) AS s FROM fr_raw) x),
v AS (
    SELECT r.*,
           CASE WHEN pg_temp.u(rk, 50) < 0.07 THEN pg_temp.pick(rk, 51, 2) ELSE -1 END AS typo_in,
           pg_temp.u(rk, 52) < 0.03 AS swapped,
           pg_temp.u(rk, 53) < 0.30 AS folded,
           pg_temp.pick(rk, 54, 4) AS casing
    FROM r),
named AS (
    SELECT v.*,
           CASE WHEN typo_in = 0 THEN overlay(first_name PLACING substr('aeiourstln', 1 + pg_temp.pick(rk, 55, 10), 1)
                                              FROM 2 + pg_temp.pick(rk, 56, greatest(1, length(first_name) - 2)) FOR 1) ELSE first_name END AS fn,
           CASE WHEN typo_in = 1 THEN overlay(last_name PLACING substr('aeiourstln', 1 + pg_temp.pick(rk, 57, 10), 1)
                                              FROM 2 + pg_temp.pick(rk, 58, greatest(1, length(last_name) - 2)) FOR 1) ELSE last_name END AS ln
    FROM v)
SELECT row_number() OVER (ORDER BY hashint8extended(rk, :seed), rk)::bigint AS id,
       source, source || '-' || lpad(rk::text, 9, '0') AS source_key,
       CASE WHEN pg_temp.u(rk, 60) < 0.15 THEN (CASE WHEN sex = 'M' THEN 'M.' WHEN pg_temp.u(rk, 61) < 0.8 THEN 'Mme' ELSE 'Mlle' END) END AS civility,
       CASE WHEN source IN ('shop', 'call_centre') AND pg_temp.u(rk, 62) < 0.1 THEN (CASE WHEN sex = 'M' THEN 'M. ' ELSE 'Mme ' END) ELSE '' END
       || pg_temp.fmt(CASE WHEN swapped THEN ln ELSE fn END, folded, casing) AS first_name,
       pg_temp.fmt(CASE WHEN swapped THEN fn ELSE ln END, folded, casing) AS last_name,
       CASE WHEN source = 'web' AND pg_temp.u(rk, 63) < 0.85 THEN NULL
            WHEN source = 'shop' AND pg_temp.u(rk, 63) < 0.6 THEN NULL
            WHEN source = 'call_centre' AND pg_temp.u(rk, 63) < 0.5 THEN NULL
            WHEN source = 'web' THEN to_char(birth, 'YYYY-MM-DD')
            ELSE to_char(birth, 'DD/MM/YYYY') END AS birth_date,
       CASE WHEN source = 'web' OR (source = 'loyalty' AND pg_temp.u(rk, 64) < 0.7) OR pg_temp.u(rk, 64) < 0.2 THEN
            CASE WHEN family_email AND size > 1 AND pg_temp.u(rk, 65) < 0.5
                 THEN family_mailbox
                 WHEN email LIKE '%@gmail.com' AND pg_temp.u(rk, 66) < 0.2 THEN replace(email, '@', '+promo@')
                 WHEN email LIKE '%@gmail.com' AND pg_temp.u(rk, 66) < 0.3 THEN replace(replace(email, '.', ''), 'gmailcom', 'gmail.com')
                 WHEN pg_temp.u(rk, 66) < 0.35 THEN upper(email)
                 ELSE email END END AS email,
       CASE WHEN (source IN ('call_centre', 'shop') AND pg_temp.u(rk, 67) < 0.8) OR pg_temp.u(rk, 67) < 0.3 THEN
            pg_temp.phone(CASE WHEN landline IS NOT NULL AND pg_temp.u(rk, 68) < 0.35 THEN landline ELSE mobile END, pg_temp.pick(rk, 69, 5)) END AS phone,
       CASE WHEN source IN ('loyalty', 'web') OR pg_temp.u(rk, 70) < 0.5 THEN
            pg_temp.street_line(CASE WHEN old_address THEN 1 + pg_temp.pick(person_id, 71, 400) ELSE number END,
                                CASE WHEN old_address THEN NULL ELSE repetition END,
                                CASE WHEN old_address THEN pg_temp.pick(person_id, 72, 16) ELSE street END, rk) END AS address,
       pg_temp.postcode(CASE WHEN old_address THEN pg_temp.pick(person_id, 73, :towns) ELSE town END) AS postcode,
       (SELECT city FROM fr_cities WHERE i = (CASE WHEN old_address THEN pg_temp.pick(person_id, 73, :towns) ELSE town END) % 20) AS city,
       timestamptz '2020-01-01' + (CASE WHEN old_address THEN 0 ELSE 1 END + pg_temp.u(rk, 74)) * interval '700 days' AS updated_at,
       pg_temp.u(rk, 75) < 0.6 AS email_opt_in,
       person_id, household_id
FROM named;

ALTER TABLE fr_records ADD PRIMARY KEY (id);
ANALYZE fr_records;
SELECT count(*) AS records, count(DISTINCT person_id) AS persons, count(DISTINCT household_id) AS households,
       (SELECT count(*) FROM fr_persons WHERE size > 1) AS persons_living_with_another,
       (SELECT count(*) FROM fr_persons p JOIN fr_persons h ON h.household_id = p.household_id AND h.role = 1 AND p.role > 1
         WHERE p.first_name = h.first_name AND p.last_name = h.last_name) AS same_name_as_household_head,
       round(count(*)::numeric / count(DISTINCT person_id), 2) AS records_per_person
FROM fr_records;
SELECT source, count(*) AS records, count(email) AS with_email, count(phone) AS with_phone, count(birth_date) AS with_birth_date,
       count(address) AS with_address
FROM fr_records GROUP BY source ORDER BY source;
