-- customer360 install SQL, capability 'match' (assembled by the Makefile; see src/sql/common.sql).

-- =====================================================================================
-- Matching (issue 3): normalisers, similarities on code points, phonetic keys.
-- docs/match.md. All IMMUTABLE STRICT PARALLEL SAFE; invalid UTF-8 -> 22P02,
-- arguments longer than 65535 code points -> 54000.
-- =====================================================================================

CREATE FUNCTION c360.normalize_name(name pg_catalog.text) RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_normalize_name'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.normalize_name(pg_catalog.text) IS
    'Lower case, accents folded, punctuation and spaces collapsed, leading civility words (M., Mme, Mr, Dr...) removed';

CREATE FUNCTION c360.normalize_email(email pg_catalog.text) RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_normalize_email'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.normalize_email(pg_catalog.text) IS
    'Trimmed, lower-cased address; gmail dots and provider +tags removed; NULL when it cannot be an address';

CREATE FUNCTION c360.normalize_phone(phone pg_catalog.text, default_country pg_catalog.text DEFAULT 'FR')
    RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_normalize_phone'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.normalize_phone(pg_catalog.text, pg_catalog.text) IS
    'E.164 form (+33612345678) or NULL when the value cannot be a phone number';

CREATE FUNCTION c360.levenshtein(a pg_catalog.text, b pg_catalog.text) RETURNS pg_catalog.int4
    AS 'MODULE_PATHNAME', 'c360_levenshtein'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.levenshtein(pg_catalog.text, pg_catalog.text) IS
    'Levenshtein distance on Unicode code points (up to 65535 each)';

CREATE FUNCTION c360.osa_distance(a pg_catalog.text, b pg_catalog.text) RETURNS pg_catalog.int4
    AS 'MODULE_PATHNAME', 'c360_osa_distance'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.osa_distance(pg_catalog.text, pg_catalog.text) IS
    'Optimal string alignment (restricted Damerau-Levenshtein) distance on code points';

CREATE FUNCTION c360.damerau_levenshtein(a pg_catalog.text, b pg_catalog.text) RETURNS pg_catalog.int4
    AS 'MODULE_PATHNAME', 'c360_damerau_levenshtein'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.damerau_levenshtein(pg_catalog.text, pg_catalog.text) IS
    'True (unrestricted) Damerau-Levenshtein distance on code points; (|a|+2)(|b|+2) <= 16777216';

CREATE FUNCTION c360.jaro(a pg_catalog.text, b pg_catalog.text) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_jaro'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.jaro(pg_catalog.text, pg_catalog.text) IS 'Jaro similarity on code points';

CREATE FUNCTION c360.jaro_winkler(a pg_catalog.text, b pg_catalog.text,
                                  prefix_scale pg_catalog.float8 DEFAULT 0.1,
                                  long_tolerance pg_catalog.bool DEFAULT false) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_jaro_winkler'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.jaro_winkler(pg_catalog.text, pg_catalog.text, pg_catalog.float8, pg_catalog.bool) IS
    'Jaro-Winkler similarity on code points (prefix <= 4, boost when Jaro > 0.7)';

CREATE FUNCTION c360.name_similarity(a pg_catalog.text, b pg_catalog.text) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_name_similarity'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.name_similarity(pg_catalog.text, pg_catalog.text) IS
    'Order-insensitive name similarity: symmetric Monge-Elkan mean of token Jaro-Winkler after normalize_name';

CREATE FUNCTION c360.soundex(name pg_catalog.text) RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_soundex'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.soundex(pg_catalog.text) IS 'American Soundex, accents folded first';

CREATE FUNCTION c360.phonetic_fr(name pg_catalog.text) RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_phonetic_fr'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.phonetic_fr(pg_catalog.text) IS 'French phonetic key: Soundex2 (up to 4 letters)';

CREATE FUNCTION c360.soundex_fr(name pg_catalog.text) RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_soundex_fr'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.soundex_fr(pg_catalog.text) IS 'French Soundex (letter + 3 digits)';

-- ---- French postal addresses (src/core/match/address.hpp, docs/match.md "French postal addresses") ----
-- Parsed to the lines of AFNOR NF Z10-011 as La Poste publishes them; no street reference file.
-- (address, postcode, city): each may be NULL (postcode and city given win over the text's); all NULL -> NULL.

CREATE TYPE c360.address_fr AS (
    house_number pg_catalog.text, repetition pg_catalog.text, street_type pg_catalog.text,
    street_type_abbr pg_catalog.text, street_name pg_catalog.text, line2 pg_catalog.text, line3 pg_catalog.text,
    line5 pg_catalog.text, postcode pg_catalog.text, city pg_catalog.text, cedex pg_catalog.text);
COMMENT ON TYPE c360.address_fr IS
    'A French postal address parsed by c360.parse_address_fr (NF Z10-011 lines; NULL where absent)';
COMMENT ON COLUMN c360.address_fr.house_number IS 'House number without leading zeros (1 to 4 digits, never 0)';
COMMENT ON COLUMN c360.address_fr.repetition IS 'Repetition index as one letter: B (bis), T (ter), Q (quater), C (quinquies) or A..Z';
COMMENT ON COLUMN c360.address_fr.street_type IS 'Street type, canonical full form (AVENUE, BOULEVARD, RUE...)';
COMMENT ON COLUMN c360.address_fr.street_type_abbr IS 'Abbreviation of the street type (AV, BD, R...), used when line 4 is too long';
COMMENT ON COLUMN c360.address_fr.street_name IS 'Street name: upper case, no accents or punctuation, ST/STE and usual titles expanded';
COMMENT ON COLUMN c360.address_fr.line2 IS 'Line 2, delivery point: APPT, ETAGE, ESC, COULOIR, CHEZ...';
COMMENT ON COLUMN c360.address_fr.line3 IS 'Line 3, building: BAT, ENTREE, IMMEUBLE, RESIDENCE, unnamed parts before the street';
COMMENT ON COLUMN c360.address_fr.line5 IS 'Line 5, delivery service and place: BP, CS, TSA, LIEU DIT, parts after the street';
COMMENT ON COLUMN c360.address_fr.postcode IS 'Postcode, 5 digits';
COMMENT ON COLUMN c360.address_fr.city IS 'Locality as on line 6: upper case, no accents, SAINT/SAINTE written ST/STE, CEDEX split out';
COMMENT ON COLUMN c360.address_fr.cedex IS 'CEDEX and its office number when the address has one (CEDEX 16)';

CREATE FUNCTION c360.parse_address_fr(address pg_catalog.text, postcode pg_catalog.text DEFAULT NULL,
                                      city pg_catalog.text DEFAULT NULL) RETURNS c360.address_fr
    AS 'MODULE_PATHNAME', 'c360_parse_address_fr'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.parse_address_fr(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Parts of a free-form French postal address: number, repetition index, street type and name, lines 2, 3, 5, postcode, city, CEDEX';
CREATE FUNCTION c360.normalize_address_fr(address pg_catalog.text, postcode pg_catalog.text DEFAULT NULL,
                                          city pg_catalog.text DEFAULT NULL) RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_normalize_address_fr'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.normalize_address_fr(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Canonical one-line French address (12 B AVENUE VICTOR HUGO, 75016 PARIS): full street types, upper case, no accents; NULL when nothing is recognised';
CREATE FUNCTION c360.address_key_fr(address pg_catalog.text, postcode pg_catalog.text DEFAULT NULL,
                                    city pg_catalog.text DEFAULT NULL) RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_address_key_fr'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.address_key_fr(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Delivery-point key POSTCODE|STREET TYPE|STREET NAME|NUMBER+INDEX (a household key); NULL without postcode or street';
CREATE FUNCTION c360.format_address_fr(address pg_catalog.text, postcode pg_catalog.text DEFAULT NULL,
                                       city pg_catalog.text DEFAULT NULL, recipient pg_catalog.text DEFAULT NULL)
    RETURNS pg_catalog.text[]
    AS 'MODULE_PATHNAME', 'c360_format_address_fr'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.format_address_fr(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Address lines to NF Z10-011: at most 6 lines of 38 characters, upper case, no punctuation, street type abbreviated only when the label is too long';

-- ---- Matching: Fellegi-Sunter model (docs/match.md) ---------------------------------
-- A comparison vector is an int4[] of levels, one per field: 0..L-1 (higher = closer,
-- L-1 = exact), -1 or NULL = null level (missing value, contributes 0).

CREATE FUNCTION c360.compare_level(a pg_catalog.text, b pg_catalog.text, method pg_catalog.text DEFAULT 'name')
    RETURNS pg_catalog.int4 AS 'MODULE_PATHNAME', 'c360_compare_level'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.compare_level(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Comparison level of two values under a method (name, tokens, code, date, address, location: 3 to 0; exact: 1/0; docs/match.md); -1 when one is NULL or empty';
CREATE FUNCTION c360.method_levels(method pg_catalog.text) RETURNS pg_catalog.int4
    AS 'MODULE_PATHNAME', 'c360_method_levels'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.method_levels(pg_catalog.text) IS 'Number of levels of a comparison method (name 4, code 4, exact 2)';

CREATE FUNCTION c360.fs_patterns_add(state pg_catalog.float8[], levels pg_catalog.int4[], nlevels pg_catalog.int4[])
    RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_fs_patterns_add'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.fs_patterns_add(pg_catalog.float8[], pg_catalog.int4[], pg_catalog.int4[]) IS
    'Transition function of aggregate c360.fs_patterns (aggregate use only): counts one comparison vector; a row with NULL levels or nlevels is skipped';
CREATE FUNCTION c360.fs_patterns_merge(a pg_catalog.float8[], b pg_catalog.float8[]) RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_fs_patterns_merge'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.fs_patterns_merge(pg_catalog.float8[], pg_catalog.float8[]) IS
    'Combine function of aggregate c360.fs_patterns (aggregate use only): adds two pattern tables of the same fields and levels';
CREATE AGGREGATE c360.fs_patterns(levels pg_catalog.int4[], nlevels pg_catalog.int4[]) (
    SFUNC = c360.fs_patterns_add,
    STYPE = pg_catalog.float8[],
    COMBINEFUNC = c360.fs_patterns_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.fs_patterns(pg_catalog.int4[], pg_catalog.int4[]) IS
    'Counts of distinct comparison vectors (the sufficient statistics of EM), as a float8[] table';

CREATE FUNCTION c360.fs_estimate(patterns pg_catalog.float8[], random_pairs pg_catalog.float8[] DEFAULT NULL,
                                 max_iterations pg_catalog.int4 DEFAULT 100,
                                 tolerance pg_catalog.float8 DEFAULT 1e-6,
                                 initial_lambda pg_catalog.float8 DEFAULT 0.1) RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_fs_estimate'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.fs_estimate(pg_catalog.float8[], pg_catalog.float8[], pg_catalog.int4, pg_catalog.float8,
                                     pg_catalog.float8) IS
    'Fellegi-Sunter m, u and prior by EM over c360.fs_patterns counts; u fixed from random pairs when given';

CREATE FUNCTION c360.fs_prior(patterns pg_catalog.float8[], model pg_catalog.float8[],
                              max_iterations pg_catalog.int4 DEFAULT 1000,
                              tolerance pg_catalog.float8 DEFAULT 1e-9) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_fs_prior'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.fs_prior(pg_catalog.float8[], pg_catalog.float8[], pg_catalog.int4, pg_catalog.float8) IS
    'Share of matches among the pairs of a c360.fs_patterns table, by EM with the m and u of a model held fixed';

CREATE FUNCTION c360.match_weight(model pg_catalog.float8[], levels pg_catalog.int4[]) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_match_weight'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.match_weight(pg_catalog.float8[], pg_catalog.int4[]) IS
    'log2(lambda/(1-lambda)) + sum of log2(m/u) over the fields of a comparison vector';

CREATE FUNCTION c360.match_probability(model pg_catalog.float8[], levels pg_catalog.int4[]) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_match_probability'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.match_probability(pg_catalog.float8[], pg_catalog.int4[]) IS
    'Posterior match probability 2^W/(1+2^W) of a comparison vector';

CREATE FUNCTION c360.match_level_params(model pg_catalog.float8[], field pg_catalog.int4, level pg_catalog.int4)
    RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_match_level_params'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.match_level_params(pg_catalog.float8[], pg_catalog.int4, pg_catalog.int4) IS
    '{m, u, log2(m/u)} of one level of one field (field 0: {lambda, 1-lambda, prior weight})';

CREATE FUNCTION c360.match_model_info(model pg_catalog.float8[], OUT fields pg_catalog.int4, OUT levels pg_catalog.int4[],
                                      OUT lambda pg_catalog.float8, OUT iterations pg_catalog.int4)
    AS 'MODULE_PATHNAME', 'c360_match_model_info'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.match_model_info(pg_catalog.float8[]) IS
    'The header of a Fellegi-Sunter model: number of fields, levels of each field, prior lambda, EM iterations';

CREATE FUNCTION c360.match_explain(model pg_catalog.float8[], levels pg_catalog.int4[],
                                   fields pg_catalog.text[] DEFAULT NULL)
    RETURNS TABLE (field pg_catalog.int4, name pg_catalog.text, level pg_catalog.int4,
                   m pg_catalog.float8, u pg_catalog.float8, weight pg_catalog.float8)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- no SET search_path: a BEGIN ATOMIC body is bound when it is created (the caller's search_path plays no
-- part), and with SET a forced-parallel plan calling it per row hung in sql/match_febrl (PostgreSQL 15)
BEGIN ATOMIC
    SELECT 0, 'prior', NULL::pg_catalog.int4, p[1], p[2], p[3]
    FROM c360.match_level_params(model, 0, 0) AS p
    UNION ALL
    SELECT i, COALESCE(fields[i], 'field ' OPERATOR(pg_catalog.||) i),
           COALESCE(levels[i], -1), p[1], p[2], p[3]
    FROM pg_catalog.generate_subscripts(levels, 1) AS i,
         LATERAL c360.match_level_params(model, i, COALESCE(levels[i], -1)) AS p
    ORDER BY 1;
END;
COMMENT ON FUNCTION c360.match_explain(pg_catalog.float8[], pg_catalog.int4[], pg_catalog.text[]) IS
    'Each field''s contribution (m, u, log2(m/u)) to a pair''s match weight; the weights add up to match_weight';

CREATE FUNCTION c360.match_parameters(model pg_catalog.float8[], fields pg_catalog.text[] DEFAULT NULL)
    RETURNS TABLE (field pg_catalog.int4, name pg_catalog.text, level pg_catalog.int4,
                   m pg_catalog.float8, u pg_catalog.float8, weight pg_catalog.float8)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT 0, 'prior (lambda, 1 - lambda; ' OPERATOR(pg_catalog.||) h.iterations OPERATOR(pg_catalog.||) ' EM iterations)',
           NULL::pg_catalog.int4, p[1], p[2], p[3]
    FROM c360.match_model_info(model) AS h, c360.match_level_params(model, 0, 0) AS p
    UNION ALL
    SELECT f, COALESCE(match_parameters.fields[f], 'field ' OPERATOR(pg_catalog.||) f), l, p[1], p[2], p[3]
    FROM c360.match_model_info(model) AS h,
         pg_catalog.generate_subscripts(h.levels, 1) AS f,
         pg_catalog.generate_series(0, h.levels[f] OPERATOR(pg_catalog.-) 1) AS l,
         LATERAL c360.match_level_params(model, f, l) AS p
    ORDER BY 1, 3 DESC;
END;
COMMENT ON FUNCTION c360.match_parameters(pg_catalog.float8[], pg_catalog.text[]) IS
    'The parameters of a Fellegi-Sunter model: prior, then m, u and log2(m/u) of each level of each field';

-- ---- Term-frequency adjustments (src/core/match/tf.hpp, docs/match.md "Term frequencies") -------
-- On the exact level of a field, weight + tf_weight x (log2(u_exact) - log2(max(tf_l, tf_r, min_u))),
-- tf = share of the records holding the value (Splink's definition).

CREATE FUNCTION c360.tf_add(state pg_catalog.float8[], value pg_catalog.text) RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_tf_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.tf_add(pg_catalog.float8[], pg_catalog.text) IS
    'Transition function of aggregate c360.term_frequencies: counts one value (NULL skipped)';
CREATE FUNCTION c360.tf_merge(a pg_catalog.float8[], b pg_catalog.float8[]) RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_tf_merge'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.tf_merge(pg_catalog.float8[], pg_catalog.float8[]) IS
    'Combine function of aggregate c360.term_frequencies: adds the counts of two states';
CREATE FUNCTION c360.tf_final(state pg_catalog.float8[]) RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_tf_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.tf_final(pg_catalog.float8[]) IS
    'Final function of aggregate c360.term_frequencies: the table of the values seen at least twice, sorted by hash';
CREATE AGGREGATE c360.term_frequencies(value pg_catalog.text) (
    SFUNC = c360.tf_add, STYPE = pg_catalog.float8[], COMBINEFUNC = c360.tf_merge,
    FINALFUNC = c360.tf_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.term_frequencies(pg_catalog.text) IS
    'Term-frequency table of a field (records holding each value, by a hash below 10^15: exact in text), for c360.match_with_tf and c360.tf_frequency';

CREATE FUNCTION c360.tf_frequency(tf pg_catalog.float8[], value pg_catalog.text) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_tf_frequency'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.tf_frequency(pg_catalog.float8[], pg_catalog.text) IS
    'Share of the records holding a value in a c360.term_frequencies table (a value absent from it counts once)';

CREATE FUNCTION c360.match_with_tf(model pg_catalog.float8[], field pg_catalog.int4, tf pg_catalog.float8[],
                                   weight pg_catalog.float8 DEFAULT 1, min_u pg_catalog.float8 DEFAULT 0)
    RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_match_with_tf'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.match_with_tf(pg_catalog.float8[], pg_catalog.int4, pg_catalog.float8[], pg_catalog.float8, pg_catalog.float8) IS
    'The model with a term-frequency adjustment on the exact level of one field (1-based): its table, adjustment weight in (0, 16] and minimum u in [0, 1)';

CREATE FUNCTION c360.match_tf_info(model pg_catalog.float8[], field pg_catalog.int4,
                                   OUT weight pg_catalog.float8, OUT min_u pg_catalog.float8, OUT records pg_catalog.float8,
                                   OUT frequent_values pg_catalog.int8, OUT u_exact pg_catalog.float8)
    AS 'MODULE_PATHNAME', 'c360_match_tf_info'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.match_tf_info(pg_catalog.float8[], pg_catalog.int4) IS
    'The term-frequency adjustment of one field of a model: weight (0: none), minimum u, records counted, values seen at least twice, u of the exact level';

CREATE FUNCTION c360.match_weight(model pg_catalog.float8[], levels pg_catalog.int4[],
                                  values_l pg_catalog.text[], values_r pg_catalog.text[]) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_match_weight'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.match_weight(pg_catalog.float8[], pg_catalog.int4[], pg_catalog.text[], pg_catalog.text[]) IS
    'Match weight with the term-frequency adjustments of the model''s fields, from the two records'' values (one per field)';
CREATE FUNCTION c360.match_probability(model pg_catalog.float8[], levels pg_catalog.int4[],
                                       values_l pg_catalog.text[], values_r pg_catalog.text[]) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_match_probability'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.match_probability(pg_catalog.float8[], pg_catalog.int4[], pg_catalog.text[], pg_catalog.text[]) IS
    'Match probability with the term-frequency adjustments of the model''s fields, from the two records'' values (one per field)';

CREATE FUNCTION c360.match_tf_term(model pg_catalog.float8[], field pg_catalog.int4, level pg_catalog.int4,
                                   value_l pg_catalog.text, value_r pg_catalog.text) RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_match_tf_term'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.match_tf_term(pg_catalog.float8[], pg_catalog.int4, pg_catalog.int4, pg_catalog.text, pg_catalog.text) IS
    '{frequency used, adjustment in bits} of one field of a pair: the larger frequency of the two values and the term-frequency adjustment (NULLs when none applies)';

CREATE FUNCTION c360.match_explain(model pg_catalog.float8[], levels pg_catalog.int4[], fields pg_catalog.text[],
                                   values_l pg_catalog.text[], values_r pg_catalog.text[])
    RETURNS TABLE (field pg_catalog.int4, name pg_catalog.text, level pg_catalog.int4,
                   m pg_catalog.float8, u pg_catalog.float8, weight pg_catalog.float8,
                   tf_frequency pg_catalog.float8, tf_adjustment pg_catalog.float8)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- no SET search_path: a BEGIN ATOMIC body (see the three-argument form)
BEGIN ATOMIC
    SELECT 0, 'prior', NULL::pg_catalog.int4, p[1], p[2], p[3], NULL::pg_catalog.float8, NULL::pg_catalog.float8
    FROM c360.match_level_params(model, 0, 0) AS p
    UNION ALL
    SELECT i, COALESCE(fields[i], 'field ' OPERATOR(pg_catalog.||) i),
           COALESCE(levels[i], -1), p[1], p[2], p[3] OPERATOR(pg_catalog.+) COALESCE(t[2], 0), t[1], t[2]
    FROM pg_catalog.generate_subscripts(levels, 1) AS i,
         LATERAL c360.match_level_params(model, i, COALESCE(levels[i], -1)) AS p,
         LATERAL c360.match_tf_term(model, i, COALESCE(levels[i], -1), values_l[i], values_r[i]) AS t
    ORDER BY 1;
END;
COMMENT ON FUNCTION c360.match_explain(pg_catalog.float8[], pg_catalog.int4[], pg_catalog.text[], pg_catalog.text[], pg_catalog.text[]) IS
    'Each field''s contribution to a pair''s match weight with term-frequency adjustments (weight includes tf_adjustment; they add up to the 4-argument match_weight)';

-- ---- Matching: one call from a customer table to scored pairs (docs/match.md) ----------
-- blocks: text[], one blocking rule per element, each a '+'-separated list of columns whose
-- values must be equal (e.g. ARRAY['surname_key+postcode', 'date_of_birth']); a pair is a
-- candidate when any rule holds. Columns are quoted with quote_ident (format %I), the table is
-- a regclass: no SQL injection. A view works as the source (normalised fields, phonetic keys).

-- The join condition of each blocking rule ("a+b" -> l.a = r.a AND l.b = r.b), rules validated.
CREATE FUNCTION c360._rule_conditions(blocks pg_catalog.text[]) RETURNS pg_catalog.text[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    out text[] := '{}';
    cond text;
    col text;
    rule text;
BEGIN
    IF blocks IS NULL OR cardinality(blocks) = 0 THEN
        RAISE EXCEPTION 'c360: at least one blocking rule is needed (comparing every pair does not scale)'
            USING ERRCODE = '22023', HINT = 'For example ARRAY[''surname_key+postcode'', ''date_of_birth''].';
    END IF;
    FOREACH rule IN ARRAY blocks LOOP
        IF rule IS NULL OR btrim(rule) = '' THEN
            RAISE EXCEPTION 'c360: empty blocking rule' USING ERRCODE = '22023';
        END IF;
        cond := NULL;
        FOREACH col IN ARRAY string_to_array(rule, '+') LOOP
            col := btrim(col);
            IF col = '' THEN
                RAISE EXCEPTION 'c360: empty column name in blocking rule "%"', rule USING ERRCODE = '22023';
            END IF;
            cond := concat_ws(' AND ', cond, format('l.%1$I = r.%1$I', col));
        END LOOP;
        out := out || cond;
    END LOOP;
    RETURN out;
END
$function$;
COMMENT ON FUNCTION c360._rule_conditions(pg_catalog.text[]) IS
    'Internal: the join condition (SQL text) of each blocking rule between records l and r';

-- The functions that run the blocking self-joins over a whole table (candidate_pairs, compare_pairs,
-- match_train, match_score, match_persons) set enable_mergejoin = off: on text keys under an ICU
-- collation the planner's merge joins sort a million wide rows by collation (measured at 1M records:
-- match_score 10.0 s with them, 4.9 s with hash joins alone).
-- The candidate pairs of one FROM item with the records themselves: per rule a self-join (id_l < id_r)
-- that leaves out the pairs an earlier rule already gives (its condition true), so that every pair comes
-- once without a de-duplication, and the select list reads both records (l, r; with levels_sql, also
-- v.levels) without joining the pairs back to the table.
CREATE FUNCTION c360._pairs_sql(rel pg_catalog.text, id_col pg_catalog.name, blocks pg_catalog.text[],
                                select_list pg_catalog.text, levels_sql pg_catalog.text DEFAULT NULL)
    RETURNS pg_catalog.text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    conds text[];
    parts text[] := '{}';
    earlier text;
BEGIN
    IF rel IS NULL OR id_col IS NULL OR select_list IS NULL THEN
        RAISE EXCEPTION 'c360: source and id_col must not be NULL' USING ERRCODE = '22004';
    END IF;
    conds := c360._rule_conditions(blocks);
    FOR k IN 1 .. cardinality(conds) LOOP
        earlier := (SELECT string_agg(format('NOT coalesce(%s, false)', conds[j]), ' AND ' ORDER BY j) FROM generate_series(1, k - 1) AS j);
        parts := parts || format('SELECT %s FROM %s l JOIN %s r ON %s AND l.%I < r.%I%s%s',
                                 select_list, rel, rel, conds[k], id_col, id_col,
                                 CASE WHEN levels_sql IS NULL THEN '' ELSE format(', LATERAL (SELECT %s AS levels) v', levels_sql) END,
                                 CASE WHEN earlier IS NULL THEN '' ELSE ' WHERE ' || earlier END);
    END LOOP;
    RETURN array_to_string(parts, ' UNION ALL ');
END
$function$;
COMMENT ON FUNCTION c360._pairs_sql(pg_catalog.text, pg_catalog.name, pg_catalog.text[], pg_catalog.text, pg_catalog.text) IS
    'Internal: the query (text) of the candidate pairs of a FROM item read with both records (l, r, optionally v.levels): one self-join per blocking rule, each pair once';

CREATE FUNCTION c360._blocking_sql_on(left_rel pg_catalog.text, right_rel pg_catalog.text, id_col pg_catalog.name,
                                      blocks pg_catalog.text[])
    RETURNS pg_catalog.text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    parts text[] := '{}';
    cond text;
BEGIN
    IF left_rel IS NULL OR right_rel IS NULL OR id_col IS NULL THEN
        RAISE EXCEPTION 'c360: source and id_col must not be NULL' USING ERRCODE = '22004';
    END IF;
    FOREACH cond IN ARRAY c360._rule_conditions(blocks) LOOP
        IF left_rel = right_rel THEN   -- a self-join: each pair once, id_l < id_r
            parts := parts || format('SELECT l.%1$I::bigint AS id_l, r.%1$I::bigint AS id_r FROM %2$s l JOIN %2$s r ON %3$s AND l.%1$I < r.%1$I',
                                     id_col, left_rel, cond);
        ELSE                           -- the records of left_rel against those of right_rel
            parts := parts || format('SELECT least(l.%1$I::bigint, r.%1$I::bigint) AS id_l, greatest(l.%1$I::bigint, r.%1$I::bigint) AS id_r '
                                     'FROM %2$s l JOIN %3$s r ON %4$s AND l.%1$I <> r.%1$I', id_col, left_rel, right_rel, cond);
        END IF;
    END LOOP;
    RETURN array_to_string(parts, ' UNION ');
END
$function$;
COMMENT ON FUNCTION c360._blocking_sql_on(pg_catalog.text, pg_catalog.text, pg_catalog.name, pg_catalog.text[]) IS
    'Internal: the query (text) of the candidate pairs (id_l < id_r) between two FROM items (SQL text, already quoted) under blocking rules';

CREATE FUNCTION c360._blocking_sql(source pg_catalog.regclass, id_col pg_catalog.name, blocks pg_catalog.text[])
    RETURNS pg_catalog.text LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    rel text;
BEGIN
    IF source IS NULL OR id_col IS NULL THEN
        RAISE EXCEPTION 'c360: source and id_col must not be NULL' USING ERRCODE = '22004';
    END IF;
    rel := c360._source_sql(source);
    RETURN c360._blocking_sql_on(rel, rel, id_col, blocks);
END
$function$;
COMMENT ON FUNCTION c360._blocking_sql(pg_catalog.regclass, pg_catalog.name, pg_catalog.text[]) IS
    'Internal: the query (text) of the candidate pairs (id_l < id_r) of a table under blocking rules, identifiers quoted; used by the matching functions';

CREATE FUNCTION c360._levels_sql(fields pg_catalog.name[], methods pg_catalog.text[], masked pg_catalog.bool[] DEFAULT NULL)
    RETURNS pg_catalog.text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    items text[] := '{}';
BEGIN
    IF fields IS NULL OR methods IS NULL OR cardinality(fields) = 0 THEN
        RAISE EXCEPTION 'c360: fields and methods must be non-empty arrays' USING ERRCODE = '22023';
    END IF;
    IF cardinality(fields) <> cardinality(methods) THEN
        RAISE EXCEPTION 'c360: % fields but % methods: give one method per field', cardinality(fields), cardinality(methods)
            USING ERRCODE = '22023';
    END IF;
    FOR i IN 1 .. cardinality(fields) LOOP
        PERFORM c360.method_levels(methods[i]);  -- validates the method
        IF masked[i] THEN   -- left out (null level) when training on the pairs of a rule that uses the field
            items := items || '-1'::text;
        ELSE
            items := items || format('c360.compare_level(l.%I::text, r.%I::text, %L)', fields[i], fields[i], methods[i]);
        END IF;
    END LOOP;
    RETURN 'ARRAY[' || array_to_string(items, ', ') || ']';
END
$function$;
COMMENT ON FUNCTION c360._levels_sql(pg_catalog.name[], pg_catalog.text[], pg_catalog.bool[]) IS
    'Internal: the SQL expression (text) of the comparison vector of fields l and r with one method each; masked fields give level -1';

CREATE FUNCTION c360.candidate_pairs(source pg_catalog.regclass, id_col pg_catalog.name, blocks pg_catalog.text[])
    RETURNS TABLE (id_l pg_catalog.int8, id_r pg_catalog.int8)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
    SET enable_mergejoin = off
AS $function$
BEGIN
    RETURN QUERY EXECUTE c360._pairs_sql(c360._source_sql(source), id_col, blocks, format('l.%1$I::bigint, r.%1$I::bigint', id_col));
END
$function$;
COMMENT ON FUNCTION c360.candidate_pairs(pg_catalog.regclass, pg_catalog.name, pg_catalog.text[]) IS
    'Candidate pairs (id_l < id_r) of records sharing the values of any blocking rule';

CREATE FUNCTION c360.compare_pairs(source pg_catalog.regclass, id_col pg_catalog.name, fields pg_catalog.name[],
                                   methods pg_catalog.text[], blocks pg_catalog.text[])
    RETURNS TABLE (id_l pg_catalog.int8, id_r pg_catalog.int8, levels pg_catalog.int4[])
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
    SET enable_mergejoin = off
AS $function$
BEGIN
    RETURN QUERY EXECUTE c360._pairs_sql(c360._source_sql(source), id_col, blocks,
        format('l.%1$I::bigint, r.%1$I::bigint, %2$s', id_col, c360._levels_sql(fields, methods)));
END
$function$;
COMMENT ON FUNCTION c360.compare_pairs(pg_catalog.regclass, pg_catalog.name, pg_catalog.name[], pg_catalog.text[], pg_catalog.text[]) IS
    'Candidate pairs with their comparison vector (c360.compare_level of each field with its method)';

-- The random-pairs mode of c360.match_train, on the layouts of src/core/match/fs.hpp.
CREATE FUNCTION c360._fs_compared_pairs(patterns pg_catalog.float8[]) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_fs_compared_pairs'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360._fs_compared_pairs(pg_catalog.float8[]) IS
    'Internal: the pairs of a c360.fs_patterns table with at least one field compared (not all-null); used by c360.match_train';
CREATE FUNCTION c360._fs_combine_rules(rule_models pg_catalog.float8[], rule_masks pg_catalog.bool[],
                                       rule_pairs pg_catalog.float8[], random_pairs pg_catalog.float8[],
                                       candidates pg_catalog.float8[], records pg_catalog.float8)
    RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_fs_combine_rules'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360._fs_combine_rules(pg_catalog.float8[], pg_catalog.bool[], pg_catalog.float8[], pg_catalog.float8[],
                                           pg_catalog.float8[], pg_catalog.float8) IS
    'Internal: the model of c360.match_train with random_pairs, from one fit per blocking rule (rows of rule_models, the fields each leaves out in rule_masks): m averaged weighted by expected matches, u of the random pairs, prior spread over the records'' pairs';

CREATE FUNCTION c360._match_add_tf(model pg_catalog.float8[], source pg_catalog.regclass, fields pg_catalog.name[],
                                   tf_fields pg_catalog.name[], tf_weight pg_catalog.float8, tf_min_u pg_catalog.float8)
    RETURNS pg_catalog.float8[]
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    tf float8[];
BEGIN
    FOR i IN 1 .. coalesce(cardinality(fields), 0) LOOP
        CONTINUE WHEN tf_fields IS NULL OR NOT fields[i] = ANY (tf_fields);
        EXECUTE format('SELECT c360.term_frequencies(%I::text) FROM %s WHERE %I::text <> %L', fields[i], source, fields[i], '')
            INTO tf;
        CONTINUE WHEN tf IS NULL;   -- no value at all: nothing to adjust
        model := c360.match_with_tf(model, i, tf, tf_weight, tf_min_u);
    END LOOP;
    RETURN model;
END
$function$;
COMMENT ON FUNCTION c360._match_add_tf(pg_catalog.float8[], pg_catalog.regclass, pg_catalog.name[], pg_catalog.name[],
                                       pg_catalog.float8, pg_catalog.float8) IS
    'Internal: the model with the term frequencies of the listed fields of a table (used by c360.match_train)';

CREATE FUNCTION c360._weight_sql(model pg_catalog.float8[], fields pg_catalog.name[], levels_sql pg_catalog.text)
    RETURNS pg_catalog.text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    l text[] := '{}';
    r text[] := '{}';
    any_tf bool := false;
BEGIN
    FOR i IN 1 .. cardinality(fields) LOOP
        IF (c360.match_tf_info(model, i)).weight > 0 THEN
            any_tf := true;
            l := l || format('l.%I::text', fields[i]);
            r := r || format('r.%I::text', fields[i]);
        ELSE
            l := l || 'NULL::text'::text;
            r := r || 'NULL::text'::text;
        END IF;
    END LOOP;
    IF NOT any_tf THEN
        RETURN format('c360.match_weight($1, %s)', levels_sql);
    END IF;
    RETURN format('c360.match_weight($1, %s, ARRAY[%s], ARRAY[%s])', levels_sql, array_to_string(l, ', '), array_to_string(r, ', '));
END
$function$;
COMMENT ON FUNCTION c360._weight_sql(pg_catalog.float8[], pg_catalog.name[], pg_catalog.text) IS
    'Internal: the SQL expression (text) of a pair''s match weight (model = $1), with the values of the fields the model adjusts by term frequency';

CREATE FUNCTION c360.match_train(source pg_catalog.regclass, id_col pg_catalog.name, fields pg_catalog.name[],
                                 methods pg_catalog.text[], blocks pg_catalog.text[],
                                 max_iterations pg_catalog.int4 DEFAULT 100,
                                 tolerance pg_catalog.float8 DEFAULT 1e-6,
                                 initial_lambda pg_catalog.float8 DEFAULT 0.1,
                                 random_pairs pg_catalog.int4 DEFAULT 0,
                                 tf_fields pg_catalog.name[] DEFAULT NULL,
                                 tf_weight pg_catalog.float8 DEFAULT 1,
                                 tf_min_u pg_catalog.float8 DEFAULT 0)
    RETURNS pg_catalog.float8[]
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
    SET enable_mergejoin = off
AS $function$
DECLARE
    model float8[];
    nlevels int4[];
    patterns float8[];
    sample float8[];
    rule_patterns float8[];
    masked bool[];
    compared float8;
    rule_models float8[] := '{}';  -- one row per blocking rule fitted: its c360.fs_estimate model
    rule_masks bool[] := '{}';     -- the fields each of those rules leaves out
    rule_pairs float8[] := '{}';   -- the pairs of each with at least one field compared
    n float8;
    rule_masks_text text[] := '{}';     -- per rule: its masked fields (bool[] as text)
    rule_aggs text[] := '{}';           -- per rule: the aggregate of its patterns in the one pass
    rule_patterns_text text[];          -- per rule: its patterns (float8[] as text; NULL without pairs)
BEGIN
    IF random_pairs IS NULL OR random_pairs < 0 OR random_pairs > 100000000 THEN
        RAISE EXCEPTION 'c360.match_train: random_pairs must be between 0 and 100,000,000' USING ERRCODE = '22023';
    END IF;
    nlevels := ARRAY(SELECT c360.method_levels(m) FROM unnest(methods) AS m);
    IF random_pairs = 0 THEN
        EXECUTE format('SELECT c360.fs_patterns(levels, $1) FROM (%s) q',
                       c360._pairs_sql(c360._source_sql(source), id_col, blocks, format('%s AS levels', c360._levels_sql(fields, methods))))
            INTO patterns USING nlevels;
    ELSE
        -- one pass over the candidate pairs: the patterns of all of them, and for each blocking rule those
        -- of its own pairs (every column of the rule equal) with the fields it uses left out (level -1); a
        -- column covers the field of the same name, and a column named X_key the fields whose name starts with X
        FOR b IN 1 .. cardinality(blocks) LOOP
            masked := ARRAY(SELECT EXISTS (SELECT 1 FROM unnest(string_to_array(blocks[b], '+')) AS c(col)
                                           WHERE btrim(c.col) = f.name
                                              OR (btrim(c.col) LIKE '%\_key' AND left(btrim(c.col), -4) <> ''
                                                  AND starts_with(f.name, left(btrim(c.col), -4))))
                            FROM unnest(fields) WITH ORDINALITY AS f(name, i) ORDER BY f.i);
            rule_masks_text := rule_masks_text || masked::text;
            rule_aggs := rule_aggs || format(
                'c360.fs_patterns(ARRAY[%s]::int4[], $1) FILTER (WHERE q.rules[%s])::text',
                (SELECT string_agg(CASE WHEN masked[i] THEN '-1' ELSE format('q.levels[%s]', i) END, ', ' ORDER BY i)
                 FROM generate_series(1, cardinality(fields)) AS i), b);
        END LOOP;
        -- each pair with its comparison vector and the rules whose columns it shares
        EXECUTE format('SELECT c360.fs_patterns(q.levels, $1), ARRAY[%s] FROM (%s) q',
                       array_to_string(rule_aggs, ', '),
                       c360._pairs_sql(c360._source_sql(source), id_col, blocks,
                                       format('v.levels, ARRAY[%s] AS rules',
                                              (SELECT string_agg(format('coalesce(%s, false)', c), ', ' ORDER BY i)
                                               FROM unnest(c360._rule_conditions(blocks)) WITH ORDINALITY AS u(c, i))),
                                       c360._levels_sql(fields, methods)))
            INTO patterns, rule_patterns_text USING nlevels;
    END IF;
    IF patterns IS NULL THEN
        RAISE EXCEPTION 'c360.match_train: the blocking rules give no candidate pairs' USING ERRCODE = '22023';
    END IF;
    IF tf_fields IS NOT NULL AND (tf_weight IS NULL OR tf_min_u IS NULL) THEN
        RAISE EXCEPTION 'c360.match_train: tf_weight and tf_min_u must not be NULL' USING ERRCODE = '22004';
    END IF;
    FOR i IN 1 .. coalesce(cardinality(tf_fields), 0) LOOP
        IF tf_fields[i] IS NULL OR NOT tf_fields[i] = ANY (fields) THEN
            RAISE EXCEPTION 'c360.match_train: term-frequency field "%" is not one of the fields', tf_fields[i]
                USING ERRCODE = '22023';
        END IF;
    END LOOP;
    IF random_pairs = 0 THEN   -- EM among the candidate pairs: m, u and the share of matches among them
        model := c360.fs_estimate(patterns, NULL, max_iterations, tolerance, initial_lambda);
        RETURN c360._match_add_tf(model, source, fields, tf_fields, tf_weight, tf_min_u);
    END IF;

    -- u from random pairs: two independent pseudo-random orders of the table (hashes of the ids with
    -- two seeds: the same sample on every run, whatever the scan order), paired row by row
    EXECUTE format('SELECT count(*) FROM %s', source) INTO n;
    EXECUTE format('SELECT c360.fs_patterns(%1$s, $1) FROM '
                   '(SELECT * FROM (SELECT *, row_number() OVER (ORDER BY pg_catalog.hashint8extended(%3$I::bigint, 1), %3$I) AS c360_rn FROM %2$s c360_t) s WHERE c360_rn <= $2) l JOIN '
                   '(SELECT * FROM (SELECT *, row_number() OVER (ORDER BY pg_catalog.hashint8extended(%3$I::bigint, 2), %3$I) AS c360_rn FROM %2$s c360_t) s WHERE c360_rn <= $2) r '
                   'ON l.c360_rn = r.c360_rn AND l.%3$I <> r.%3$I',
                   c360._levels_sql(fields, methods), c360._source_sql(source), id_col)
        INTO sample USING nlevels, random_pairs;
    IF sample IS NULL THEN
        RAISE EXCEPTION 'c360.match_train: no random pairs could be drawn (fewer than 2 records?)' USING ERRCODE = '22023';
    END IF;
    -- m by EM with u fixed, one blocking rule at a time, leaving out the fields the rule uses (their
    -- agreement among the rule's pairs says nothing about m), on the rule's patterns of the pass above
    FOR b IN 1 .. cardinality(blocks) LOOP
        masked := rule_masks_text[b]::bool[];
        CONTINUE WHEN true = ALL (masked);   -- the rule uses every field
        rule_patterns := rule_patterns_text[b]::float8[];
        compared := c360._fs_compared_pairs(rule_patterns);
        CONTINUE WHEN NOT coalesce(compared > 0, false);
        rule_models := rule_models || ARRAY[c360.fs_estimate(rule_patterns, sample, max_iterations, tolerance, initial_lambda)];
        rule_masks := rule_masks || ARRAY[masked];
        rule_pairs := rule_pairs || compared;
    END LOOP;
    FOR i IN 1 .. cardinality(fields) LOOP
        IF NOT false = ANY (rule_masks[:][i:i]) THEN   -- no fitted rule leaves the field in
            RAISE EXCEPTION 'c360.match_train: every blocking rule uses field "%", so its m cannot be estimated', fields[i]
                USING ERRCODE = '22023',
                      HINT = 'Add a blocking rule that does not use it, or train without random_pairs.';
        END IF;
    END LOOP;
    -- the model: m averaged over the rules (weighted by their expected matches), u of the random
    -- pairs, where a level never seen among them counts as half a pair of the sample (not ~0: no
    -- unbounded weights); the prior: the share of matches among the candidates (EM with m and u
    -- fixed), spread over all n(n-1)/2 pairs (src/core/match/fs.hpp, combine_rule_fits)
    model := c360._fs_combine_rules(rule_models, rule_masks, rule_pairs, sample, patterns, n);
    RETURN c360._match_add_tf(model, source, fields, tf_fields, tf_weight, tf_min_u);
END
$function$;
COMMENT ON FUNCTION c360.match_train(pg_catalog.regclass, pg_catalog.name, pg_catalog.name[], pg_catalog.text[],
                                     pg_catalog.text[], pg_catalog.int4, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4,
                                     pg_catalog.name[], pg_catalog.float8, pg_catalog.float8) IS
    'Fellegi-Sunter model trained on the candidate pairs of a table: by EM among them, or with random_pairs > 0, u from random pairs, m by EM per blocking rule and the prior over all pairs; tf_fields get term-frequency adjustments (frequencies of the table stored in the model)';

CREATE FUNCTION c360.match_score(source pg_catalog.regclass, id_col pg_catalog.name, fields pg_catalog.name[],
                                 methods pg_catalog.text[], blocks pg_catalog.text[], model pg_catalog.float8[],
                                 min_probability pg_catalog.float8 DEFAULT 0)
    RETURNS TABLE (id_l pg_catalog.int8, id_r pg_catalog.int8, levels pg_catalog.int4[],
                   weight pg_catalog.float8, probability pg_catalog.float8)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
    SET enable_mergejoin = off
AS $function$
BEGIN
    IF model IS NULL THEN
        RAISE EXCEPTION 'c360.match_score: model must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF min_probability IS NULL OR NOT (min_probability >= 0 AND min_probability <= 1) THEN
        RAISE EXCEPTION 'c360.match_score: min_probability must be between 0 and 1' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT id_l, id_r, levels, w, 1 / (1 + power(2::float8, -w)) FROM (%s OFFSET 0) s '
        'WHERE 1 / (1 + power(2::float8, -w)) >= $2',  -- OFFSET 0: the filter must not be pushed down to a join of l and r
        c360._pairs_sql(c360._source_sql(source), id_col, blocks,
                        format('l.%1$I::bigint AS id_l, r.%1$I::bigint AS id_r, v.levels, %2$s AS w', id_col,
                               c360._weight_sql(model, fields, 'v.levels')),
                        c360._levels_sql(fields, methods)))
        USING model, min_probability;
END
$function$;
COMMENT ON FUNCTION c360.match_score(pg_catalog.regclass, pg_catalog.name, pg_catalog.name[], pg_catalog.text[],
                                     pg_catalog.text[], pg_catalog.float8[], pg_catalog.float8) IS
    'Scored candidate pairs: comparison vector, match weight and probability (at least min_probability)';

-- ---- Clustering and golden record -----------------------------------------------------------

CREATE FUNCTION c360.cluster_pairs_query(query pg_catalog.text)
    RETURNS TABLE (record_id pg_catalog.int8, cluster_id pg_catalog.int8)
    AS 'MODULE_PATHNAME', 'c360_cluster_pairs_query'
    LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION c360.cluster_pairs_query(pg_catalog.text) IS
    'Connected components (union-find) of the pairs returned by a query of two bigint id columns; cluster_id = smallest record id';

CREATE FUNCTION c360.cluster_pairs(pairs pg_catalog.regclass, left_col pg_catalog.name DEFAULT 'id_l',
                                   right_col pg_catalog.name DEFAULT 'id_r',
                                   score_col pg_catalog.name DEFAULT NULL, min_score pg_catalog.float8 DEFAULT NULL)
    RETURNS TABLE (record_id pg_catalog.int8, cluster_id pg_catalog.int8)
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    q text;
BEGIN
    IF pairs IS NULL OR left_col IS NULL OR right_col IS NULL THEN
        RAISE EXCEPTION 'c360.cluster_pairs: pairs, left_col and right_col must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF (score_col IS NULL) <> (min_score IS NULL) THEN
        RAISE EXCEPTION 'c360.cluster_pairs: give both score_col and min_score, or neither' USING ERRCODE = '22023';
    END IF;
    q := format('SELECT %I::bigint, %I::bigint FROM %s', left_col, right_col, pairs);
    IF score_col IS NOT NULL THEN
        q := q || format(' WHERE %I >= %L::float8', score_col, min_score);
    END IF;
    RETURN QUERY SELECT c.record_id, c.cluster_id FROM c360.cluster_pairs_query(q) c;
END
$function$;
COMMENT ON FUNCTION c360.cluster_pairs(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name, pg_catalog.float8) IS
    'One customer id per connected component of the pairs (above min_score): (record_id, cluster_id = smallest record id)';

-- ---- Persons and households (src/core/match/cluster.hpp person_clusters; docs/match.md) ----------
-- A link is a candidate pair above the threshold whose distinct fields do not clearly differ; a conflict a
-- candidate pair whose distinct fields do (never one person); a household pair two records at one household
-- key sharing one of the household fields. component = connected links, person = the component split at its
-- conflicts, household = connected links and household pairs.

CREATE FUNCTION c360.method_conflict_level(method pg_catalog.text) RETURNS pg_catalog.int4
    AS 'MODULE_PATHNAME', 'c360_method_conflict_level'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.method_conflict_level(pg_catalog.text) IS
    'The comparison level at or below which two values of a method clearly differ (0 for exact, else levels - 3): the conflict rule of c360.match_persons';
CREATE FUNCTION c360.clearly_differ(a pg_catalog.text, b pg_catalog.text, method pg_catalog.text)
    RETURNS pg_catalog.bool AS 'MODULE_PATHNAME', 'c360_clearly_differ'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clearly_differ(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'The conflict rule of c360.match_persons for a distinct field: the level is at or below c360.method_conflict_level, and names (name, tokens) are not the same words with one typo each; false when a value is NULL or empty';

CREATE FUNCTION c360._person_clusters(query pg_catalog.text)
    RETURNS TABLE (record_id pg_catalog.int8, person_id pg_catalog.int8, household_id pg_catalog.int8, component_id pg_catalog.int8)
    AS 'MODULE_PATHNAME', 'c360_person_clusters'
    LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION c360._person_clusters(pg_catalog.text) IS
    'Internal: persons, households and link components of the edges (id_l, id_r, weight, kind 1 link / 2 conflict / 3 household) returned by a query';

-- The edges query (text) of c360._person_clusters for the candidate pairs between two FROM items (the
-- source, or a subset of it); model and threshold inlined as constants.
CREATE FUNCTION c360._edges_sql(source pg_catalog.regclass, left_rel pg_catalog.text, right_rel pg_catalog.text,
                                id_col pg_catalog.name, fields pg_catalog.name[], methods pg_catalog.text[],
                                blocks pg_catalog.text[], model pg_catalog.float8[], threshold pg_catalog.float8,
                                distinct_fields pg_catalog.name[], household_key pg_catalog.name,
                                household_fields pg_catalog.name[], kinds pg_catalog.int4[] DEFAULT '{1,2,3}',
                                model_param pg_catalog.text DEFAULT NULL)
    RETURNS pg_catalog.text LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    conflict text[] := '{}';
    hh_rules text[] := '{}';
    i int;
    q text;
    weight text;
    conflict_sql text;
    pairs text;
BEGIN
    IF model IS NULL THEN
        RAISE EXCEPTION 'c360.match_persons: model must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF threshold IS NULL OR NOT (threshold > 0 AND threshold < 1) THEN
        RAISE EXCEPTION 'c360.match_persons: threshold must be a probability strictly between 0 and 1' USING ERRCODE = '22023';
    END IF;
    FOR d IN 1 .. coalesce(cardinality(distinct_fields), 0) LOOP
        i := array_position(fields, distinct_fields[d]);
        IF i IS NULL THEN
            RAISE EXCEPTION 'c360.match_persons: distinct field "%" is not one of the fields', distinct_fields[d]
                USING ERRCODE = '22023';
        END IF;
        IF methods[i] IN ('name', 'tokens') THEN   -- one typo per word is not another name
            conflict := conflict || format('(v.levels[%s] BETWEEN 0 AND %s AND c360.clearly_differ(l.%I::text, r.%I::text, %L))',
                                           i, c360.method_conflict_level(methods[i]), fields[i], fields[i], methods[i]);
        ELSE
            conflict := conflict || format('v.levels[%s] BETWEEN 0 AND %s', i, c360.method_conflict_level(methods[i]));
        END IF;
    END LOOP;
    IF household_key IS NULL AND household_fields IS NOT NULL THEN
        RAISE EXCEPTION 'c360.match_persons: household_fields need a household_key' USING ERRCODE = '22023';
    END IF;
    IF household_key IS NOT NULL THEN
        IF household_fields IS NULL OR cardinality(household_fields) = 0 THEN
            hh_rules := ARRAY[household_key::text];
        ELSE
            hh_rules := ARRAY(SELECT household_key::text || '+' || f::text FROM unnest(household_fields) AS f);
        END IF;
    END IF;
    IF NOT (1 = ANY (kinds) OR 2 = ANY (kinds)) THEN   -- household pairs alone
        IF cardinality(hh_rules) = 0 OR NOT 3 = ANY (kinds) THEN
            RETURN 'SELECT NULL::int8 AS id_l, NULL::int8 AS id_r, NULL::float8 AS w, NULL::int4 AS kind WHERE false';
        END IF;
        RETURN format('SELECT id_l, id_r, 0::float8, 3 FROM (%s) h', c360._blocking_sql_on(left_rel, right_rel, id_col, hh_rules));
    END IF;
    weight := replace(c360._weight_sql(model, fields, 'v.levels'), '$1', coalesce(model_param, format('%L::float8[]', model)));
    conflict_sql := CASE WHEN cardinality(conflict) = 0 THEN 'false' ELSE '(' || array_to_string(conflict, ' OR ') || ')' END;
    IF left_rel = right_rel THEN   -- one FROM item: its pairs read with both records, no join back
        pairs := c360._pairs_sql(left_rel, id_col, blocks,
                                 format('l.%1$I::bigint AS id_l, r.%1$I::bigint AS id_r, %2$s AS w, %3$s AS conflict', id_col, weight, conflict_sql),
                                 c360._levels_sql(fields, methods));
    ELSE                           -- new records against a table: the pairs' records looked up by id
        pairs := format('SELECT p.id_l, p.id_r, %s AS w, %s AS conflict FROM (%s) p '
                        ' JOIN %s l ON l.%I::bigint = p.id_l JOIN %s r ON r.%I::bigint = p.id_r, LATERAL (SELECT %s AS levels) v',
                        weight, conflict_sql, c360._blocking_sql_on(left_rel, right_rel, id_col, blocks),
                        c360._source_sql(source), id_col, c360._source_sql(source), id_col, c360._levels_sql(fields, methods));
    END IF;
    q := format(
        'SELECT id_l, id_r, w, CASE WHEN conflict THEN 2 ELSE 1 END FROM (%s OFFSET 0) s '
        'WHERE CASE WHEN conflict THEN 2 ELSE 1 END = ANY (%L::int4[]) AND (conflict OR w >= %s)',
        pairs, kinds, format('%s::float8', log(2::numeric, (threshold / (1 - threshold))::numeric)));
    IF cardinality(hh_rules) > 0 AND 3 = ANY (kinds) THEN
        q := q || format(' UNION ALL SELECT id_l, id_r, 0::float8, 3 FROM (%s) h',
                         c360._blocking_sql_on(left_rel, right_rel, id_col, hh_rules));
    END IF;
    RETURN q;
END
$function$;
COMMENT ON FUNCTION c360._edges_sql(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.name, pg_catalog.name[],
                                    pg_catalog.text[], pg_catalog.text[], pg_catalog.float8[], pg_catalog.float8, pg_catalog.name[],
                                    pg_catalog.name, pg_catalog.name[], pg_catalog.int4[], pg_catalog.text) IS
    'Internal: the query (text) of the links, conflicts and household pairs between two FROM items, for c360._person_clusters (the model inlined, or the query parameter model_param)';

CREATE FUNCTION c360.match_persons(source pg_catalog.regclass, id_col pg_catalog.name, fields pg_catalog.name[],
                                   methods pg_catalog.text[], blocks pg_catalog.text[], model pg_catalog.float8[],
                                   threshold pg_catalog.float8 DEFAULT 0.5,
                                   distinct_fields pg_catalog.name[] DEFAULT NULL,
                                   household_key pg_catalog.name DEFAULT NULL,
                                   household_fields pg_catalog.name[] DEFAULT NULL)
    RETURNS TABLE (record_id pg_catalog.int8, person_id pg_catalog.int8, household_id pg_catalog.int8,
                   component_id pg_catalog.int8)
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
    SET enable_mergejoin = off
AS $function$
BEGIN
    IF source IS NULL OR id_col IS NULL THEN
        RAISE EXCEPTION 'c360.match_persons: source and id_col must not be NULL' USING ERRCODE = '22004';
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT s.%1$I::bigint, coalesce(c.person_id, s.%1$I::bigint), coalesce(c.household_id, s.%1$I::bigint), '
        '       coalesce(c.component_id, s.%1$I::bigint) '
        'FROM %2$s s LEFT JOIN c360._person_clusters($1) c ON c.record_id = s.%1$I::bigint',
        id_col, c360._source_sql(source))
        USING c360._edges_sql(source, c360._source_sql(source), c360._source_sql(source), id_col, fields, methods, blocks, model, threshold,
                              distinct_fields, household_key, household_fields);
END
$function$;
COMMENT ON FUNCTION c360.match_persons(pg_catalog.regclass, pg_catalog.name, pg_catalog.name[], pg_catalog.text[],
                                       pg_catalog.text[], pg_catalog.float8[], pg_catalog.float8, pg_catalog.name[],
                                       pg_catalog.name, pg_catalog.name[]) IS
    'Every record of a table with its person, household and link component (smallest record id of each): links above the threshold, never one person across a clear difference of a distinct field, households at one household key sharing a household field';

-- Identification as records arrive: the new records' candidates through the blocking columns (index
-- them), the link components they touch recomputed from their own pairs (the same persons as the batch
-- on the same records), households merged; writes the clusters table (record_id, person_id,
-- household_id, component_id), returns the rows written with the person each record had before.
-- c360.match_resolve (C, src/pg/match_cluster_pg.cpp) runs the queries of c360._resolve_queries as plans it
-- keeps for the backend (the last 8 settings), so that a record costs no planning. Their parameters:
-- $1 the ids given, $2 the model, $3 the new ids, $4 existing records linked to a new one, $5 the records of
-- the touched components, $6 the touched households, $7 .. $10 the computed (record, person, household,
-- component) columns.
CREATE FUNCTION c360._resolve_queries(source pg_catalog.regclass, id_col pg_catalog.name, fields pg_catalog.name[],
                                      methods pg_catalog.text[], blocks pg_catalog.text[], model pg_catalog.float8[],
                                      clusters pg_catalog.regclass, threshold pg_catalog.float8,
                                      distinct_fields pg_catalog.name[], household_key pg_catalog.name,
                                      household_fields pg_catalog.name[])
    RETURNS pg_catalog.text[] LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    new_rel text;
    rc_rel text;
    q_fresh text;
    q_linked text;
    q_rc text;
    q_houses text;
    q_edges text;
    q_write text;
BEGIN
    IF source IS NULL OR id_col IS NULL OR clusters IS NULL THEN
        RAISE EXCEPTION 'c360.match_resolve: source, id_col and clusters must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF c360._source_sql(source) <> source::text THEN   -- each call would bring the whole table to the coordinator
        RAISE EXCEPTION 'c360.match_resolve: % is a distributed table (Citus); records cannot be resolved one by one against it', source
            USING ERRCODE = '0A000',
                  HINT = 'Resolve against a reference table (create_reference_table) or a local copy, or run c360.match_persons in batch.';
    END IF;
    new_rel := format('(SELECT * FROM %s WHERE %I = ANY ($3))', source, id_col);
    rc_rel := format('(SELECT * FROM %s WHERE %I = ANY ($5))', source, id_col);
    -- the records of the source not yet in the clusters table
    q_fresh := format('SELECT array_agg(DISTINCT s.%1$I::bigint ORDER BY s.%1$I::bigint) FROM %2$s s '
                      'WHERE s.%1$I = ANY ($1) AND NOT EXISTS (SELECT 1 FROM %3$s c WHERE c.record_id = s.%1$I::bigint)',
                      id_col, source, clusters);
    -- existing records linked to a new one
    q_linked := format('WITH e AS MATERIALIZED (%s) SELECT array_agg(DISTINCT x) FROM (SELECT id_l FROM e UNION SELECT id_r FROM e) u (x) '
                       'WHERE NOT x = ANY ($3)',
                       c360._edges_sql(source, new_rel, source::text, id_col, fields, methods, blocks, model, threshold,
                                       distinct_fields, household_key, household_fields, '{1}', '$2'));
    -- the new records and the records of the link components they touch
    q_rc := format('SELECT $3 || coalesce(array_agg(c.record_id ORDER BY c.record_id), ''{}'') FROM %1$s c '
                   'WHERE c.component_id IN (SELECT l.component_id FROM %1$s l WHERE l.record_id = ANY ($4))', clusters);
    -- households touched: those of the component records and of the existing records at the new records' address
    IF household_key IS NOT NULL THEN
        -- one set of ids looked up through the primary key (an OR of the two would scan the clusters table)
        q_houses := format('WITH h AS MATERIALIZED (%2$s) SELECT array_agg(DISTINCT c.household_id) FROM %1$s c '
                           'WHERE c.record_id IN (SELECT unnest($5) UNION SELECT id_l FROM h UNION SELECT id_r FROM h)',
                           clusters, c360._edges_sql(source, new_rel, source::text, id_col, fields, methods, blocks, model,
                                                     threshold, distinct_fields, household_key, household_fields, '{3}', '$2'));
    ELSE
        q_houses := format('SELECT array_agg(DISTINCT c.household_id) FROM %s c WHERE c.record_id = ANY ($5)', clusters);
    END IF;
    -- the pairs among the component records, the new records' household pairs, the existing households (a star each)
    q_edges := c360._edges_sql(source, rc_rel, rc_rel, id_col, fields, methods, blocks, model, threshold,
                               distinct_fields, household_key, household_fields, '{1,2,3}', '$2');
    IF household_key IS NOT NULL THEN
        q_edges := q_edges || ' UNION ALL ' || c360._edges_sql(source, new_rel, source::text, id_col, fields, methods, blocks, model,
                                                              threshold, distinct_fields, household_key, household_fields, '{3}', '$2');
    END IF;
    q_edges := q_edges || format(' UNION ALL SELECT c.household_id, c.record_id, 0::float8, 3 FROM %s c '
                                 'WHERE c.household_id = ANY ($6) AND c.record_id <> c.household_id', clusters);
    -- the rows written: new records inserted, existing ones updated where their ids changed
    q_write := format(
        'WITH r AS (SELECT * FROM unnest($7, $8, $9, $10) AS r (record_id, person_id, household_id, component_id)), '
        'target AS (SELECT x AS record_id, coalesce(r.person_id, x) AS person_id, coalesce(r.household_id, x) AS household_id, '
        '                  coalesce(r.component_id, x) AS component_id FROM unnest($5) x LEFT JOIN r ON r.record_id = x '
        '           UNION ALL SELECT r.record_id, c.person_id, r.household_id, c.component_id FROM r JOIN %1$s c USING (record_id) '
        '           WHERE NOT r.record_id = ANY ($5)), '
        'upd AS (UPDATE %1$s c SET person_id = t.person_id, household_id = t.household_id, component_id = t.component_id '
        '        FROM target t WHERE c.record_id = t.record_id '
        '          AND (c.person_id, c.household_id, c.component_id) IS DISTINCT FROM (t.person_id, t.household_id, t.component_id) '
        '        RETURNING c.record_id, t.person_id, t.household_id, t.component_id, '
        '                  (SELECT o.person_id FROM %1$s o WHERE o.record_id = c.record_id) AS previous_person_id), '
        'ins AS (INSERT INTO %1$s (record_id, person_id, household_id, component_id) '
        '        SELECT t.record_id, t.person_id, t.household_id, t.component_id FROM target t WHERE t.record_id = ANY ($3) '
        '        RETURNING record_id, person_id, household_id, component_id, NULL::bigint) '
        'SELECT * FROM upd UNION ALL SELECT * FROM ins', clusters);
    -- one resolution at a time per clusters table: two new records may bridge the same clusters
    RETURN ARRAY[format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', clusters), q_fresh, q_linked, q_rc, q_houses, q_edges, q_write];
END
$function$;
COMMENT ON FUNCTION c360._resolve_queries(pg_catalog.regclass, pg_catalog.name, pg_catalog.name[], pg_catalog.text[],
                                          pg_catalog.text[], pg_catalog.float8[], pg_catalog.regclass, pg_catalog.float8,
                                          pg_catalog.name[], pg_catalog.name, pg_catalog.name[]) IS
    'Internal: the 7 parameterised queries of c360.match_resolve (lock, new ids, linked records, component records, households, edges, write)';

CREATE FUNCTION c360.match_resolve(source pg_catalog.regclass, id_col pg_catalog.name, fields pg_catalog.name[],
                                   methods pg_catalog.text[], blocks pg_catalog.text[], model pg_catalog.float8[],
                                   clusters pg_catalog.regclass, ids pg_catalog.int8[],
                                   threshold pg_catalog.float8 DEFAULT 0.5,
                                   distinct_fields pg_catalog.name[] DEFAULT NULL,
                                   household_key pg_catalog.name DEFAULT NULL,
                                   household_fields pg_catalog.name[] DEFAULT NULL)
    RETURNS TABLE (record_id pg_catalog.int8, person_id pg_catalog.int8, household_id pg_catalog.int8,
                   component_id pg_catalog.int8, previous_person_id pg_catalog.int8)
    AS 'MODULE_PATHNAME', 'c360_match_resolve'
    LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE ROWS 10
    SET search_path = pg_catalog, pg_temp SET jit = off;
COMMENT ON FUNCTION c360.match_resolve(pg_catalog.regclass, pg_catalog.name, pg_catalog.name[], pg_catalog.text[],
                                       pg_catalog.text[], pg_catalog.float8[], pg_catalog.regclass, pg_catalog.int8[],
                                       pg_catalog.float8, pg_catalog.name[], pg_catalog.name, pg_catalog.name[]) IS
    'Identifies new records of a table against the persons of a clusters table (from c360.match_persons): joins, merges or starts persons and households as the batch would; returns the rows written';

-- The trigger option: rows inserted into the source are resolved at the end of each INSERT statement, with
-- the settings of a one-row table or view (columns fields, methods, blocks, model; optional threshold,
-- distinct_fields, household_key, household_fields).
CREATE FUNCTION c360._resolve_inserted() RETURNS trigger
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    id_col name := TG_ARGV[0];
    settings regclass := TG_ARGV[1]::oid::regclass;
    clusters regclass := TG_ARGV[2]::oid::regclass;
    s jsonb;
    model float8[];
    ids int8[];
BEGIN
    EXECUTE format('SELECT to_jsonb(s) - ''model'', s.model FROM %s s', settings) INTO STRICT s, model;
    IF s IS NULL THEN
        RAISE EXCEPTION 'c360.resolve_on_insert: the settings % hold no row', settings USING ERRCODE = '22023';
    END IF;
    EXECUTE format('SELECT array_agg(%I::bigint) FROM c360_new', id_col) INTO ids;
    PERFORM c360.match_resolve(TG_RELID::regclass, id_col,
        ARRAY(SELECT jsonb_array_elements_text(s->'fields'))::name[],
        ARRAY(SELECT jsonb_array_elements_text(s->'methods')),
        ARRAY(SELECT jsonb_array_elements_text(s->'blocks')),
        model, clusters, ids, coalesce((s->>'threshold')::float8, 0.5),
        CASE WHEN jsonb_typeof(s->'distinct_fields') = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(s->'distinct_fields'))::name[] END,
        (s->>'household_key')::name,
        CASE WHEN jsonb_typeof(s->'household_fields') = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(s->'household_fields'))::name[] END);
    RETURN NULL;
END
$function$;
COMMENT ON FUNCTION c360._resolve_inserted() IS
    'Internal: statement trigger of c360.resolve_on_insert (arguments: id column, settings oid, clusters oid)';

CREATE FUNCTION c360.resolve_on_insert(source pg_catalog.regclass, id_col pg_catalog.name, settings pg_catalog.regclass,
                                       clusters pg_catalog.regclass)
    RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF source IS NULL OR id_col IS NULL OR settings IS NULL OR clusters IS NULL THEN
        RAISE EXCEPTION 'c360.resolve_on_insert: no argument may be NULL' USING ERRCODE = '22004';
    END IF;
    EXECUTE format('SELECT NULL::bigint FROM %s WHERE false', clusters);   -- readable, and a relation
    EXECUTE format('SELECT %I FROM %s WHERE false', id_col, source);
    EXECUTE format('SELECT fields, methods, blocks, model FROM %s WHERE false', settings);
    EXECUTE format('CREATE TRIGGER c360_resolve AFTER INSERT ON %s REFERENCING NEW TABLE AS c360_new '
                   'FOR EACH STATEMENT EXECUTE FUNCTION c360._resolve_inserted(%L, %L, %L)',
                   source, id_col, settings::oid, clusters::oid);
END
$function$;
COMMENT ON FUNCTION c360.resolve_on_insert(pg_catalog.regclass, pg_catalog.name, pg_catalog.regclass, pg_catalog.regclass) IS
    'Creates trigger c360_resolve on a source table: rows it receives are identified (c360.match_resolve) with the settings of a one-row table or view, into a clusters table';

-- Survivorship: the best value of a field among a cluster's records. NULL and blank values never
-- win; ties are broken deterministically (byte order of the value), so serial, parallel and
-- distributed runs agree. The support functions are C (src/pg/match_survivor_pg.cpp, 0.2.0; PL/pgSQL
-- and SQL in 0.1.0, same results); c360.survivor_better states the order in SQL.
CREATE TYPE c360.survivor_state AS (value pg_catalog.text, rank pg_catalog.float8, ts pg_catalog.timestamptz);
COMMENT ON TYPE c360.survivor_state IS
    'State of the survivorship aggregates c360.survivor, c360.most_recent, c360.most_complete: the best value so far, its rank (lower wins) and ts';

CREATE FUNCTION c360.survivor_better(a c360.survivor_state, b c360.survivor_state) RETURNS pg_catalog.bool
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN b.value IS NULL
        OR (a.value IS NOT NULL AND
            (a.rank OPERATOR(pg_catalog.<) b.rank
             OR (a.rank OPERATOR(pg_catalog.=) b.rank AND
                 (a.ts OPERATOR(pg_catalog.>) b.ts OR (b.ts IS NULL AND a.ts IS NOT NULL)
                  OR (a.ts IS NOT DISTINCT FROM b.ts AND a.value COLLATE "C" OPERATOR(pg_catalog.<) b.value COLLATE "C")))));
COMMENT ON FUNCTION c360.survivor_better(c360.survivor_state, c360.survivor_state) IS
    'Survivorship order: true when state a wins over b (b has no value, or a has a lower rank, then a later ts, then a value first in byte order)';

CREATE FUNCTION c360.survivor_add(state c360.survivor_state, value pg_catalog.text, priority pg_catalog.float8,
                                  ts pg_catalog.timestamptz) RETURNS c360.survivor_state
    AS 'MODULE_PATHNAME', 'c360_survivor_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.survivor_add(c360.survivor_state, pg_catalog.text, pg_catalog.float8, pg_catalog.timestamptz) IS
    'Transition function of aggregate c360.survivor: NULL and blank values are ignored, a NULL priority ranks last, NaN is an error (22023)';
CREATE FUNCTION c360.survivor_merge(a c360.survivor_state, b c360.survivor_state) RETURNS c360.survivor_state
    AS 'MODULE_PATHNAME', 'c360_survivor_merge' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.survivor_merge(c360.survivor_state, c360.survivor_state) IS
    'Combine function of aggregates c360.survivor, c360.most_recent and c360.most_complete: the better of two states';
CREATE FUNCTION c360.survivor_final(state c360.survivor_state) RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_survivor_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.survivor_final(c360.survivor_state) IS
    'Final function of aggregates c360.survivor, c360.most_recent and c360.most_complete: the winning value';
CREATE FUNCTION c360.most_recent_add(state c360.survivor_state, value pg_catalog.text, ts pg_catalog.timestamptz)
    RETURNS c360.survivor_state
    AS 'MODULE_PATHNAME', 'c360_most_recent_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.most_recent_add(c360.survivor_state, pg_catalog.text, pg_catalog.timestamptz) IS
    'Transition function of aggregate c360.most_recent: c360.survivor_add with the same priority for every value';
CREATE FUNCTION c360.most_complete_add(state c360.survivor_state, value pg_catalog.text)
    RETURNS c360.survivor_state
    AS 'MODULE_PATHNAME', 'c360_most_complete_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.most_complete_add(c360.survivor_state, pg_catalog.text) IS
    'Transition function of aggregate c360.most_complete: c360.survivor_add with priority = minus the length of the trimmed value';

CREATE AGGREGATE c360.survivor(value pg_catalog.text, priority pg_catalog.float8, ts pg_catalog.timestamptz) (
    SFUNC = c360.survivor_add, STYPE = c360.survivor_state, COMBINEFUNC = c360.survivor_merge,
    FINALFUNC = c360.survivor_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.survivor(pg_catalog.text, pg_catalog.float8, pg_catalog.timestamptz) IS
    'Survivorship by source priority: the non-blank value with the lowest priority, then the most recent ts';
CREATE AGGREGATE c360.most_recent(value pg_catalog.text, ts pg_catalog.timestamptz) (
    SFUNC = c360.most_recent_add, STYPE = c360.survivor_state, COMBINEFUNC = c360.survivor_merge,
    FINALFUNC = c360.survivor_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.most_recent(pg_catalog.text, pg_catalog.timestamptz) IS
    'Survivorship by recency: the non-blank value with the latest ts';
CREATE AGGREGATE c360.most_complete(value pg_catalog.text) (
    SFUNC = c360.most_complete_add, STYPE = c360.survivor_state, COMBINEFUNC = c360.survivor_merge,
    FINALFUNC = c360.survivor_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.most_complete(pg_catalog.text) IS
    'Survivorship by completeness: the longest non-blank value (most characters)';

CREATE TYPE c360.frequency_state AS (vals pg_catalog.text[], counts pg_catalog.int8[]);
COMMENT ON TYPE c360.frequency_state IS 'State of aggregate c360.most_frequent: the distinct non-blank values of a group and their counts';
CREATE FUNCTION c360.frequency_add(state c360.frequency_state, value pg_catalog.text, n pg_catalog.int8)
    RETURNS c360.frequency_state
    AS 'MODULE_PATHNAME', 'c360_frequency_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.frequency_add(c360.frequency_state, pg_catalog.text, pg_catalog.int8) IS
    'Adds n occurrences of a value to a c360.most_frequent state; NULL and blank values and a NULL or 0 n add nothing; more than 10000 distinct values is an error (54000); a damaged state (counts not one per value) is 22023';
CREATE FUNCTION c360.frequency_add1(state c360.frequency_state, value pg_catalog.text)
    RETURNS c360.frequency_state
    AS 'MODULE_PATHNAME', 'c360_frequency_add1' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.frequency_add1(c360.frequency_state, pg_catalog.text) IS
    'Transition function of aggregate c360.most_frequent: one occurrence of the value';
CREATE FUNCTION c360.frequency_merge(a c360.frequency_state, b c360.frequency_state)
    RETURNS c360.frequency_state
    AS 'MODULE_PATHNAME', 'c360_frequency_merge' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.frequency_merge(c360.frequency_state, c360.frequency_state) IS
    'Combine function of aggregate c360.most_frequent: adds the counts of two states';
CREATE FUNCTION c360.frequency_final(state c360.frequency_state) RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_frequency_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.frequency_final(c360.frequency_state) IS
    'Final function of aggregate c360.most_frequent: the most frequent value, ties to the first in byte order (NULL when none)';
CREATE AGGREGATE c360.most_frequent(value pg_catalog.text) (
    SFUNC = c360.frequency_add1, STYPE = c360.frequency_state, COMBINEFUNC = c360.frequency_merge,
    FINALFUNC = c360.frequency_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.most_frequent(pg_catalog.text) IS
    'Survivorship by frequency: the most frequent non-blank value (ties: first in byte order)';

-- ---- Base and blocking diagnostics (issue 13 item 4; docs/match.md "Base and blocking diagnostics") ----------

CREATE FUNCTION c360._check_columns(fn pg_catalog.text, rel pg_catalog.regclass, what pg_catalog.text, cols pg_catalog.name[])
    RETURNS void LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    col name;
BEGIN
    IF rel IS NULL THEN
        RAISE EXCEPTION '%: the relation must not be NULL', fn USING ERRCODE = '22004';
    END IF;
    -- the diagnostics read the relation: a role that may not read it learns nothing of its columns either
    IF NOT pg_catalog.has_any_column_privilege(rel, 'SELECT') THEN
        RAISE EXCEPTION '%: permission denied for %', fn, rel USING ERRCODE = '42501';
    END IF;
    FOREACH col IN ARRAY coalesce(cols, '{}') LOOP
        IF col IS NULL THEN
            RAISE EXCEPTION '%: % holds a NULL column name', fn, what USING ERRCODE = '22004';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = rel AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION '%: % "%" is not a column of %', fn, what, col, rel USING ERRCODE = '42703';
        END IF;
    END LOOP;
END
$function$;
COMMENT ON FUNCTION c360._check_columns(pg_catalog.text, pg_catalog.regclass, pg_catalog.text, pg_catalog.name[]) IS
    'Internal: raises 42703 naming the argument when a column is not one of the relation (22004 for a NULL name); used by the diagnostics';

CREATE FUNCTION c360._check_ids(fn pg_catalog.text, rel pg_catalog.regclass, id_col pg_catalog.name, may_be_empty pg_catalog.bool)
    RETURNS void LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    nrec int8;
    nids int8;
BEGIN
    IF rel IS NULL OR id_col IS NULL THEN
        RAISE EXCEPTION '%: the relation and its id column must not be NULL', fn USING ERRCODE = '22004';
    END IF;
    EXECUTE format('SELECT count(*), count(DISTINCT %I::bigint) FROM %s', id_col, rel) INTO nrec, nids;
    IF nrec = 0 AND NOT coalesce(may_be_empty, false) THEN
        RAISE EXCEPTION '%: % holds no record', fn, rel USING ERRCODE = '22023';
    END IF;
    IF nids <> nrec THEN
        RAISE EXCEPTION '%: the ids of % ("%") are not unique (% rows, % distinct ids)', fn, rel, id_col, nrec, nids
            USING ERRCODE = '22023';
    END IF;
END
$function$;
COMMENT ON FUNCTION c360._check_ids(pg_catalog.text, pg_catalog.regclass, pg_catalog.name, pg_catalog.bool) IS
    'Internal: raises 22023 when the ids of a relation are not unique, or when it holds no row (unless may_be_empty); used by the diagnostics';

-- Everything in one scan of the source joined to the clusters: scope 'overall', 'source X' (each value of
-- source_col), 'sources X+Y' (each pair of them); value is the share (or the count for counts), n the count.
CREATE FUNCTION c360.base_diagnostics(source pg_catalog.regclass, id_col pg_catalog.name, clusters pg_catalog.regclass,
                                      source_col pg_catalog.name DEFAULT NULL,
                                      email_col pg_catalog.name DEFAULT NULL,
                                      phone_col pg_catalog.name DEFAULT NULL,
                                      address_cols pg_catalog.name[] DEFAULT NULL,
                                      birth_date_col pg_catalog.name DEFAULT NULL,
                                      fields pg_catalog.name[] DEFAULT NULL,
                                      person_col pg_catalog.name DEFAULT 'person_id',
                                      household_col pg_catalog.name DEFAULT NULL,
                                      record_col pg_catalog.name DEFAULT 'record_id',
                                      default_country pg_catalog.text DEFAULT 'FR')
    RETURNS TABLE (scope pg_catalog.text, metric pg_catalog.text, value pg_catalog.float8, n pg_catalog.int8)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    fn constant text := 'c360.base_diagnostics';
    has_src bool := source_col IS NOT NULL;
    has_hh bool := household_col IS NOT NULL;
    cols text[];
    rows text[] := '{}';
    nsrc int8;
    q text;
BEGIN
    IF source IS NULL OR id_col IS NULL OR clusters IS NULL OR person_col IS NULL OR record_col IS NULL THEN
        RAISE EXCEPTION '%: source, id_col, clusters, person_col and record_col must not be NULL', fn USING ERRCODE = '22004';
    END IF;
    IF default_country IS NULL THEN
        RAISE EXCEPTION '%: default_country must not be NULL', fn USING ERRCODE = '22004';
    END IF;
    PERFORM c360.normalize_phone('0', default_country);   -- an unknown country is 22023
    IF address_cols IS NOT NULL AND cardinality(address_cols) = 0 THEN
        RAISE EXCEPTION '%: address_cols is empty (NULL when the source has no address)', fn USING ERRCODE = '22023';
    END IF;
    PERFORM c360._check_columns(fn, source, 'id_col', ARRAY[id_col]);
    PERFORM c360._check_columns(fn, source, 'source_col', ARRAY[source_col]) WHERE has_src;
    PERFORM c360._check_columns(fn, source, 'email_col', ARRAY[email_col]) WHERE email_col IS NOT NULL;
    PERFORM c360._check_columns(fn, source, 'phone_col', ARRAY[phone_col]) WHERE phone_col IS NOT NULL;
    PERFORM c360._check_columns(fn, source, 'address_cols', address_cols);
    PERFORM c360._check_columns(fn, source, 'birth_date_col', ARRAY[birth_date_col]) WHERE birth_date_col IS NOT NULL;
    PERFORM c360._check_columns(fn, source, 'fields', fields);
    PERFORM c360._check_columns(fn, clusters, 'record_col', ARRAY[record_col]);
    PERFORM c360._check_columns(fn, clusters, 'person_col', ARRAY[person_col]);
    PERFORM c360._check_columns(fn, clusters, 'household_col', ARRAY[household_col]) WHERE has_hh;
    -- completeness: the fields given, else every column but the id and the source
    IF fields IS NULL THEN
        fields := ARRAY(SELECT a.attname FROM pg_catalog.pg_attribute a
                        WHERE a.attrelid = source AND a.attnum > 0 AND NOT a.attisdropped
                          AND a.attname <> id_col AND a.attname IS DISTINCT FROM source_col ORDER BY a.attnum);
    END IF;

    PERFORM c360._check_ids(fn, source, id_col, false);
    PERFORM c360._check_ids(fn, clusters, record_col, true);
    IF has_src THEN
        EXECUTE format('SELECT count(DISTINCT %I::text) FROM %s', source_col, source) INTO nsrc;
        IF nsrc > 100 THEN
            RAISE EXCEPTION '%: source_col "%" has % distinct values, more than 100 sources', fn, source_col, nsrc
                USING ERRCODE = '54000', HINT = 'source_col names the system each record comes from (shop, web, ...).';
        END IF;
    END IF;

    -- one row per record: its scope, person, household and what it holds
    cols := ARRAY[
        format('s.%I::bigint AS id', id_col),
        CASE WHEN has_src THEN format('coalesce(nullif(pg_catalog.btrim(s.%I::text), %L), %L) AS src', source_col, '', '(none)')
             ELSE 'NULL::text AS src' END,
        format('coalesce(c.%I::bigint, s.%I::bigint) AS person', person_col, id_col),
        CASE WHEN has_hh THEN format('coalesce(c.%I::bigint, s.%I::bigint) AS household', household_col, id_col)
             ELSE 'NULL::bigint AS household' END,
        CASE WHEN email_col IS NULL THEN 'NULL::bool' ELSE format('c360.normalize_email(s.%I::text) IS NOT NULL', email_col) END || ' AS has_email',
        CASE WHEN phone_col IS NULL THEN 'NULL::bool'
             ELSE format('c360.normalize_phone(s.%I::text, %L) IS NOT NULL', phone_col, default_country) END || ' AS has_phone',
        CASE WHEN address_cols IS NULL THEN 'NULL::bool'
             ELSE '(' || array_to_string(ARRAY(SELECT format('nullif(pg_catalog.btrim(s.%I::text), %L) IS NOT NULL', a, '')
                                               FROM unnest(address_cols) a), ' AND ') || ')' END || ' AS has_address',
        CASE WHEN birth_date_col IS NULL THEN 'NULL::bool'
             ELSE format('nullif(pg_catalog.btrim(s.%I::text), %L) IS NOT NULL', birth_date_col, '') END || ' AS has_birth'];
    FOR i IN 1 .. coalesce(cardinality(fields), 0) LOOP
        cols := cols || format('nullif(pg_catalog.btrim(s.%I::text), %L) IS NOT NULL AS f%s', fields[i], '', i);
    END LOOP;

    -- the rows of a scope of table g (records, persons, ...), d (records per person) and h (households)
    rows := ARRAY(SELECT format('(%s, %L, g.%I::float8%s, g.%I)', x.o, x.metric, x.c, CASE WHEN x.share THEN ' / g.records' END, x.c)
                  FROM (VALUES (1, 'records', 'records', false, true), (2, 'persons', 'persons', false, true),
                               (3, 'households', 'households', false, has_hh),
                               (4, 'share with a usable e-mail', 'emails', true, email_col IS NOT NULL),
                               (5, 'share with a valid phone (E.164)', 'phones', true, phone_col IS NOT NULL),
                               (6, 'share with a postal address', 'addresses', true, address_cols IS NOT NULL),
                               (7, 'share with a birth date', 'births', true, birth_date_col IS NOT NULL)
                        UNION ALL
                        SELECT 100 + i, 'completeness: ' || fields[i], 'f' || i, true, true
                        FROM generate_series(1, coalesce(cardinality(fields), 0)) i) AS x(o, metric, c, share, given)
                  WHERE x.given ORDER BY x.o);
    rows := rows || ARRAY[
        '(10000, ''duplicate rate'', (g.records - g.persons)::float8 / g.records, g.records - g.persons)',
        '(10001, ''persons with 1 record'', d.k1::float8 / g.persons, d.k1)',
        '(10002, ''persons with 2 records'', d.k2::float8 / g.persons, d.k2)',
        '(10003, ''persons with 3 records'', d.k3::float8 / g.persons, d.k3)',
        '(10004, ''persons with 4 records'', d.k4::float8 / g.persons, d.k4)',
        '(10005, ''persons with 5+ records'', d.k5::float8 / g.persons, d.k5)'];
    IF has_hh THEN
        rows := rows || '(10006, ''persons living with another'', h.shared::float8 / g.persons, h.shared)'::text;
    END IF;
    IF has_src THEN
        rows := rows || '(10007, ''persons in 2+ sources'', CASE WHEN g.overall THEN m.multi::float8 / g.persons END, '
                        'CASE WHEN g.overall THEN m.multi END)'::text;
    END IF;

    q := format(
        'WITH r AS MATERIALIZED (SELECT %1$s FROM %2$s s LEFT JOIN %3$s c ON c.%4$I::bigint = s.%5$I::bigint), '
        'g AS (SELECT %6$s AS overall, src, count(*) AS records, count(DISTINCT person) AS persons, '
        '             count(DISTINCT household) AS households, count(*) FILTER (WHERE has_email) AS emails, '
        '             count(*) FILTER (WHERE has_phone) AS phones, count(*) FILTER (WHERE has_address) AS addresses, '
        '             count(*) FILTER (WHERE has_birth) AS births%7$s '
        '      FROM r GROUP BY %8$s), '
        'k AS (SELECT %6$s AS overall, src, person, count(*) AS k FROM r GROUP BY %9$s), '
        'd AS (SELECT overall, src, count(*) FILTER (WHERE k = 1) AS k1, count(*) FILTER (WHERE k = 2) AS k2, '
        '             count(*) FILTER (WHERE k = 3) AS k3, count(*) FILTER (WHERE k = 4) AS k4, count(*) FILTER (WHERE k >= 5) AS k5 '
        '      FROM k GROUP BY overall, src), '
        'hp AS (SELECT %6$s AS overall, src, household, count(DISTINCT person) AS np FROM r GROUP BY %10$s), '
        'h AS (SELECT overall, src, coalesce(sum(np) FILTER (WHERE np >= 2), 0)::bigint AS shared FROM hp GROUP BY overall, src), '
        'm AS (SELECT count(*) AS multi FROM (SELECT person FROM r GROUP BY person HAVING count(DISTINCT src) >= 2) x), '
        'ps AS (SELECT DISTINCT src, person FROM r), '
        'pc AS (SELECT src, count(*) AS np FROM ps GROUP BY src), '
        'ov AS (SELECT a.src AS x, b.src AS y, count(*) AS nb FROM ps a JOIN ps b '
        '       ON b.person = a.person AND a.src COLLATE "C" < b.src COLLATE "C" GROUP BY 1, 2), '
        'pairs AS (SELECT x.src AS x, y.src AS y, x.np AS nx, y.np AS ny, coalesce(ov.nb, 0) AS nb FROM pc x '
        '          JOIN pc y ON x.src COLLATE "C" < y.src COLLATE "C" LEFT JOIN ov ON ov.x = x.src AND ov.y = y.src) '
        'SELECT scope, metric, value, n FROM ('
        ' SELECT CASE WHEN g.overall THEN 0 ELSE 1 END AS o1, CASE WHEN g.overall THEN '''' ELSE g.src END AS o2, '''' AS o3, v.o, '
        '        CASE WHEN g.overall THEN ''overall'' ELSE ''source '' || g.src END AS scope, v.metric, v.value, v.n '
        ' FROM g JOIN d ON d.overall = g.overall AND d.src IS NOT DISTINCT FROM g.src '
        '        JOIN h ON h.overall = g.overall AND h.src IS NOT DISTINCT FROM g.src CROSS JOIN m, '
        '      LATERAL (VALUES %11$s) AS v(o, metric, value, n) '
        ' WHERE v.n IS NOT NULL OR v.metric <> ''persons in 2+ sources'' '
        ' UNION ALL '
        ' SELECT 2, p.x, p.y, v.o, ''sources '' || p.x || ''+'' || p.y, v.metric, v.value, v.n FROM pairs p, '
        '      LATERAL (VALUES (1, ''persons in both'', p.nb::float8 / (p.nx + p.ny - p.nb), p.nb), '
        '                      (2, ''share of '' || p.x || '' persons also in '' || p.y, p.nb::float8 / p.nx, p.nb), '
        '                      (3, ''share of '' || p.y || '' persons also in '' || p.x, p.nb::float8 / p.ny, p.nb)) AS v(o, metric, value, n) '
        ' WHERE %12$s) t '
        'ORDER BY o1, o2 COLLATE "C", o3 COLLATE "C", o',
        array_to_string(cols, ', '), c360._source_sql(source), clusters, record_col, id_col,
        CASE WHEN has_src THEN 'GROUPING(src) = 1' ELSE 'true' END,
        (SELECT string_agg(format(', count(*) FILTER (WHERE f%1$s) AS f%1$s', i), '') FROM generate_series(1, coalesce(cardinality(fields), 0)) i),
        CASE WHEN has_src THEN 'GROUPING SETS ((), (src))' ELSE 'src' END,
        CASE WHEN has_src THEN 'GROUPING SETS ((person), (src, person))' ELSE 'src, person' END,
        CASE WHEN has_src THEN 'GROUPING SETS ((household), (src, household))' ELSE 'src, household' END,
        array_to_string(rows, ', '),
        CASE WHEN has_src THEN 'true' ELSE 'false' END);
    RETURN QUERY EXECUTE q;
END
$function$;
COMMENT ON FUNCTION c360.base_diagnostics(pg_catalog.regclass, pg_catalog.name, pg_catalog.regclass, pg_catalog.name,
                                          pg_catalog.name, pg_catalog.name, pg_catalog.name[], pg_catalog.name,
                                          pg_catalog.name[], pg_catalog.name, pg_catalog.name, pg_catalog.name, pg_catalog.text) IS
    'Base diagnostics in one call, overall, per source and per pair of sources: records, persons, shares with a usable e-mail, a valid E.164 phone, a postal address, a birth date, completeness per field, duplicate rate, records per person, overlap of sources';

-- For each blocking rule in order: its pairs, the pairs no earlier rule gave, the running total and, with a
-- model, the expected matches among the new pairs (sum of match probabilities) and their share of the
-- expected matches of all the candidates. A rule is counted (sum of k(k-1)/2 over its blocks) before any
-- pair is made.
CREATE FUNCTION c360.blocking_diagnostics(source pg_catalog.regclass, id_col pg_catalog.name, blocks pg_catalog.text[],
                                          fields pg_catalog.name[] DEFAULT NULL, methods pg_catalog.text[] DEFAULT NULL,
                                          model pg_catalog.float8[] DEFAULT NULL,
                                          max_pairs pg_catalog.int8 DEFAULT 50000000)
    RETURNS TABLE (rule_no pg_catalog.int4, rule pg_catalog.text, pairs pg_catalog.int8, new_pairs pg_catalog.int8,
                   cumulative_pairs pg_catalog.int8, expected_matches pg_catalog.float8,
                   cumulative_expected_matches pg_catalog.float8, share_of_expected_matches pg_catalog.float8,
                   cumulative_share pg_catalog.float8)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    fn constant text := 'c360.blocking_diagnostics';
    rule_cols name[];
    parts text[] := '{}';
    bound numeric;
    scored text;
BEGIN
    IF source IS NULL OR id_col IS NULL THEN
        RAISE EXCEPTION '%: source and id_col must not be NULL', fn USING ERRCODE = '22004';
    END IF;
    IF max_pairs IS NULL OR max_pairs < 1 THEN
        RAISE EXCEPTION '%: max_pairs must be a positive number of pairs', fn USING ERRCODE = '22023';
    END IF;
    PERFORM c360._blocking_sql(source, id_col, blocks);   -- NULL, empty or blank rules are 22023
    PERFORM c360._check_columns(fn, source, 'id_col', ARRAY[id_col]);
    IF model IS NOT NULL THEN
        IF fields IS NULL OR methods IS NULL THEN
            RAISE EXCEPTION '%: a model needs the fields and methods it was trained with', fn USING ERRCODE = '22023';
        END IF;
        PERFORM c360._levels_sql(fields, methods);        -- one method per field, known methods
        PERFORM c360._check_columns(fn, source, 'fields', fields);
        IF (c360.match_model_info(model)).fields <> cardinality(fields) THEN
            RAISE EXCEPTION '%: the model has % fields, % are given', fn, (c360.match_model_info(model)).fields, cardinality(fields)
                USING ERRCODE = '22023';
        END IF;
    END IF;
    PERFORM c360._check_ids(fn, source, id_col, false);
    FOR b IN 1 .. cardinality(blocks) LOOP
        rule_cols := ARRAY(SELECT pg_catalog.btrim(c) FROM unnest(string_to_array(blocks[b], '+')) AS c);
        PERFORM c360._check_columns(fn, source, format('the column of blocking rule %s', b), rule_cols);
        -- the rule's pairs, counted per block before any is made: sum of k(k-1)/2 over the blocks of k records
        EXECUTE format('SELECT coalesce(div(sum(k * (k - 1)), 2), 0) FROM (SELECT count(*)::numeric AS k FROM %s WHERE %s GROUP BY %s) g',
                       source,
                       array_to_string(ARRAY(SELECT format('%I IS NOT NULL', c) FROM unnest(rule_cols) c), ' AND '),
                       array_to_string(ARRAY(SELECT format('%I', c) FROM unnest(rule_cols) c), ', '))
            INTO bound;
        IF bound > max_pairs THEN
            RAISE EXCEPTION '%: blocking rule % (%) would give % candidate pairs, more than max_pairs (%)',
                            fn, b, blocks[b], bound, max_pairs
                USING ERRCODE = '54000',
                      HINT = 'Make the rule more selective (add a column to it, e.g. a name key or a birth date), or raise max_pairs.';
        END IF;
        parts := parts || format('SELECT %s AS rule_no, id_l, id_r FROM (%s) p', b, c360._blocking_sql(source, id_col, ARRAY[blocks[b]]));
    END LOOP;
    IF model IS NULL THEN
        scored := 'SELECT first_rule, count(*) AS new_pairs, NULL::float8 AS expected FROM f GROUP BY first_rule';
    ELSE
        scored := format(
            'SELECT first_rule, count(*) AS new_pairs, sum(1 / (1 + power(2::float8, -w))) AS expected FROM '
            '(SELECT f.first_rule, %s AS w FROM f JOIN %s l ON l.%I::bigint = f.id_l JOIN %s r ON r.%I::bigint = f.id_r, '
            ' LATERAL (SELECT %s AS levels) v) s GROUP BY first_rule',
            c360._weight_sql(model, fields, 'v.levels'), c360._source_sql(source), id_col, c360._source_sql(source), id_col, c360._levels_sql(fields, methods));
    END IF;
    RETURN QUERY EXECUTE format(
        'WITH p AS MATERIALIZED (%s), '
        'per_rule AS (SELECT p.rule_no, count(*) AS pairs FROM p GROUP BY p.rule_no), '
        'f AS (SELECT p.id_l, p.id_r, min(p.rule_no) AS first_rule FROM p GROUP BY p.id_l, p.id_r), '
        's AS (%s), '
        't AS (SELECT sum(s.expected) AS total FROM s), '
        'x AS (SELECT b.i, $2[b.i] AS rule, coalesce(pr.pairs, 0) AS pairs, coalesce(s.new_pairs, 0) AS new_pairs, '
        '             CASE WHEN $1 IS NOT NULL THEN coalesce(s.expected, 0) END AS expected '
        '      FROM pg_catalog.generate_subscripts($2, 1) AS b(i) LEFT JOIN per_rule pr ON pr.rule_no = b.i '
        '      LEFT JOIN s ON s.first_rule = b.i) '
        'SELECT x.i, x.rule, x.pairs, x.new_pairs, (sum(x.new_pairs) OVER w)::bigint, x.expected, sum(x.expected) OVER w, '
        '       x.expected / nullif(t.total, 0), sum(x.expected) OVER w / nullif(t.total, 0) '
        'FROM x CROSS JOIN t WINDOW w AS (ORDER BY x.i) ORDER BY x.i',
        array_to_string(parts, ' UNION ALL '), scored)
        USING model, blocks;
END
$function$;
COMMENT ON FUNCTION c360.blocking_diagnostics(pg_catalog.regclass, pg_catalog.name, pg_catalog.text[], pg_catalog.name[],
                                              pg_catalog.text[], pg_catalog.float8[], pg_catalog.int8) IS
    'For each blocking rule in order: candidate pairs, new pairs, cumulative pairs and, with a model, expected matches among the new pairs and their share of all the candidates'' expected matches; a rule over max_pairs is refused (54000) before any pair is made';
