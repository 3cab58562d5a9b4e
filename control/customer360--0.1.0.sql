-- customer360 0.1.0 install script.
-- Every object lives in schema c360 and every reference below is schema-qualified
-- (extension script security: the script never depends on the caller's search_path).

\echo Use "CREATE EXTENSION customer360" to load this file. \quit

-------------------------------------------------------------------------------------------------
-- Module information and the error-bridge self-test
-------------------------------------------------------------------------------------------------

CREATE FUNCTION c360.version() RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_version'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.version() IS 'customer360 library version';

CREATE FUNCTION c360.bridge_selftest(kind pg_catalog.text) RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_bridge_selftest'
    LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION c360.bridge_selftest(pg_catalog.text) IS
    'Diagnostic: raises each kind of C++ failure through the error bridge (see docs/architecture.md)';

-------------------------------------------------------------------------------------------------
-- RFM: state type, summary composite, aggregates
-------------------------------------------------------------------------------------------------

CREATE TYPE c360.rfm_state;

CREATE FUNCTION c360.rfm_state_in(pg_catalog.cstring) RETURNS c360.rfm_state
    AS 'MODULE_PATHNAME', 'c360_rfm_state_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.rfm_state_out(c360.rfm_state) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_rfm_state_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.rfm_state_recv(pg_catalog.internal) RETURNS c360.rfm_state
    AS 'MODULE_PATHNAME', 'c360_rfm_state_recv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.rfm_state_send(c360.rfm_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_rfm_state_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Fixed-size (88 bytes, see src/core/rfm/rfm.hpp) so that aggregates can update it in place.
-- Its text form is the wire format between Citus workers and coordinator.
CREATE TYPE c360.rfm_state (
    INTERNALLENGTH = 88,
    INPUT = c360.rfm_state_in,
    OUTPUT = c360.rfm_state_out,
    RECEIVE = c360.rfm_state_recv,
    SEND = c360.rfm_state_send,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE c360.rfm_state IS 'Partial RFM aggregate state (order count, first/last order, compensated money sums)';

CREATE TYPE c360.rfm_summary AS (
    recency_days      pg_catalog.float8,      -- days (of 86,400 s) from the last order to as_of
    frequency         pg_catalog.int8,        -- orders counted (order_ts <= as_of)
    monetary          pg_catalog.float8,      -- total value of those orders
    avg_order_value   pg_catalog.float8,      -- monetary / frequency
    first_order       pg_catalog.timestamptz,
    last_order        pg_catalog.timestamptz,
    tenure_days       pg_catalog.float8,      -- days from the first order to as_of
    first_order_value pg_catalog.float8,      -- value of the first order(s), at first_order
    avg_repeat_value  pg_catalog.float8,      -- mean value of the orders after first_order (NULL if none)
    ignored_orders    pg_catalog.int8         -- rows not counted: after as_of, or NULL order_ts
);
COMMENT ON TYPE c360.rfm_summary IS 'Result of the c360.rfm aggregate';

CREATE FUNCTION c360.rfm_add(state c360.rfm_state, order_ts pg_catalog.timestamptz,
                             amount pg_catalog.float8, as_of pg_catalog.timestamptz)
    RETURNS c360.rfm_state
    AS 'MODULE_PATHNAME', 'c360_rfm_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_add(c360.rfm_state, pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.timestamptz) IS
    'Adds one order to an RFM state (the transition function of c360.rfm)';

CREATE FUNCTION c360.rfm_add(state c360.rfm_state, order_date pg_catalog.date,
                             amount pg_catalog.float8, as_of pg_catalog.date)
    RETURNS c360.rfm_state
    AS 'MODULE_PATHNAME', 'c360_rfm_add_date'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_add(c360.rfm_state, pg_catalog.date, pg_catalog.float8, pg_catalog.date) IS
    'Adds one order given by its date (midnight UTC) to an RFM state';

CREATE FUNCTION c360.rfm_merge(a c360.rfm_state, b c360.rfm_state) RETURNS c360.rfm_state
    AS 'MODULE_PATHNAME', 'c360_rfm_merge'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_merge(c360.rfm_state, c360.rfm_state) IS
    'Merges two RFM states with the same as_of (the combine function of c360.rfm)';

CREATE FUNCTION c360.rfm_final(state c360.rfm_state) RETURNS c360.rfm_summary
    AS 'MODULE_PATHNAME', 'c360_rfm_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_final(c360.rfm_state) IS 'Turns an RFM state into a c360.rfm_summary';

CREATE AGGREGATE c360.rfm(order_ts pg_catalog.timestamptz, amount pg_catalog.float8, as_of pg_catalog.timestamptz) (
    SFUNC = c360.rfm_add,
    STYPE = c360.rfm_state,
    FINALFUNC = c360.rfm_final,
    COMBINEFUNC = c360.rfm_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.rfm(pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.timestamptz) IS
    'RFM summary of a customer''s orders as of a date: orders after as_of and NULL timestamps are ignored, NULL amounts count as 0';

-- Date form: days between dates are whole days whatever the session time zone; first_order and
-- last_order are the dates' midnights UTC.
CREATE AGGREGATE c360.rfm(order_date pg_catalog.date, amount pg_catalog.float8, as_of pg_catalog.date) (
    SFUNC = c360.rfm_add,
    STYPE = c360.rfm_state,
    FINALFUNC = c360.rfm_final,
    COMBINEFUNC = c360.rfm_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.rfm(pg_catalog.date, pg_catalog.float8, pg_catalog.date) IS
    'RFM summary from order dates: whole-day recency and tenure in every time zone';

CREATE AGGREGATE c360.rfm_partial(order_date pg_catalog.date, amount pg_catalog.float8, as_of pg_catalog.date) (
    SFUNC = c360.rfm_add,
    STYPE = c360.rfm_state,
    COMBINEFUNC = c360.rfm_merge,
    PARALLEL = SAFE
);

CREATE AGGREGATE c360.rfm_partial(order_ts pg_catalog.timestamptz, amount pg_catalog.float8, as_of pg_catalog.timestamptz) (
    SFUNC = c360.rfm_add,
    STYPE = c360.rfm_state,
    COMBINEFUNC = c360.rfm_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.rfm_partial(pg_catalog.timestamptz, pg_catalog.float8, pg_catalog.timestamptz) IS
    'Like c360.rfm but returns the mergeable c360.rfm_state (store it, roll it up with c360.rfm_rollup)';

CREATE AGGREGATE c360.rfm_rollup(c360.rfm_state) (
    SFUNC = c360.rfm_merge,
    STYPE = c360.rfm_state,
    COMBINEFUNC = c360.rfm_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.rfm_rollup(c360.rfm_state) IS 'Merges stored RFM states (same as_of)';

-------------------------------------------------------------------------------------------------
-- RFM scores and segments
-------------------------------------------------------------------------------------------------

CREATE FUNCTION c360.quantile_score(rank_below pg_catalog.int8, n pg_catalog.int8, bins pg_catalog.int4 DEFAULT 5)
    RETURNS pg_catalog.int4
    AS 'MODULE_PATHNAME', 'c360_quantile_score'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.quantile_score(pg_catalog.int8, pg_catalog.int8, pg_catalog.int4) IS
    'Tie-stable quantile score 1 + floor(bins * rank_below / n); use rank() OVER (ORDER BY v) - 1 and count(*) OVER ()';

CREATE FUNCTION c360.rfm_segment(r pg_catalog.int4, f pg_catalog.int4, m pg_catalog.int4) RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_rfm_segment'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_segment(pg_catalog.int4, pg_catalog.int4, pg_catalog.int4) IS
    'Named marketing segment of 1-5 R, F, M scores (rules in docs/rfm.md)';

-- Breakpoints: the same tie-stable rule as c360.quantile_score, computed once (sorting in C++)
-- and applied per customer; stored breakpoints score later snapshots on the same scale.

CREATE TYPE c360.rfm_sample;

CREATE FUNCTION c360.rfm_sample_in(pg_catalog.cstring) RETURNS c360.rfm_sample
    AS 'MODULE_PATHNAME', 'c360_rfm_sample_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.rfm_sample_out(c360.rfm_sample) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_rfm_sample_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.rfm_sample_recv(pg_catalog.internal) RETURNS c360.rfm_sample
    AS 'MODULE_PATHNAME', 'c360_rfm_sample_recv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.rfm_sample_send(c360.rfm_sample) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_rfm_sample_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE c360.rfm_sample (
    INTERNALLENGTH = VARIABLE,
    INPUT = c360.rfm_sample_in,
    OUTPUT = c360.rfm_sample_out,
    RECEIVE = c360.rfm_sample_recv,
    SEND = c360.rfm_sample_send,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE c360.rfm_sample IS 'State of c360.rfm_breaks: the (recency, frequency, monetary) values seen so far';

CREATE TYPE c360.rfm_breaks AS (
    bins      pg_catalog.int4,
    customers pg_catalog.int8,
    recency   pg_catalog.float8[],   -- bins - 1 thresholds, decreasing: R = 1 + #(recency_days < threshold)
    frequency pg_catalog.float8[],   -- increasing: F = 1 + #(frequency > threshold)
    monetary  pg_catalog.float8[]    -- increasing: M = 1 + #(monetary > threshold)
);
COMMENT ON TYPE c360.rfm_breaks IS 'RFM score breakpoints (result of the c360.rfm_breaks aggregate)';

CREATE TYPE c360.rfm_score AS (
    r        pg_catalog.int4,
    f        pg_catalog.int4,
    m        pg_catalog.int4,
    rfm_cell pg_catalog.text,
    segment  pg_catalog.text
);
COMMENT ON TYPE c360.rfm_score IS 'R, F, M scores, their cell (e.g. 545) and segment name (5 bins only)';

CREATE FUNCTION c360.rfm_breaks_add(state c360.rfm_sample, recency_days pg_catalog.float8,
                                    frequency pg_catalog.float8, monetary pg_catalog.float8,
                                    bins pg_catalog.int4)
    RETURNS c360.rfm_sample
    AS 'MODULE_PATHNAME', 'c360_rfm_breaks_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.rfm_breaks_add(state c360.rfm_sample, recency_days pg_catalog.float8,
                                    frequency pg_catalog.float8, monetary pg_catalog.float8)
    RETURNS c360.rfm_sample
    AS 'MODULE_PATHNAME', 'c360_rfm_breaks_add5'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.rfm_sample_merge(a c360.rfm_sample, b c360.rfm_sample) RETURNS c360.rfm_sample
    AS 'MODULE_PATHNAME', 'c360_rfm_sample_merge'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.rfm_breaks_final(state c360.rfm_sample) RETURNS c360.rfm_breaks
    AS 'MODULE_PATHNAME', 'c360_rfm_breaks_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE c360.rfm_breaks(recency_days pg_catalog.float8, frequency pg_catalog.float8,
                                 monetary pg_catalog.float8, bins pg_catalog.int4) (
    SFUNC = c360.rfm_breaks_add,
    STYPE = c360.rfm_sample,
    FINALFUNC = c360.rfm_breaks_final,
    COMBINEFUNC = c360.rfm_sample_merge,
    PARALLEL = SAFE
);
CREATE AGGREGATE c360.rfm_breaks(recency_days pg_catalog.float8, frequency pg_catalog.float8,
                                 monetary pg_catalog.float8) (
    SFUNC = c360.rfm_breaks_add,
    STYPE = c360.rfm_sample,
    FINALFUNC = c360.rfm_breaks_final,
    COMBINEFUNC = c360.rfm_sample_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.rfm_breaks(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4) IS
    'Tie-stable quantile breakpoints of recency (lower is better), frequency and monetary; rows with a NULL are skipped';
COMMENT ON AGGREGATE c360.rfm_breaks(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Quintile breakpoints (5 bins) of recency, frequency and monetary';

CREATE FUNCTION c360.rfm_score(recency_days pg_catalog.float8, frequency pg_catalog.float8,
                               monetary pg_catalog.float8, breaks c360.rfm_breaks)
    RETURNS c360.rfm_score
    AS 'MODULE_PATHNAME', 'c360_rfm_score'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_score(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, c360.rfm_breaks) IS
    'R, F, M scores of one customer against breakpoints from c360.rfm_breaks, with cell and segment';

CREATE FUNCTION c360.rfm_scores(orders pg_catalog.regclass, customer_col pg_catalog.name, ts_col pg_catalog.name,
                                amount_col pg_catalog.name, as_of pg_catalog.timestamptz,
                                bins pg_catalog.int4 DEFAULT 5)
    RETURNS TABLE (customer_id pg_catalog.text, recency_days pg_catalog.float8, frequency pg_catalog.int8,
                   monetary pg_catalog.float8, r pg_catalog.int4, f pg_catalog.int4, m pg_catalog.int4,
                   rfm_cell pg_catalog.text, segment pg_catalog.text)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
    SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF orders IS NULL OR customer_col IS NULL OR ts_col IS NULL OR amount_col IS NULL OR as_of IS NULL
       OR bins IS NULL THEN
        RAISE EXCEPTION 'c360.rfm_scores: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF bins < 1 OR bins > 100 THEN
        RAISE EXCEPTION 'c360.rfm_scores: bins must be between 1 and 100, got %', bins USING ERRCODE = '22023';
    END IF;
    -- Identifiers are quoted with %I and the relation comes from regclass: no SQL injection.
    RETURN QUERY EXECUTE pg_catalog.format($query$
        WITH summary AS MATERIALIZED (
            SELECT customer_id, (s).recency_days, (s).frequency::pg_catalog.float8 AS frequency, (s).monetary
            FROM (SELECT %1$I::pg_catalog.text AS customer_id,
                         c360.rfm(%2$I, %3$I::pg_catalog.float8, $1) AS s
                  FROM %4$s
                  GROUP BY %1$I) grouped
            WHERE (s).frequency > 0
        ), breaks AS (
            SELECT c360.rfm_breaks(recency_days, frequency, monetary, $2) AS b FROM summary
        )
        SELECT customer_id, recency_days, frequency::pg_catalog.int8, monetary,
               (sc).r, (sc).f, (sc).m, (sc).rfm_cell, (sc).segment
        FROM (SELECT t.*, c360.rfm_score(t.recency_days, t.frequency, t.monetary, breaks.b) AS sc
              FROM summary t CROSS JOIN breaks
              OFFSET 0) scored  -- OFFSET 0: one rfm_score call per customer
    $query$, customer_col, ts_col, amount_col, orders)
    USING as_of, bins;
END
$function$;
COMMENT ON FUNCTION c360.rfm_scores(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name,
                                    pg_catalog.timestamptz, pg_catalog.int4) IS
    'One call from an orders table to RFM summaries, tie-stable quantile scores, cells and segments';

-- =====================================================================================
-- Matching (issue 3): normalisers, similarities on code points, phonetic keys.
-- docs/matching.md. All IMMUTABLE STRICT PARALLEL SAFE; invalid UTF-8 -> 22P02,
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

-- ---- Matching: Fellegi-Sunter model (docs/matching.md) ---------------------------------
-- A comparison vector is an int4[] of levels, one per field: 0..L-1 (higher = closer,
-- L-1 = exact), -1 or NULL = null level (missing value, contributes 0).

CREATE FUNCTION c360.similarity_level(a pg_catalog.text, b pg_catalog.text,
                                      strong pg_catalog.float8 DEFAULT 0.92,
                                      weak pg_catalog.float8 DEFAULT 0.80) RETURNS pg_catalog.int4
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN a IS NULL OR b IS NULL OR a OPERATOR(pg_catalog.=) '' OR b OPERATOR(pg_catalog.=) '' THEN -1
                WHEN a OPERATOR(pg_catalog.=) b THEN 3
                WHEN c360.jaro_winkler(a, b) OPERATOR(pg_catalog.>=) strong THEN 2
                WHEN c360.jaro_winkler(a, b) OPERATOR(pg_catalog.>=) weak THEN 1
                ELSE 0 END;
COMMENT ON FUNCTION c360.similarity_level(pg_catalog.text, pg_catalog.text, pg_catalog.float8, pg_catalog.float8) IS
    'Comparison level of two strings: 3 exact, 2 Jaro-Winkler >= strong, 1 >= weak, 0 different, -1 null or empty';

CREATE FUNCTION c360.fs_patterns_add(state pg_catalog.float8[], levels pg_catalog.int4[], nlevels pg_catalog.int4[])
    RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_fs_patterns_add'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION c360.fs_patterns_merge(a pg_catalog.float8[], b pg_catalog.float8[]) RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_fs_patterns_merge'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE c360.fs_patterns(levels pg_catalog.int4[], nlevels pg_catalog.int4[]) (
    SFUNC = c360.fs_patterns_add,
    STYPE = pg_catalog.float8[],
    COMBINEFUNC = c360.fs_patterns_merge,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.fs_patterns(pg_catalog.int4[], pg_catalog.int4[]) IS
    'Counts of distinct comparison vectors (the sufficient statistics of EM), as a float8[] table';

CREATE FUNCTION c360.fs_estimate(patterns pg_catalog.float8[], random_pairs pg_catalog.float8[] DEFAULT NULL,
                                 max_iterations pg_catalog.int4 DEFAULT 25,
                                 tolerance pg_catalog.float8 DEFAULT 0.0001,
                                 initial_lambda pg_catalog.float8 DEFAULT 0.01) RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_fs_estimate'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.fs_estimate(pg_catalog.float8[], pg_catalog.float8[], pg_catalog.int4, pg_catalog.float8,
                                     pg_catalog.float8) IS
    'Fellegi-Sunter m, u and prior by EM over c360.fs_patterns counts; u fixed from random pairs when given';

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

CREATE FUNCTION c360.match_explain(model pg_catalog.float8[], levels pg_catalog.int4[],
                                   fields pg_catalog.text[] DEFAULT NULL)
    RETURNS TABLE (field pg_catalog.int4, name pg_catalog.text, level pg_catalog.int4,
                   m pg_catalog.float8, u pg_catalog.float8, weight pg_catalog.float8)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT 0, 'prior', NULL::pg_catalog.int4, p[1], p[2], p[3]
    FROM c360.match_level_params(model, 0, 0) AS p
    UNION ALL
    SELECT i, pg_catalog.coalesce(fields[i], 'field ' OPERATOR(pg_catalog.||) i),
           pg_catalog.coalesce(levels[i], -1), p[1], p[2], p[3]
    FROM pg_catalog.generate_subscripts(levels, 1) AS i,
         LATERAL c360.match_level_params(model, i, pg_catalog.coalesce(levels[i], -1)) AS p
    ORDER BY 1;
END;
COMMENT ON FUNCTION c360.match_explain(pg_catalog.float8[], pg_catalog.int4[], pg_catalog.text[]) IS
    'Each field''s contribution (m, u, log2(m/u)) to a pair''s match weight; the weights add up to match_weight';
