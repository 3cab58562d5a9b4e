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

-- ---- Matching: Fellegi-Sunter model (docs/match.md) ---------------------------------
-- A comparison vector is an int4[] of levels, one per field: 0..L-1 (higher = closer,
-- L-1 = exact), -1 or NULL = null level (missing value, contributes 0).

CREATE FUNCTION c360.compare_level(a pg_catalog.text, b pg_catalog.text, method pg_catalog.text DEFAULT 'name')
    RETURNS pg_catalog.int4 AS 'MODULE_PATHNAME', 'c360_compare_level'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.compare_level(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Comparison level: name = 3 exact, 2 Jaro-Winkler >= 0.92, 1 >= 0.80, 0; code = 3 exact, 2 one edit, 1 two, 0; exact = 1/0; -1 NULL or empty';
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

-- ---- Matching: one call from a customer table to scored pairs (docs/match.md) ----------
-- blocks: text[], one blocking rule per element, each a '+'-separated list of columns whose
-- values must be equal (e.g. ARRAY['surname_key+postcode', 'date_of_birth']); a pair is a
-- candidate when any rule holds. Columns are quoted with quote_ident (format %I), the table is
-- a regclass: no SQL injection. A view works as the source (normalised fields, phonetic keys).

CREATE FUNCTION c360._blocking_sql(source pg_catalog.regclass, id_col pg_catalog.name, blocks pg_catalog.text[])
    RETURNS pg_catalog.text LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    parts text[] := '{}';
    cond text;
    col text;
    rule text;
BEGIN
    IF source IS NULL OR id_col IS NULL THEN
        RAISE EXCEPTION 'c360: source and id_col must not be NULL' USING ERRCODE = '22004';
    END IF;
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
        parts := parts || format('SELECT l.%1$I::bigint AS id_l, r.%1$I::bigint AS id_r FROM %2$s l JOIN %2$s r ON %3$s AND l.%1$I < r.%1$I',
                                 id_col, source, cond);
    END LOOP;
    RETURN array_to_string(parts, ' UNION ');
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
AS $function$
BEGIN
    RETURN QUERY EXECUTE c360._blocking_sql(source, id_col, blocks);
END
$function$;
COMMENT ON FUNCTION c360.candidate_pairs(pg_catalog.regclass, pg_catalog.name, pg_catalog.text[]) IS
    'Candidate pairs (id_l < id_r) of records sharing the values of any blocking rule';

CREATE FUNCTION c360.compare_pairs(source pg_catalog.regclass, id_col pg_catalog.name, fields pg_catalog.name[],
                                   methods pg_catalog.text[], blocks pg_catalog.text[])
    RETURNS TABLE (id_l pg_catalog.int8, id_r pg_catalog.int8, levels pg_catalog.int4[])
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT p.id_l, p.id_r, %s FROM (%s) p JOIN %s l ON l.%I::bigint = p.id_l JOIN %s r ON r.%I::bigint = p.id_r',
        c360._levels_sql(fields, methods), c360._blocking_sql(source, id_col, blocks), source, id_col, source, id_col);
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

CREATE FUNCTION c360.match_train(source pg_catalog.regclass, id_col pg_catalog.name, fields pg_catalog.name[],
                                 methods pg_catalog.text[], blocks pg_catalog.text[],
                                 max_iterations pg_catalog.int4 DEFAULT 100,
                                 tolerance pg_catalog.float8 DEFAULT 1e-6,
                                 initial_lambda pg_catalog.float8 DEFAULT 0.1,
                                 random_pairs pg_catalog.int4 DEFAULT 0)
    RETURNS pg_catalog.float8[]
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
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
    join_sql text := 'SELECT %s AS levels FROM (%s) p JOIN %s l ON l.%I::bigint = p.id_l JOIN %s r ON r.%I::bigint = p.id_r';
BEGIN
    IF random_pairs IS NULL OR random_pairs < 0 OR random_pairs > 100000000 THEN
        RAISE EXCEPTION 'c360.match_train: random_pairs must be between 0 and 100,000,000' USING ERRCODE = '22023';
    END IF;
    nlevels := ARRAY(SELECT c360.method_levels(m) FROM unnest(methods) AS m);
    EXECUTE format('SELECT c360.fs_patterns(levels, $1) FROM (%s) q',
                   format(join_sql, c360._levels_sql(fields, methods), c360._blocking_sql(source, id_col, blocks),
                          source, id_col, source, id_col))
        INTO patterns USING nlevels;
    IF patterns IS NULL THEN
        RAISE EXCEPTION 'c360.match_train: the blocking rules give no candidate pairs' USING ERRCODE = '22023';
    END IF;
    IF random_pairs = 0 THEN   -- EM among the candidate pairs: m, u and the share of matches among them
        RETURN c360.fs_estimate(patterns, NULL, max_iterations, tolerance, initial_lambda);
    END IF;

    -- u from random pairs: two independent pseudo-random orders of the table (hashes of the ids with
    -- two seeds: the same sample on every run, whatever the scan order), paired row by row
    EXECUTE format('SELECT count(*) FROM %s', source) INTO n;
    EXECUTE format('SELECT c360.fs_patterns(%1$s, $1) FROM '
                   '(SELECT * FROM (SELECT *, row_number() OVER (ORDER BY pg_catalog.hashint8extended(%3$I::bigint, 1), %3$I) AS c360_rn FROM %2$s) s WHERE c360_rn <= $2) l JOIN '
                   '(SELECT * FROM (SELECT *, row_number() OVER (ORDER BY pg_catalog.hashint8extended(%3$I::bigint, 2), %3$I) AS c360_rn FROM %2$s) s WHERE c360_rn <= $2) r '
                   'ON l.c360_rn = r.c360_rn AND l.%3$I <> r.%3$I',
                   c360._levels_sql(fields, methods), source, id_col)
        INTO sample USING nlevels, random_pairs;
    IF sample IS NULL THEN
        RAISE EXCEPTION 'c360.match_train: no random pairs could be drawn (fewer than 2 records?)' USING ERRCODE = '22023';
    END IF;
    -- m by EM with u fixed, one blocking rule at a time, leaving out the fields the rule uses (their
    -- agreement among the rule's pairs says nothing about m): a column covers the field of the same
    -- name, and a column named X_key the fields whose name starts with X
    FOR b IN 1 .. cardinality(blocks) LOOP
        masked := ARRAY(SELECT EXISTS (SELECT 1 FROM unnest(string_to_array(blocks[b], '+')) AS c(col)
                                       WHERE btrim(c.col) = f.name
                                          OR (btrim(c.col) LIKE '%\_key' AND left(btrim(c.col), -4) <> ''
                                              AND starts_with(f.name, left(btrim(c.col), -4))))
                        FROM unnest(fields) WITH ORDINALITY AS f(name, i) ORDER BY f.i);
        CONTINUE WHEN true = ALL (masked);   -- the rule uses every field
        EXECUTE format('SELECT c360.fs_patterns(levels, $1) FROM (%s) q',
                       format(join_sql, c360._levels_sql(fields, methods, masked), c360._blocking_sql(source, id_col, ARRAY[blocks[b]]),
                              source, id_col, source, id_col))
            INTO rule_patterns USING nlevels;
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
    RETURN c360._fs_combine_rules(rule_models, rule_masks, rule_pairs, sample, patterns, n);
END
$function$;
COMMENT ON FUNCTION c360.match_train(pg_catalog.regclass, pg_catalog.name, pg_catalog.name[], pg_catalog.text[],
                                     pg_catalog.text[], pg_catalog.int4, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4) IS
    'Fellegi-Sunter model trained on the candidate pairs of a table: by EM among them, or with random_pairs > 0, u from random pairs, m by EM per blocking rule and the prior over all pairs';

CREATE FUNCTION c360.match_score(source pg_catalog.regclass, id_col pg_catalog.name, fields pg_catalog.name[],
                                 methods pg_catalog.text[], blocks pg_catalog.text[], model pg_catalog.float8[],
                                 min_probability pg_catalog.float8 DEFAULT 0)
    RETURNS TABLE (id_l pg_catalog.int8, id_r pg_catalog.int8, levels pg_catalog.int4[],
                   weight pg_catalog.float8, probability pg_catalog.float8)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF model IS NULL THEN
        RAISE EXCEPTION 'c360.match_score: model must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF min_probability IS NULL OR NOT (min_probability >= 0 AND min_probability <= 1) THEN
        RAISE EXCEPTION 'c360.match_score: min_probability must be between 0 and 1' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT id_l, id_r, levels, w, 1 / (1 + power(2::float8, -w)) FROM '
        '(SELECT p.id_l, p.id_r, v.levels, c360.match_weight($1, v.levels) AS w FROM (%s) p '
        ' JOIN %s l ON l.%I::bigint = p.id_l JOIN %s r ON r.%I::bigint = p.id_r, LATERAL (SELECT %s AS levels) v OFFSET 0) s '
        'WHERE 1 / (1 + power(2::float8, -w)) >= $2',  -- OFFSET 0: the filter must not be pushed down to a join of l and r
        c360._blocking_sql(source, id_col, blocks), source, id_col, source, id_col, c360._levels_sql(fields, methods))
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

-- Survivorship: the best value of a field among a cluster's records. NULL and blank values never
-- win; ties are broken deterministically (byte order of the value), so serial, parallel and
-- distributed runs agree.
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
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    cand c360.survivor_state;
BEGIN
    IF priority = 'NaN'::float8 THEN
        RAISE EXCEPTION 'c360.survivor: priority must be a number (NULL = lowest priority), not NaN' USING ERRCODE = '22023';
    END IF;
    IF value IS NULL OR btrim(value) = '' THEN
        RETURN state;
    END IF;
    cand := ROW(value, COALESCE(priority, 'Infinity'::float8), ts)::c360.survivor_state;
    IF state IS NULL OR c360.survivor_better(cand, state) THEN
        RETURN cand;
    END IF;
    RETURN state;
END
$function$;
COMMENT ON FUNCTION c360.survivor_add(c360.survivor_state, pg_catalog.text, pg_catalog.float8, pg_catalog.timestamptz) IS
    'Transition function of aggregate c360.survivor: NULL and blank values are ignored, a NULL priority ranks last, NaN is an error (22023)';
CREATE FUNCTION c360.survivor_merge(a c360.survivor_state, b c360.survivor_state) RETURNS c360.survivor_state
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN CASE WHEN b IS NULL THEN a WHEN a IS NULL THEN b WHEN c360.survivor_better(b, a) THEN b ELSE a END;
COMMENT ON FUNCTION c360.survivor_merge(c360.survivor_state, c360.survivor_state) IS
    'Combine function of aggregates c360.survivor, c360.most_recent and c360.most_complete: the better of two states';
CREATE FUNCTION c360.survivor_final(state c360.survivor_state) RETURNS pg_catalog.text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp RETURN state.value;
COMMENT ON FUNCTION c360.survivor_final(c360.survivor_state) IS
    'Final function of aggregates c360.survivor, c360.most_recent and c360.most_complete: the winning value';
CREATE FUNCTION c360.most_recent_add(state c360.survivor_state, value pg_catalog.text, ts pg_catalog.timestamptz)
    RETURNS c360.survivor_state LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN c360.survivor_add(state, value, 0, ts);
COMMENT ON FUNCTION c360.most_recent_add(c360.survivor_state, pg_catalog.text, pg_catalog.timestamptz) IS
    'Transition function of aggregate c360.most_recent: c360.survivor_add with the same priority for every value';
CREATE FUNCTION c360.most_complete_add(state c360.survivor_state, value pg_catalog.text)
    RETURNS c360.survivor_state LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN c360.survivor_add(state, value, -pg_catalog.char_length(pg_catalog.btrim(value)), NULL);
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
    RETURNS c360.frequency_state LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    i int;
BEGIN
    IF value IS NULL OR btrim(value) = '' OR n = 0 THEN
        RETURN state;
    END IF;
    IF state IS NULL OR state.vals IS NULL THEN
        RETURN ROW(ARRAY[value], ARRAY[n])::c360.frequency_state;
    END IF;
    i := array_position(state.vals, value);
    IF i IS NULL THEN
        IF cardinality(state.vals) >= 10000 THEN
            RAISE EXCEPTION 'c360.most_frequent: more than 10000 distinct values in one group'
                USING ERRCODE = '54000', HINT = 'It is meant for the records of one cluster; GROUP BY the cluster id.';
        END IF;
        state.vals := state.vals || value;
        state.counts := state.counts || n;
    ELSE
        state.counts[i] := state.counts[i] + n;
    END IF;
    RETURN state;
END
$function$;
COMMENT ON FUNCTION c360.frequency_add(c360.frequency_state, pg_catalog.text, pg_catalog.int8) IS
    'Adds n occurrences of a value to a c360.most_frequent state; NULL and blank values are ignored; more than 10000 distinct values is an error (54000)';
CREATE FUNCTION c360.frequency_add1(state c360.frequency_state, value pg_catalog.text)
    RETURNS c360.frequency_state LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN c360.frequency_add(state, value, 1);
COMMENT ON FUNCTION c360.frequency_add1(c360.frequency_state, pg_catalog.text) IS
    'Transition function of aggregate c360.most_frequent: one occurrence of the value';
CREATE FUNCTION c360.frequency_merge(a c360.frequency_state, b c360.frequency_state)
    RETURNS c360.frequency_state LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF b IS NULL OR b.vals IS NULL THEN
        RETURN a;
    END IF;
    FOR i IN 1 .. cardinality(b.vals) LOOP
        a := c360.frequency_add(a, b.vals[i], b.counts[i]);
    END LOOP;
    RETURN a;
END
$function$;
COMMENT ON FUNCTION c360.frequency_merge(c360.frequency_state, c360.frequency_state) IS
    'Combine function of aggregate c360.most_frequent: adds the counts of two states';
CREATE FUNCTION c360.frequency_final(state c360.frequency_state) RETURNS pg_catalog.text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT state.vals[i] FROM pg_catalog.generate_subscripts(state.vals, 1) AS i
    ORDER BY state.counts[i] DESC, state.vals[i] COLLATE "C" LIMIT 1;
END;
COMMENT ON FUNCTION c360.frequency_final(c360.frequency_state) IS
    'Final function of aggregate c360.most_frequent: the most frequent value, ties to the first in byte order (NULL when none)';
CREATE AGGREGATE c360.most_frequent(value pg_catalog.text) (
    SFUNC = c360.frequency_add1, STYPE = c360.frequency_state, COMBINEFUNC = c360.frequency_merge,
    FINALFUNC = c360.frequency_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.most_frequent(pg_catalog.text) IS
    'Survivorship by frequency: the most frequent non-blank value (ties: first in byte order)';
