-- bench/match: synthetic customer records with known true persons (deterministic, no external data).
--   psql -v records=1000000 -f generate.sql     -> table customers_raw (id, person_id = the truth, ...)
--
-- 75 % of the records are the persons themselves, 25 % are duplicates of a person drawn at random (so a
-- person has 1 to ~6 records). French (75 %) and English (25 %) persons: accented and compound first
-- names, surnames from common French / English lists (skewed: Martin and Smith are frequent) or built
-- from syllables (rare ones), birth date, e-mail (gmail, orange.fr, ...; unique per person), mobile
-- phone (unique), postcode, country.
-- Every record gets formatting noise (case, civility word in the first-name field, phone written five
-- ways, dates as YYYY-MM-DD or DD/MM/YYYY, UK postcodes with or without the space, missing e-mail or
-- phone); duplicates also get the errors of real data: typos (substitution, deletion, insertion,
-- transposition) in names, accents dropped, first and last name swapped, first name reduced to an
-- initial, day and month swapped, wrong birth year, gmail dots and +tags, a typo in the e-mail or a
-- phone digit, a new postcode (moved), missing fields.
-- Case changes use the ICU root collation (upper('é') = 'É' whatever the database locale).
-- Randomness comes from hashint8extended(key, stream): the same records on every run and machine.
\set QUIET on
SET jit = off;   -- the generator's long expressions would take LLVM longer to compile than to run
CREATE SCHEMA gen;
-- uniform [0, 1) from (key, stream)
CREATE FUNCTION gen.u(x bigint, k int) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (hashint8extended(x, k) & 2147483647)::float8 / 2147483648 $$;
CREATE FUNCTION gen.pick(a text[], u float8) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT a[1 + floor(u * cardinality(a))::int] $$;
CREATE FUNCTION gen.plain(s text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT translate(s, 'àâäáãéèêëíîïóôöõúùûüçñÿÀÂÄÁÉÈÊËÎÏÔÖÙÛÜÇ', 'aaaaaeeeeiiiioooouuuucnyAAAAEEEEIIOOUUUC') $$;
-- one typing error at a position: substitution, deletion, insertion or transposition
CREATE FUNCTION gen.typo(s text, a float8, b float8, c float8, alphabet text DEFAULT 'abcdefghijklmnopqrstuvwxyzeaiou')
    RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN s IS NULL OR length(s) < 3 THEN s
           ELSE CASE floor(b * 4)::int
                WHEN 0 THEN overlay(s placing substr(alphabet, 1 + floor(c * length(alphabet))::int, 1)
                                    from 2 + floor(a * (length(s) - 1))::int for 1)
                WHEN 1 THEN overlay(s placing '' from 2 + floor(a * (length(s) - 1))::int for 1)
                WHEN 2 THEN overlay(s placing substr(alphabet, 1 + floor(c * length(alphabet))::int, 1)
                                    from 2 + floor(a * (length(s) - 1))::int for 0)
                ELSE overlay(s placing substr(s, 2 + floor(a * (length(s) - 2))::int, 1)
                                    || substr(s, 1 + floor(a * (length(s) - 2))::int, 1)
                             from 1 + floor(a * (length(s) - 2))::int for 2)
                END
           END $$;

CREATE TABLE gen.lists AS SELECT
 '{Jean,Marie,Pierre,Michel,André,Philippe,René,Louis,Alain,Jacques,Bernard,Marcel,Daniel,Roger,Robert,Paul,Claude,Christian,Henri,Georges,Nicolas,François,Patrick,Gérard,Christophe,Joseph,Julien,Éric,Frédéric,Stéphane,Sébastien,Laurent,Olivier,David,Thierry,Jérôme,Hervé,Noël,Benoît,Jérémy,Mathéo,Léo,Hugo,Théo,Lucas,Raphaël,Gaël,Anaïs,Chloé,Léa,Manon,Camille,Inès,Zoé,Clémence,Mélanie,Hélène,Céline,Nathalie,Isabelle,Sylvie,Catherine,Françoise,Monique,Nicole,Valérie,Sandrine,Véronique,Aurélie,Émilie,Élodie,Margaux,Maëlle,Océane,Juliette,Brigitte,Geneviève,Thérèse,Agnès,Bénédicte,Loïc,Anne-Sophie,Jean-Pierre,Jean-François,Marie-Claire,Yannick,Gwenaëlle,Maxime,Antoine,Quentin,Romain,Guillaume,Sophie,Pauline,Amélie,Laëtitia,Cécile,Adèle,Solène,Noémie,Jérémie,Aurélien,Timothée,Baptiste,Clément,Elise,Josiane,Odile}'::text[] AS fr_first,
 '{James,John,Robert,Michael,William,David,Richard,Joseph,Thomas,Charles,Christopher,Daniel,Matthew,Anthony,Mark,Steven,Paul,Andrew,Joshua,Kenneth,Kevin,Brian,George,Edward,Ronald,Timothy,Jason,Jeffrey,Ryan,Jacob,Gary,Mary,Patricia,Jennifer,Linda,Elizabeth,Barbara,Susan,Jessica,Sarah,Karen,Nancy,Lisa,Betty,Margaret,Sandra,Ashley,Kimberly,Emily,Donna,Michelle,Dorothy,Carol,Amanda,Melissa,Deborah,Stephanie,Rebecca,Sharon,Laura,Cynthia,Kathleen,Amy,Shirley,Angela,Helen,Anna,Brenda,Pamela,Nicole,Emma,Olivia,Sophie,Charlotte,Zoë,Renée,Chloë,Siobhán,Seán,Niamh,Oliver,Harry,Jack,Alfie,Isla,Grace,Mia,Ella}'::text[] AS en_first,
 '{Martin,Bernard,Thomas,Petit,Robert,Richard,Durand,Dubois,Moreau,Laurent,Simon,Michel,Lefèvre,Leroy,Roux,David,Bertrand,Morel,Fournier,Girard,Bonnet,Dupont,Lambert,Fontaine,Rousseau,Vincent,Müller,Lefebvre,Faure,André,Mercier,Blanc,Guérin,Boyer,Garnier,Chevalier,François,Legrand,Gauthier,Garcia,Perrin,Robin,Clément,Morin,Nicolas,Henry,Roussel,Mathieu,Gautier,Masson,Marchand,Duval,Denis,Dumont,Marie,Lemaire,Noël,Meyer,Dufour,Meunier,Brun,Blanchard,Giraud,Joly,Rivière,Lucas,Brunet,Gaillard,Barbier,Arnaud,Martínez,Gérard,Roche,Renard,Schmitt,Roy,Leroux,Colin,Vidal,Caron,Picard,Roger,Fabre,Aubert,Lemoine,Renaud,Dumas,Lacroix,Olivier,Philippe,Bourgeois,Pierre,Benoît,Rey,Leclerc,Payet,Rolland,Leclercq,Guillaume,Lecomte,Lopez,Jean,Dupuy,Guillot,Hubert,Berger,Carpentier,Sánchez,Dupuis,Moulin,Louis,Deschamps,Huet,Vasseur,Perez,Boucher,Fleury,Royer,Klein,Jacquet,Adam,Paris,Poirier,Marty,Aubry,Guyot,Carré,Charles,Renault,Charpentier,Ménard,Maillard,Baron,Bertin,Bailly,Hervé,Schneider,Fernandez,Le Gall,Collet,Léger,Bouvier,Julien,Prévost,Millet,Perrot,Daniel,Le Roux,Cousin,Germain,Breton,Besson,Langlois,Rémy,Le Goff,Pelletier,Lévêque,Perrier,Leblanc,Barré,Lebrun,Marchal,Weber,Mallet,Hamon,Boulanger,Jacob,Monnier,Michaud,Rodriguez,Guichard,Gillet,Étienne,Grondin,Poulain,Tessier,Chevallier,Collin,Chauvin,Da Silva,Bouchet,Gay,Lemaître,Bénard,Maréchal,Humbert,Reynaud,Antoine,Hoarau,Perret,Barthélemy,Cordier,Pichon,Lejeune,Gilbert,Lamy,Delaunay,Pasquier,Carlier,Laporte,D''Almeida,N''Diaye}'::text[] AS fr_last,
 '{Smith,Johnson,Williams,Brown,Jones,Miller,Davis,Wilson,Anderson,Taylor,Moore,Jackson,White,Harris,Thompson,Clark,Lewis,Robinson,Walker,Young,Allen,King,Wright,Scott,Hill,Green,Adams,Baker,Nelson,Carter,Mitchell,Roberts,Turner,Phillips,Campbell,Parker,Evans,Edwards,Collins,Stewart,Morris,Murphy,Cook,Rogers,Morgan,Cooper,Peterson,Reed,Bailey,Bell,Kelly,Howard,Ward,Cox,Richardson,Wood,Watson,Brooks,Bennett,Gray,Hughes,Price,Sanders,Myers,Long,Ross,Foster,O''Brien,O''Connor,McDonald,MacLeod,Fitzgerald,Sullivan,Walsh,Byrne,Ryan,O''Neill,Doyle,Lynch,Murray,Quinn,Moore-Smith}'::text[] AS en_last,
 '{Bou,Ker,Le ,Mar,Lan,Ver,Cha,Bel,Dur,Gar,Mon,Rou,Ber,Vil,Fer,Pla,Bro,Cor,Tré,Gué,Cas,Dal,Ha,Ash,Whit,Black,Har,Ros,Wal,Fair,Cl,Pen,Lo,Ri,Sa,Vau,Bra,Gre,Bon,Fon}'::text[] AS syl1,
 '{"",an,er,ou,el,i,a,ar}'::text[] AS syl2,
 '{din,vel,ard,et,ault,ier,eau,in,ot,on,ès,mann,ley,ton,wood,field,worth,son,ford,court,ville,mont,lin,ac,ec,ic,oux,ais,and,is}'::text[] AS syl3,
 '{gmail.com,gmail.com,gmail.com,orange.fr,orange.fr,free.fr,free.fr,hotmail.fr,laposte.net,yahoo.fr,wanadoo.fr,sfr.fr}'::text[] AS fr_domains,
 '{gmail.com,gmail.com,gmail.com,yahoo.com,hotmail.co.uk,outlook.com,btinternet.com,icloud.com}'::text[] AS en_domains,
 '{SW,SE,NW,N,E,W,EC,WC,M,B,L,LS,G,EH,CF,BS,OX,CB,NG,S}'::text[] AS uk_areas,
 '{M.,Mme,Mlle,Dr,Me}'::text[] AS fr_civ,
 '{Mr,Mrs,Ms,Miss,Dr}'::text[] AS en_civ;

SELECT round(:records * 0.75)::bigint AS persons \gset

CREATE TABLE gen.person AS
SELECT x AS person_id, lang, first_name, last_name, birth_date, phone_digits, postcode,
       lower(gen.plain(translate(CASE WHEN gen.u(x, 18) < 0.15 THEN left(first_name, 1) ELSE first_name END, ' -''', '')))
         || gen.pick('{.,.,.,"",_}', gen.u(x, 19)) || lower(gen.plain(translate(last_name, ' -''', '')))
         || x::text AS email_local,   -- unique: an address is one person's mailbox (shared household mailboxes are not simulated)
       CASE lang WHEN 'fr' THEN gen.pick(fr_domains, gen.u(x, 22)) ELSE gen.pick(en_domains, gen.u(x, 22)) END AS domain
FROM (
  SELECT x, lang, l.*,
         CASE lang WHEN 'fr' THEN gen.pick(fr_first, gen.u(x, 11)) ELSE gen.pick(en_first, gen.u(x, 11)) END AS first_name,
         CASE WHEN gen.u(x, 12) < 0.45
              THEN CASE lang WHEN 'fr' THEN gen.pick(fr_last, gen.u(x, 13) ^ 2) ELSE gen.pick(en_last, gen.u(x, 13) ^ 2) END
              ELSE gen.pick(syl1, gen.u(x, 14)) || gen.pick(syl2, gen.u(x, 15)) || gen.pick(syl3, gen.u(x, 16)) END AS last_name,
         date '1935-01-01' + floor(gen.u(x, 17) * 25567)::int AS birth_date,
         CASE lang WHEN 'fr' THEN '0' || (6 + (gen.u(x, 23) < 0.3)::int) || lpad(((x * 7919 + 1234567) % 100000000)::text, 8, '0')
                   ELSE '07' || lpad(((x * 7919 + 7654321) % 1000000000)::text, 9, '0') END AS phone_digits,
         CASE lang WHEN 'fr' THEN lpad((1 + floor(gen.u(x, 24) * 95))::text, 2, '0') || lpad((floor(gen.u(x, 25) * 100) * 10)::text, 3, '0')
                   ELSE gen.pick(uk_areas, gen.u(x, 24)) || (1 + floor(gen.u(x, 25) * 20))::text || ' '
                        || floor(gen.u(x, 26) * 10)::text || chr(65 + floor(gen.u(x, 27) * 26)::int) || chr(65 + floor(gen.u(x, 28) * 26)::int) END AS postcode
  FROM (SELECT x, CASE WHEN gen.u(x, 10) < 0.75 THEN 'fr' ELSE 'en' END AS lang FROM generate_series(1::bigint, :persons) x) p, gen.lists l
) q;
ALTER TABLE gen.person ADD PRIMARY KEY (person_id);

-- records: y <= persons is person y itself; later ones duplicate a random person
CREATE TABLE customers_raw AS
WITH r AS (
  SELECT y, y > :persons AS dup, CASE WHEN y <= :persons THEN y ELSE 1 + floor(gen.u(y, 1) * :persons)::bigint END AS x
  FROM generate_series(1::bigint, :records) y
), e AS (   -- errors (duplicates only) on names, before formatting
  SELECT r.y, r.dup, p.*, l.fr_civ, l.en_civ, l.uk_areas,
         CASE WHEN dup AND gen.u(y, 36) < 0.03 THEN NULL
              WHEN dup AND gen.u(y, 35) < 0.03 THEN left(p.first_name, 1) || '.'
              WHEN dup AND gen.u(y, 31) < 0.12 THEN gen.typo(p.first_name, gen.u(y, 32), gen.u(y, 33), gen.u(y, 34))
              ELSE p.first_name END AS fn,
         CASE WHEN dup AND gen.u(y, 46) < 0.01 THEN NULL
              WHEN dup AND gen.u(y, 41) < 0.12 THEN gen.typo(p.last_name, gen.u(y, 42), gen.u(y, 43), gen.u(y, 44))
              ELSE p.last_name END AS ln,
         CASE WHEN dup AND gen.u(y, 53) < 0.08 THEN NULL
              WHEN dup AND gen.u(y, 50) < 0.04 AND extract(day FROM p.birth_date) <= 12
                   THEN make_date(extract(year FROM p.birth_date)::int, extract(day FROM p.birth_date)::int, extract(month FROM p.birth_date)::int)
              WHEN dup AND gen.u(y, 51) < 0.03 THEN (p.birth_date + (1 + floor(gen.u(y, 52) * 9)::int) * interval '1 year')::date
              ELSE p.birth_date END AS dob
  FROM r JOIN gen.person p ON p.person_id = r.x, gen.lists l
), f AS (   -- accents dropped, case, civility (all records), then swapped names
  SELECT e.*,
         CASE WHEN dup AND gen.u(y, 37) < 0.3 THEN gen.plain(fn) ELSE fn END AS fn2,
         CASE WHEN dup AND gen.u(y, 37) < 0.3 THEN gen.plain(ln) ELSE ln END AS ln2
  FROM e
), g AS (
  SELECT f.*,
         CASE WHEN gen.u(y, 38) < 0.3 THEN upper(fn2 COLLATE "und-x-icu") WHEN gen.u(y, 38) < 0.4 THEN lower(fn2 COLLATE "und-x-icu") ELSE fn2 END AS fn3,
         CASE WHEN gen.u(y, 38) < 0.3 THEN upper(ln2 COLLATE "und-x-icu") WHEN gen.u(y, 38) < 0.35 THEN lower(ln2 COLLATE "und-x-icu") ELSE ln2 END AS ln3
  FROM f
)
SELECT y AS id, x_person AS person_id,
       gen.pick('{shop,web,store,call_centre}', gen.u(y, 90)) AS source,
       CASE WHEN swap THEN ln3 ELSE civ || fn3 END AS first_name,
       CASE WHEN swap THEN civ || fn3 ELSE ln3 END AS last_name,
       CASE WHEN dob IS NULL THEN NULL WHEN gen.u(y, 54) < 0.3 THEN to_char(dob, 'DD/MM/YYYY') ELSE to_char(dob, 'YYYY-MM-DD') END AS birth_date,
       CASE WHEN gen.u(y, 60) < 0.15 OR (dup AND gen.u(y, 60) < 0.30) THEN NULL
            ELSE (CASE WHEN gen.u(y, 63) < 0.1 THEN upper(em COLLATE "und-x-icu") ELSE em END) || CASE WHEN gen.u(y, 64) < 0.02 THEN ' ' ELSE '' END END AS email,
       CASE WHEN gen.u(y, 70) < 0.2 OR (dup AND gen.u(y, 70) < 0.35) THEN NULL
            WHEN lang = 'fr' THEN CASE floor(gen.u(y, 72) * 5)::int
                 WHEN 0 THEN ph WHEN 1 THEN regexp_replace(ph, '(..)(..)(..)(..)(..)', '\1 \2 \3 \4 \5')
                 WHEN 2 THEN regexp_replace(ph, '(..)(..)(..)(..)(..)', '\1.\2.\3.\4.\5')
                 WHEN 3 THEN regexp_replace(ph, '0(.)(..)(..)(..)(..)', '+33 \1 \2 \3 \4 \5')
                 ELSE '+33' || substr(ph, 2) END
            ELSE CASE floor(gen.u(y, 72) * 3)::int
                 WHEN 0 THEN regexp_replace(ph, '(.....)(......)', '\1 \2')
                 WHEN 1 THEN regexp_replace(ph, '0(....)(......)', '+44 \1 \2')
                 ELSE '+44' || substr(ph, 2) END
            END AS phone,
       CASE WHEN dup AND gen.u(y, 82) < 0.08 THEN NULL
            WHEN lang = 'en' AND gen.u(y, 83) < 0.3 THEN lower(replace(pc, ' ', ''))
            ELSE pc END AS postcode,
       CASE WHEN dup AND gen.u(y, 73) < 0.05 THEN NULL WHEN lang = 'fr' THEN 'FR' ELSE 'GB' END AS country,
       timestamp '2020-01-01' + gen.u(y, 91) * interval '1826 days' AS updated_at
FROM (
  SELECT g.*, g.person_id AS x_person,
         dup AND gen.u(y, 30) < 0.04 AS swap,
         CASE WHEN fn3 IS NOT NULL AND gen.u(y, 39) < 0.2
              THEN CASE lang WHEN 'fr' THEN gen.pick(fr_civ, gen.u(y, 40)) ELSE gen.pick(en_civ, gen.u(y, 40)) END || ' '
              ELSE '' END AS civ,
         CASE WHEN dup AND domain = 'gmail.com' AND gen.u(y, 61) < 0.2 THEN replace(email_local, '.', '') || '+' || gen.pick('{promo,shop,news,fidelite}', gen.u(y, 65))
              WHEN dup AND domain = 'gmail.com' AND gen.u(y, 61) < 0.4 THEN overlay(email_local placing '.' from 2 + floor(gen.u(y, 66) * (length(email_local) - 2))::int for 0)
              WHEN dup AND gen.u(y, 62) < 0.04 THEN gen.typo(email_local, gen.u(y, 67), gen.u(y, 68), gen.u(y, 69))
              ELSE email_local END || '@' || domain AS em,
         CASE WHEN dup AND gen.u(y, 71) < 0.02 THEN gen.typo(phone_digits, gen.u(y, 74), 0, gen.u(y, 75), '0123456789') ELSE phone_digits END AS ph,
         CASE WHEN dup AND gen.u(y, 80) < 0.10
              THEN CASE lang WHEN 'fr' THEN lpad((1 + floor(gen.u(y, 84) * 95))::text, 2, '0') || lpad((floor(gen.u(y, 85) * 100) * 10)::text, 3, '0')
                   ELSE gen.pick(uk_areas, gen.u(y, 84)) || (1 + floor(gen.u(y, 85) * 20))::text || ' '
                        || floor(gen.u(y, 86) * 10)::text || chr(65 + floor(gen.u(y, 87) * 26)::int) || chr(65 + floor(gen.u(y, 88) * 26)::int) END
              ELSE postcode END AS pc
  FROM g
) h;
ALTER TABLE customers_raw ADD PRIMARY KEY (id);
VACUUM ANALYZE customers_raw;
\set QUIET off
