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

CREATE FUNCTION c360.match_explain(model pg_catalog.float8[], levels pg_catalog.int4[],
                                   fields pg_catalog.text[] DEFAULT NULL)
    RETURNS TABLE (field pg_catalog.int4, name pg_catalog.text, level pg_catalog.int4,
                   m pg_catalog.float8, u pg_catalog.float8, weight pg_catalog.float8)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
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
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT 0, 'prior (lambda, 1 - lambda; ' OPERATOR(pg_catalog.||) model[4]::pg_catalog.int4 OPERATOR(pg_catalog.||) ' EM iterations)',
           NULL::pg_catalog.int4, p[1], p[2], p[3]
    FROM c360.match_level_params(model, 0, 0) AS p
    UNION ALL
    SELECT f, COALESCE(fields[f], 'field ' OPERATOR(pg_catalog.||) f), l, p[1], p[2], p[3]
    FROM pg_catalog.generate_series(1, model[2]::pg_catalog.int4) AS f,
         pg_catalog.generate_series(0, model[4 OPERATOR(pg_catalog.+) f]::pg_catalog.int4 OPERATOR(pg_catalog.-) 1) AS l,
         LATERAL c360.match_level_params(model, f, l) AS p
    ORDER BY 1, 3 DESC;
END;
COMMENT ON FUNCTION c360.match_parameters(pg_catalog.float8[], pg_catalog.text[]) IS
    'The parameters of a Fellegi-Sunter model: prior, then m, u and log2(m/u) of each level of each field';

-- ---- Matching: one call from a customer table to scored pairs (docs/matching.md) ----------
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

-- p with every value at least `floor`, rescaled to sum to 1 (model probabilities built in SQL)
CREATE FUNCTION c360._floor_normalise(p pg_catalog.float8[], floor pg_catalog.float8) RETURNS pg_catalog.float8[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT array_agg(greatest(t.x, floor) / (SELECT sum(greatest(y, floor)) FROM unnest(p) AS y) ORDER BY t.i)
    FROM unnest(p) WITH ORDINALITY AS t(x, i)
$function$;

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
    rule_model float8[];
    masked bool[];
    k int4;
    pos int4;
    expected float8;
    m_sum float8[];          -- per field and level: sum over rules of expected matches * m
    w_sum float8[];          -- per field: sum over rules of expected matches
    model float8[];
    n float8;
    sample_pairs float8;
    lambda float8;
    iterations float8 := 0;
    join_sql text := 'SELECT %s AS levels FROM (%s) p JOIN %s l ON l.%I::bigint = p.id_l JOIN %s r ON r.%I::bigint = p.id_r';
BEGIN
    IF random_pairs IS NULL OR random_pairs < 0 OR random_pairs > 100000000 THEN
        RAISE EXCEPTION 'c360.match_train: random_pairs must be between 0 and 100,000,000' USING ERRCODE = '22023';
    END IF;
    nlevels := ARRAY(SELECT c360.method_levels(m) FROM unnest(methods) AS m);
    k := cardinality(fields);
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
    m_sum := array_fill(0::float8, ARRAY[k * 16]);
    w_sum := array_fill(0::float8, ARRAY[k]);
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
        -- pairs with at least one field compared (the first cell counts the all-null vectors)
        expected := (SELECT sum(x) FROM unnest(rule_patterns[4 + k:]) AS x);
        CONTINUE WHEN NOT coalesce(expected > 0, false);
        rule_model := c360.fs_estimate(rule_patterns, sample, max_iterations, tolerance, initial_lambda);
        iterations := iterations + rule_model[4];
        expected := rule_model[3] * expected;
        pos := 5 + k;
        FOR i IN 1 .. k LOOP
            IF NOT masked[i] THEN
                FOR l IN 1 .. nlevels[i] LOOP
                    m_sum[(i - 1) * 16 + l] := m_sum[(i - 1) * 16 + l] + expected * rule_model[pos + l - 1];
                END LOOP;
                w_sum[i] := w_sum[i] + expected;
            END IF;
            pos := pos + 2 * nlevels[i];
        END LOOP;
    END LOOP;
    -- the model: m averaged over the rules (weighted by their expected matches), u of the random pairs
    -- the model: m averaged over the rules (weighted by their expected matches), u of the random
    -- pairs, where a level never seen among them counts as half a pair of the sample (not ~0: no
    -- unbounded weights); each floored and renormalised
    model := ARRAY[3602, k, 0.5, iterations]::float8[] || nlevels::float8[];
    sample_pairs := (SELECT sum(x) FROM unnest(sample[3 + k:]) AS x);
    pos := 5 + k;
    FOR i IN 1 .. k LOOP
        IF NOT w_sum[i] > 0 THEN
            RAISE EXCEPTION 'c360.match_train: every blocking rule uses field "%", so its m cannot be estimated', fields[i]
                USING ERRCODE = '22023',
                      HINT = 'Add a blocking rule that does not use it, or train without random_pairs.';
        END IF;
        model := model
              || c360._floor_normalise(ARRAY(SELECT m_sum[(i - 1) * 16 + l] / w_sum[i] FROM generate_series(1, nlevels[i]) AS l ORDER BY l), 1e-6)
              || c360._floor_normalise(rule_model[pos + nlevels[i] : pos + 2 * nlevels[i] - 1], 0.5 / sample_pairs);
        pos := pos + 2 * nlevels[i];
    END LOOP;
    -- prior: the share of matches among the candidates (EM with m and u fixed), spread over all n(n-1)/2 pairs
    lambda := c360.fs_prior(patterns, model) * (SELECT sum(x) FROM unnest(patterns[4 + k:]) AS x) / (n * (n - 1) / 2);
    model[3] := least(greatest(lambda, 1e-300), 0.5);
    RETURN model;
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
    AS 'MODULE_PATHNAME', 'c360_clusters_from_query'
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

CREATE FUNCTION c360.survivor_better(a c360.survivor_state, b c360.survivor_state) RETURNS pg_catalog.bool
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN b.value IS NULL
        OR (a.value IS NOT NULL AND
            (a.rank OPERATOR(pg_catalog.<) b.rank
             OR (a.rank OPERATOR(pg_catalog.=) b.rank AND
                 (a.ts OPERATOR(pg_catalog.>) b.ts OR (b.ts IS NULL AND a.ts IS NOT NULL)
                  OR (a.ts IS NOT DISTINCT FROM b.ts AND a.value COLLATE "C" OPERATOR(pg_catalog.<) b.value COLLATE "C")))));

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
CREATE FUNCTION c360.survivor_merge(a c360.survivor_state, b c360.survivor_state) RETURNS c360.survivor_state
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN b IS NULL THEN a WHEN a IS NULL THEN b WHEN c360.survivor_better(b, a) THEN b ELSE a END;
CREATE FUNCTION c360.survivor_final(state c360.survivor_state) RETURNS pg_catalog.text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN state.value;
CREATE FUNCTION c360.most_recent_add(state c360.survivor_state, value pg_catalog.text, ts pg_catalog.timestamptz)
    RETURNS c360.survivor_state LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN c360.survivor_add(state, value, 0, ts);
CREATE FUNCTION c360.most_complete_add(state c360.survivor_state, value pg_catalog.text)
    RETURNS c360.survivor_state LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN c360.survivor_add(state, value, -pg_catalog.char_length(pg_catalog.btrim(value)), NULL);

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
CREATE FUNCTION c360.frequency_add1(state c360.frequency_state, value pg_catalog.text)
    RETURNS c360.frequency_state LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN c360.frequency_add(state, value, 1);
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
CREATE FUNCTION c360.frequency_final(state c360.frequency_state) RETURNS pg_catalog.text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT state.vals[i] FROM pg_catalog.generate_subscripts(state.vals, 1) AS i
    ORDER BY state.counts[i] DESC, state.vals[i] COLLATE "C" LIMIT 1;
END;
CREATE AGGREGATE c360.most_frequent(value pg_catalog.text) (
    SFUNC = c360.frequency_add1, STYPE = c360.frequency_state, COMBINEFUNC = c360.frequency_merge,
    FINALFUNC = c360.frequency_final, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.most_frequent(pg_catalog.text) IS
    'Survivorship by frequency: the most frequent non-blank value (ties: first in byte order)';

-------------------------------------------------------------------------------------------------
-- Customer events (docs/events.md): behaviour change, batch events, segment transitions,
-- real-time tracking with rules as data and an event queue
-------------------------------------------------------------------------------------------------

-- Purchase slowdown: Poisson test of the recent window against the customer's own history.
CREATE TYPE c360.slowdown_state;
CREATE FUNCTION c360.slowdown_state_in(pg_catalog.cstring) RETURNS c360.slowdown_state
    AS 'MODULE_PATHNAME', 'c360_slowdown_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.slowdown_state_out(c360.slowdown_state) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_slowdown_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.slowdown_state (
    INTERNALLENGTH = 56, INPUT = c360.slowdown_state_in, OUTPUT = c360.slowdown_state_out,
    ALIGNMENT = double, STORAGE = plain);

CREATE TYPE c360.slowdown AS (
    history_orders  pg_catalog.int8,     -- orders before the recent window
    history_days    pg_catalog.float8,   -- first order -> start of the recent window
    recent_orders   pg_catalog.int8,
    expected_recent pg_catalog.float8,   -- historical rate x window (NULL: not enough history)
    rate_ratio      pg_catalog.float8,   -- recent_orders / expected_recent
    p_value         pg_catalog.float8,   -- P(at most recent_orders | historical rate): small = slowdown
    days_since_last pg_catalog.float8,
    p_silence       pg_catalog.float8    -- P(a gap at least this long | historical rate)
);

CREATE FUNCTION c360.slowdown_add(state c360.slowdown_state, order_ts pg_catalog.timestamptz,
                                  as_of pg_catalog.timestamptz, recent_days pg_catalog.int4)
    RETURNS c360.slowdown_state AS 'MODULE_PATHNAME', 'c360_slowdown_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.slowdown_merge(c360.slowdown_state, c360.slowdown_state) RETURNS c360.slowdown_state
    AS 'MODULE_PATHNAME', 'c360_slowdown_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.slowdown_final(c360.slowdown_state) RETURNS c360.slowdown
    AS 'MODULE_PATHNAME', 'c360_slowdown_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE c360.purchase_slowdown(order_ts pg_catalog.timestamptz, as_of pg_catalog.timestamptz,
                                        recent_days pg_catalog.int4) (
    SFUNC = c360.slowdown_add, STYPE = c360.slowdown_state, FINALFUNC = c360.slowdown_final,
    COMBINEFUNC = c360.slowdown_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.purchase_slowdown(pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.int4) IS
    'Is a customer buying less often than before? Poisson test of the last recent_days against the earlier rate';

-- Basket shift: category mix of a past and a recent window (one row per category).
CREATE TYPE c360.basket_state;
CREATE FUNCTION c360.basket_state_in(pg_catalog.cstring) RETURNS c360.basket_state
    AS 'MODULE_PATHNAME', 'c360_basket_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.basket_state_out(c360.basket_state) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_basket_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.basket_state (
    INTERNALLENGTH = 112, INPUT = c360.basket_state_in, OUTPUT = c360.basket_state_out,
    ALIGNMENT = double, STORAGE = plain);

CREATE TYPE c360.basket_change AS (
    categories   pg_catalog.int8,
    past_total   pg_catalog.float8,
    recent_total pg_catalog.float8,
    hellinger    pg_catalog.float8,   -- 0 = same mix, 1 = nothing in common
    chi2         pg_catalog.float8,   -- chi-square test of homogeneity
    df           pg_catalog.int8,
    p_value      pg_catalog.float8
);

CREATE FUNCTION c360.basket_add(state c360.basket_state, past_count pg_catalog.float8, recent_count pg_catalog.float8)
    RETURNS c360.basket_state AS 'MODULE_PATHNAME', 'c360_basket_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.basket_merge(c360.basket_state, c360.basket_state) RETURNS c360.basket_state
    AS 'MODULE_PATHNAME', 'c360_basket_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.basket_final(c360.basket_state) RETURNS c360.basket_change
    AS 'MODULE_PATHNAME', 'c360_basket_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE c360.basket_shift(past_count pg_catalog.float8, recent_count pg_catalog.float8) (
    SFUNC = c360.basket_add, STYPE = c360.basket_state, FINALFUNC = c360.basket_final,
    COMBINEFUNC = c360.basket_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.basket_shift(pg_catalog.float8, pg_catalog.float8) IS
    'Change of category mix between two windows: Hellinger distance and chi-square test (one row per category)';

-- Event rows returned by the batch functions.
CREATE TYPE c360.customer_event AS (
    customer_id pg_catalog.text,
    event_type  pg_catalog.text,
    event_time  pg_catalog.timestamptz,
    details     pg_catalog.jsonb
);

CREATE FUNCTION c360.inactive_customers(orders pg_catalog.regclass, customer_col pg_catalog.name,
                                        ts_col pg_catalog.name, as_of pg_catalog.timestamptz,
                                        days pg_catalog.int4)
    RETURNS SETOF c360.customer_event
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF orders IS NULL OR customer_col IS NULL OR ts_col IS NULL OR as_of IS NULL OR days IS NULL THEN
        RAISE EXCEPTION 'c360.inactive_customers: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF days < 1 THEN
        RAISE EXCEPTION 'c360.inactive_customers: days must be at least 1, got %', days USING ERRCODE = '22023';
    END IF;
    RETURN QUERY EXECUTE format($q$
        SELECT %1$I::text, 'inactivity'::text, max(%2$I) + $2 * interval '1 day',
               jsonb_build_object('days', $2, 'last_order', max(%2$I),
                                  'days_inactive', round((extract(epoch FROM $1 - max(%2$I)) / 86400)::numeric, 2))
        FROM %3$s
        WHERE %2$I <= $1 AND %1$I IS NOT NULL
        GROUP BY %1$I
        HAVING max(%2$I) <= $1 - $2 * interval '1 day'
    $q$, customer_col, ts_col, orders) USING as_of, days;
END
$function$;
COMMENT ON FUNCTION c360.inactive_customers(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.timestamptz, pg_catalog.int4) IS
    'Customers with no order for at least `days` days at as_of; event_time = the day they crossed it';

CREATE FUNCTION c360.spend_threshold_crossed(orders pg_catalog.regclass, customer_col pg_catalog.name,
                                             ts_col pg_catalog.name, amount_col pg_catalog.name,
                                             as_of pg_catalog.timestamptz, threshold pg_catalog.numeric)
    RETURNS SETOF c360.customer_event
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF orders IS NULL OR customer_col IS NULL OR ts_col IS NULL OR amount_col IS NULL OR as_of IS NULL
       OR threshold IS NULL THEN
        RAISE EXCEPTION 'c360.spend_threshold_crossed: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF threshold <= 0 THEN
        RAISE EXCEPTION 'c360.spend_threshold_crossed: threshold must be positive, got %', threshold USING ERRCODE = '22023';
    END IF;
    RETURN QUERY EXECUTE format($q$
        SELECT DISTINCT ON (customer_id) customer_id, 'spend_threshold'::text, ts,
               jsonb_build_object('threshold', $2, 'cumulative_spend', running)
        FROM (SELECT %1$I::text AS customer_id, %2$I AS ts,
                     sum(coalesce(%3$I::numeric, 0)) OVER (PARTITION BY %1$I ORDER BY %2$I) AS running
              FROM %4$s WHERE %2$I <= $1 AND %1$I IS NOT NULL) t
        WHERE running >= $2
        ORDER BY customer_id, ts
    $q$, customer_col, ts_col, amount_col, orders) USING as_of, threshold;
END
$function$;
COMMENT ON FUNCTION c360.spend_threshold_crossed(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name, pg_catalog.timestamptz, pg_catalog.numeric) IS
    'Customers whose cumulative spend reached threshold by as_of; event_time = the order that crossed it';

-- The next anniversary of d on or after as_of; 29 February falls on 28 February in other years.
CREATE FUNCTION c360.next_anniversary(d pg_catalog.date, as_of pg_catalog.date) RETURNS pg_catalog.date
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $function$
    SELECT CASE WHEN this_year >= as_of THEN this_year ELSE next_year END
    FROM (SELECT pg_catalog.make_date(y, m, CASE WHEN m = 2 AND dd = 29 AND NOT leap THEN 28 ELSE dd END) AS this_year,
                 pg_catalog.make_date(y + 1, m, CASE WHEN m = 2 AND dd = 29 AND NOT leap1 THEN 28 ELSE dd END) AS next_year
          FROM (SELECT y, m, dd,
                       (y % 4 = 0 AND (y % 100 <> 0 OR y % 400 = 0)) AS leap,
                       ((y + 1) % 4 = 0 AND ((y + 1) % 100 <> 0 OR (y + 1) % 400 = 0)) AS leap1
                FROM (SELECT pg_catalog.date_part('year', as_of)::int AS y, pg_catalog.date_part('month', d)::int AS m,
                             pg_catalog.date_part('day', d)::int AS dd) p) q) r
$function$;

CREATE FUNCTION c360.upcoming_anniversaries(people pg_catalog.regclass, customer_col pg_catalog.name,
                                            date_col pg_catalog.name, as_of pg_catalog.date,
                                            within_days pg_catalog.int4,
                                            event_type pg_catalog.text DEFAULT 'anniversary')
    RETURNS SETOF c360.customer_event
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF people IS NULL OR customer_col IS NULL OR date_col IS NULL OR as_of IS NULL OR within_days IS NULL
       OR event_type IS NULL THEN
        RAISE EXCEPTION 'c360.upcoming_anniversaries: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF within_days < 0 OR within_days > 366 THEN
        RAISE EXCEPTION 'c360.upcoming_anniversaries: within_days must be between 0 and 366, got %', within_days
            USING ERRCODE = '22023';
    END IF;
    RETURN QUERY EXECUTE format($q$
        SELECT customer_id, $3, next_day::timestamp AT TIME ZONE 'UTC',
               jsonb_build_object('date', d, 'next', next_day, 'years', date_part('year', next_day)::int - date_part('year', d)::int,
                                  'days_until', next_day - $1)
        FROM (SELECT %1$I::text AS customer_id, %2$I::date AS d, c360.next_anniversary(%2$I::date, $1) AS next_day
              FROM %3$s WHERE %2$I IS NOT NULL AND %2$I::date <= $1 AND %1$I IS NOT NULL) t
        WHERE next_day - $1 <= $2
    $q$, customer_col, date_col, people) USING as_of, within_days, event_type;
END
$function$;
COMMENT ON FUNCTION c360.upcoming_anniversaries(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.date, pg_catalog.int4, pg_catalog.text) IS
    'Birthdays or first-purchase anniversaries within the next within_days (29 February: 28 February in other years)';

CREATE FUNCTION c360.contracts_ending(contracts pg_catalog.regclass, customer_col pg_catalog.name,
                                      end_col pg_catalog.name, as_of pg_catalog.timestamptz,
                                      within_days pg_catalog.int4)
    RETURNS SETOF c360.customer_event
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF contracts IS NULL OR customer_col IS NULL OR end_col IS NULL OR as_of IS NULL OR within_days IS NULL THEN
        RAISE EXCEPTION 'c360.contracts_ending: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF within_days < 0 THEN
        RAISE EXCEPTION 'c360.contracts_ending: within_days must not be negative, got %', within_days USING ERRCODE = '22023';
    END IF;
    RETURN QUERY EXECUTE format($q$
        SELECT %1$I::text, 'contract_end'::text, %2$I::timestamptz,
               jsonb_build_object('ends', %2$I, 'days_left', round((extract(epoch FROM %2$I::timestamptz - $1) / 86400)::numeric, 2))
        FROM %3$s
        WHERE %2$I::timestamptz >= $1 AND %2$I::timestamptz <= $1 + $2 * interval '1 day' AND %1$I IS NOT NULL
    $q$, customer_col, end_col, contracts) USING as_of, within_days;
END
$function$;
COMMENT ON FUNCTION c360.contracts_ending(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.timestamptz, pg_catalog.int4) IS
    'Contracts ending between as_of and as_of + within_days';

-- Segment snapshots: each run stores the segments and returns who moved since the previous run.
CREATE TABLE c360.segment_snapshots (
    snapshot_name pg_catalog.text NOT NULL,
    taken_at      pg_catalog.timestamptz NOT NULL,
    customer_id   pg_catalog.text NOT NULL,
    segment       pg_catalog.text,
    r pg_catalog.int4, f pg_catalog.int4, m pg_catalog.int4,
    PRIMARY KEY (snapshot_name, taken_at, customer_id)
);
SELECT pg_catalog.pg_extension_config_dump('c360.segment_snapshots', '');

CREATE FUNCTION c360.snapshot_segments(orders pg_catalog.regclass, customer_col pg_catalog.name,
                                       ts_col pg_catalog.name, amount_col pg_catalog.name,
                                       as_of pg_catalog.timestamptz,
                                       snapshot_name pg_catalog.text DEFAULT 'default')
    RETURNS SETOF c360.customer_event
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    previous timestamptz;
BEGIN
    IF snapshot_name IS NULL THEN
        RAISE EXCEPTION 'c360.snapshot_segments: snapshot_name must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT max(s.taken_at) INTO previous FROM c360.segment_snapshots s
    WHERE s.snapshot_name = snapshot_segments.snapshot_name AND s.taken_at < as_of;
    DELETE FROM c360.segment_snapshots s WHERE s.snapshot_name = snapshot_segments.snapshot_name AND s.taken_at = as_of;
    INSERT INTO c360.segment_snapshots
    SELECT snapshot_segments.snapshot_name, as_of, x.customer_id, x.segment, x.r, x.f, x.m
    FROM c360.rfm_scores(orders, customer_col, ts_col, amount_col, as_of) x;
    IF previous IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT cur.customer_id, 'segment_change'::text, as_of,
           jsonb_build_object('from', prev.segment, 'to', cur.segment, 'previous_snapshot', previous,
                              'from_cell', concat(prev.r, prev.f, prev.m), 'to_cell', concat(cur.r, cur.f, cur.m))
    FROM c360.segment_snapshots cur
    JOIN c360.segment_snapshots prev
      ON prev.snapshot_name = cur.snapshot_name AND prev.taken_at = previous AND prev.customer_id = cur.customer_id
    WHERE cur.snapshot_name = snapshot_segments.snapshot_name AND cur.taken_at = as_of
      AND cur.segment IS DISTINCT FROM prev.segment;
END
$function$;
COMMENT ON FUNCTION c360.snapshot_segments(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name, pg_catalog.timestamptz, pg_catalog.text) IS
    'Stores this run''s RFM segments in c360.segment_snapshots and returns the customers whose segment changed since the previous run';

-- Segment transition matrix between two snapshots: an aggregate over (from, to) pairs.
CREATE FUNCTION c360.transitions_add(state pg_catalog.jsonb, from_segment pg_catalog.text, to_segment pg_catalog.text)
    RETURNS pg_catalog.jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $function$
    SELECT state || pg_catalog.jsonb_build_object(k, coalesce((state ->> k)::int8, 0) + 1)
    FROM (SELECT pg_catalog.jsonb_build_array(from_segment, to_segment)::text AS k) key
$function$;
CREATE FUNCTION c360.transitions_merge(a pg_catalog.jsonb, b pg_catalog.jsonb)
    RETURNS pg_catalog.jsonb LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $function$
    SELECT coalesce(pg_catalog.jsonb_object_agg(key, n), '{}')
    FROM (SELECT key, sum(value::int8) AS n
          FROM (SELECT * FROM pg_catalog.jsonb_each_text(a) UNION ALL SELECT * FROM pg_catalog.jsonb_each_text(b)) e
          GROUP BY key) s
$function$;
CREATE FUNCTION c360.transitions_final(state pg_catalog.jsonb)
    RETURNS pg_catalog.jsonb LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $function$
    SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'from', f, 'to', t, 'customers', n, 'rate', round(n::numeric / from_total, 6))
               ORDER BY f NULLS FIRST, t NULLS FIRST), '[]')
    FROM (SELECT f, t, n, sum(n) OVER (PARTITION BY f) AS from_total
          FROM (SELECT (key::jsonb) ->> 0 AS f, (key::jsonb) ->> 1 AS t, value::int8 AS n
                FROM pg_catalog.jsonb_each_text(state)) e) w
$function$;
CREATE AGGREGATE c360.segment_transitions(from_segment pg_catalog.text, to_segment pg_catalog.text) (
    SFUNC = c360.transitions_add, STYPE = pg_catalog.jsonb, INITCOND = '{}',
    FINALFUNC = c360.transitions_final, COMBINEFUNC = c360.transitions_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.segment_transitions(pg_catalog.text, pg_catalog.text) IS
    'Transition matrix between two segment snapshots: jsonb array of {from, to, customers, rate = share of the from segment}';

-- Rules are data.
CREATE TABLE c360.event_rules (
    rule_id    serial PRIMARY KEY,
    rule_name  pg_catalog.text NOT NULL UNIQUE,
    rule_type  pg_catalog.text NOT NULL,
    params     pg_catalog.jsonb NOT NULL DEFAULT '{}',
    enabled    pg_catalog.bool NOT NULL DEFAULT true,
    notify     pg_catalog.bool NOT NULL DEFAULT false,  -- also NOTIFY c360_events (serialises commits: low-rate rules)
    created_at pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()
);
SELECT pg_catalog.pg_extension_config_dump('c360.event_rules', '');
SELECT pg_catalog.pg_extension_config_dump('c360.event_rules_rule_id_seq', '');

CREATE FUNCTION c360.validate_event_rule() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    segments text[] := ARRAY['Champions', 'Loyal Customers', 'Can''t Lose Them', 'At Risk', 'Potential Loyalist',
                             'New Customers', 'Promising', 'Need Attention', 'About To Sleep', 'Hibernating', 'Lost', '*'];
    allowed text[];
    k text;
BEGIN
    IF jsonb_typeof(NEW.params) <> 'object' THEN
        RAISE EXCEPTION 'event rule "%": params must be a JSON object', NEW.rule_name USING ERRCODE = '22023';
    END IF;
    CASE NEW.rule_type
    WHEN 'welcome' THEN
        allowed := '{}';
    WHEN 'spend_threshold' THEN
        allowed := '{amount}';
        IF jsonb_typeof(NEW.params -> 'amount') IS DISTINCT FROM 'number' OR (NEW.params ->> 'amount')::numeric <= 0 THEN
            RAISE EXCEPTION 'event rule "%": spend_threshold needs a positive number "amount"', NEW.rule_name
                USING ERRCODE = '22023', HINT = 'Example: {"amount": 1000}';
        END IF;
    WHEN 'order_count' THEN
        allowed := '{count}';
        IF jsonb_typeof(NEW.params -> 'count') IS DISTINCT FROM 'number'
           OR (NEW.params ->> 'count')::numeric < 1 OR (NEW.params ->> 'count')::numeric <> trunc((NEW.params ->> 'count')::numeric) THEN
            RAISE EXCEPTION 'event rule "%": order_count needs a whole number "count" >= 1', NEW.rule_name
                USING ERRCODE = '22023', HINT = 'Example: {"count": 5}';
        END IF;
    WHEN 'segment_transition' THEN
        allowed := '{from,to}';
        IF NOT (NEW.params ? 'from' OR NEW.params ? 'to') THEN
            RAISE EXCEPTION 'event rule "%": segment_transition needs "from" and/or "to"', NEW.rule_name
                USING ERRCODE = '22023', HINT = 'Example: {"from": "Potential Loyalist", "to": "Champions"}; "*" matches any segment';
        END IF;
        FOREACH k IN ARRAY ARRAY['from', 'to'] LOOP
            IF NEW.params ? k AND (jsonb_typeof(NEW.params -> k) <> 'string' OR NOT (NEW.params ->> k) = ANY (segments)) THEN
                RAISE EXCEPTION 'event rule "%": unknown segment % in "%"', NEW.rule_name, NEW.params -> k, k
                    USING ERRCODE = '22023', HINT = 'Segments: ' || array_to_string(segments, ', ');
            END IF;
        END LOOP;
    WHEN 'inactivity' THEN
        allowed := '{days}';
        IF jsonb_typeof(NEW.params -> 'days') IS DISTINCT FROM 'number'
           OR (NEW.params ->> 'days')::numeric < 1 OR (NEW.params ->> 'days')::numeric <> trunc((NEW.params ->> 'days')::numeric) THEN
            RAISE EXCEPTION 'event rule "%": inactivity needs a whole number "days" >= 1', NEW.rule_name
                USING ERRCODE = '22023', HINT = 'Example: {"days": 90}';
        END IF;
    ELSE
        RAISE EXCEPTION 'event rule "%": unknown rule_type "%"', NEW.rule_name, NEW.rule_type
            USING ERRCODE = '22023', HINT = 'Rule types: welcome, spend_threshold, order_count, segment_transition, inactivity';
    END CASE;
    FOR k IN SELECT jsonb_object_keys(NEW.params) LOOP
        IF NOT k = ANY (allowed) THEN
            RAISE EXCEPTION 'event rule "%": unexpected parameter "%" for rule type %', NEW.rule_name, k, NEW.rule_type
                USING ERRCODE = '22023';
        END IF;
    END LOOP;
    RETURN NEW;
END
$function$;
CREATE TRIGGER validate BEFORE INSERT OR UPDATE ON c360.event_rules
    FOR EACH ROW EXECUTE FUNCTION c360.validate_event_rule();

-- The tracking triggers read the enabled rules from a per-backend copy (c360._fired_rules); any
-- change to the table drops the copies (a relcache invalidation, sent by this statement trigger).
CREATE FUNCTION c360._fired_rules(n_before pg_catalog.int8, n_after pg_catalog.int8, m_before pg_catalog.numeric,
                                  m_after pg_catalog.numeric, seg_before pg_catalog.text, seg_after pg_catalog.text)
    RETURNS pg_catalog.int4[] AS 'MODULE_PATHNAME', 'c360_fired_rules'
    LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION c360._fired_rules(pg_catalog.int8, pg_catalog.int8, pg_catalog.numeric, pg_catalog.numeric, pg_catalog.text, pg_catalog.text) IS
    'Ids of the enabled event rules that fire for one change of a customer''s state (NULL when none); used by the tracking triggers';
CREATE FUNCTION c360._event_rules_changed() RETURNS trigger AS 'MODULE_PATHNAME', 'c360_event_rules_changed' LANGUAGE C;
CREATE FUNCTION c360._track_insert() RETURNS trigger AS 'MODULE_PATHNAME', 'c360_track_insert' LANGUAGE C;
COMMENT ON FUNCTION c360._track_insert() IS
    'AFTER INSERT row trigger of c360.track_orders (arguments: customer, timestamp and amount columns)';
CREATE TRIGGER rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON c360.event_rules
    FOR EACH STATEMENT EXECUTE FUNCTION c360._event_rules_changed();

-- The queue: written in the same transaction as the order (nothing on rollback), deduplicated
-- by dedup_key, read with c360.claim_events (FOR UPDATE SKIP LOCKED).
CREATE TABLE c360.event_queue (
    event_id    bigserial PRIMARY KEY,
    source      pg_catalog.regclass,
    customer_id pg_catalog.text NOT NULL,
    event_type  pg_catalog.text NOT NULL,
    event_time  pg_catalog.timestamptz NOT NULL,
    details     pg_catalog.jsonb NOT NULL DEFAULT '{}',
    rule_id     pg_catalog.int4 REFERENCES c360.event_rules ON DELETE SET NULL,
    dedup_key   pg_catalog.text UNIQUE,
    created_at  pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now(),
    consumed_at pg_catalog.timestamptz
);
CREATE INDEX event_queue_pending ON c360.event_queue (event_id) WHERE consumed_at IS NULL;
SELECT pg_catalog.pg_extension_config_dump('c360.event_queue', '');
SELECT pg_catalog.pg_extension_config_dump('c360.event_queue_event_id_seq', '');

CREATE FUNCTION c360.claim_events(batch_size pg_catalog.int4 DEFAULT 100)
    RETURNS SETOF c360.event_queue
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $function$
    UPDATE c360.event_queue q SET consumed_at = pg_catalog.now()
    FROM (SELECT event_id FROM c360.event_queue
          WHERE consumed_at IS NULL ORDER BY event_id LIMIT batch_size
          FOR UPDATE SKIP LOCKED) pick
    WHERE q.event_id = pick.event_id
    RETURNING q.*
$function$;
COMMENT ON FUNCTION c360.claim_events(pg_catalog.int4) IS
    'Marks up to batch_size pending events consumed and returns them; concurrent consumers never get the same event, and a rolled-back consumer transaction leaves them pending';

-- Per-customer state kept current by the tracking triggers.
CREATE TABLE c360.tracked_tables (
    source           pg_catalog.regclass PRIMARY KEY,
    customer_col     pg_catalog.name NOT NULL,
    ts_col           pg_catalog.name NOT NULL,
    amount_col       pg_catalog.name NOT NULL,
    trigger_function pg_catalog.text NOT NULL,
    tracked_at       pg_catalog.timestamptz NOT NULL DEFAULT pg_catalog.now()
);
SELECT pg_catalog.pg_extension_config_dump('c360.tracked_tables', '');

CREATE TABLE c360.customer_state (
    source      pg_catalog.regclass NOT NULL,
    customer_id pg_catalog.text NOT NULL,
    orders      pg_catalog.int8 NOT NULL,
    monetary    pg_catalog.numeric NOT NULL,
    first_order pg_catalog.timestamptz NOT NULL,
    last_order  pg_catalog.timestamptz NOT NULL,
    segment     pg_catalog.text,
    updated_at  pg_catalog.timestamptz NOT NULL,
    previous_segment pg_catalog.text,   -- the segment before the latest order (or recomputation)
    PRIMARY KEY (source, customer_id)
) WITH (fillfactor = 70);  -- room for HOT updates: one order = one in-page update, no index write
SELECT pg_catalog.pg_extension_config_dump('c360.customer_state', '');

CREATE TABLE c360.segment_breaks (
    source      pg_catalog.regclass PRIMARY KEY,
    breaks      c360.rfm_breaks NOT NULL,
    computed_at pg_catalog.timestamptz NOT NULL
);
SELECT pg_catalog.pg_extension_config_dump('c360.segment_breaks', '');

-- Evaluates the enabled rules for one customer whose state went from (n_before, m_before,
-- seg_before) to (n_after, m_after); updates the segment against the stored breakpoints.
CREATE FUNCTION c360._fire_rules(src pg_catalog.regclass, cust pg_catalog.text,
                                 n_before pg_catalog.int8, n_after pg_catalog.int8,
                                 m_before pg_catalog.numeric, m_after pg_catalog.numeric,
                                 seg_before pg_catalog.text, last_order pg_catalog.timestamptz,
                                 event_time pg_catalog.timestamptz)
    RETURNS void LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    b c360.rfm_breaks;
    seg_after text := seg_before;
    eid bigint;
    notify boolean;
BEGIN
    IF n_after > 0 THEN
        b := (SELECT sb.breaks FROM c360.segment_breaks sb WHERE sb.source = src);
        IF b.bins IS NOT NULL THEN
            seg_after := (c360.rfm_score(greatest(0, extract(epoch FROM now() - last_order) / 86400)::float8,
                                         n_after::float8, m_after::float8, b)).segment;
            IF seg_after IS DISTINCT FROM seg_before THEN
                UPDATE c360.customer_state SET previous_segment = segment, segment = seg_after
                WHERE source = src AND customer_id = cust;
            END IF;
        END IF;
    END IF;
    -- the rules that fire: the same evaluation as the INSERT trigger (c360._fired_rules)
    FOR eid, notify IN
        INSERT INTO c360.event_queue (source, customer_id, event_type, event_time, details, rule_id, dedup_key)
        SELECT src, cust, r.rule_type, event_time,
               jsonb_build_object('rule', r.rule_name, 'orders', n_after, 'monetary', m_after,
                                  'segment_before', seg_before, 'segment', seg_after) || r.params,
               r.rule_id,
               src::oid || ':' || cust || ':' || r.rule_id ||
                   CASE WHEN r.rule_type = 'segment_transition'
                        THEN ':' || seg_before || '>' || seg_after || ':' || event_time ELSE '' END
        FROM c360.event_rules r
        WHERE r.rule_id = ANY (c360._fired_rules(n_before, n_after, m_before, m_after, seg_before, seg_after))
        ORDER BY r.rule_id
        ON CONFLICT (dedup_key) DO NOTHING
        RETURNING event_id, (SELECT rr.notify FROM c360.event_rules rr WHERE rr.rule_id = event_queue.rule_id)
    LOOP
        IF notify THEN
            PERFORM pg_notify('c360_events', eid::text);
        END IF;
    END LOOP;
END
$function$;

-- Segment of one customer against a tracked table's stored breakpoints (NULL when there are none).
CREATE FUNCTION c360._segment_of(src pg_catalog.regclass, last_order pg_catalog.timestamptz,
                                 orders pg_catalog.int8, monetary pg_catalog.numeric)
    RETURNS pg_catalog.text LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    -- PL/pgSQL, not SQL: called once per order from the tracking trigger, its plan stays cached
    RETURN (SELECT (c360.rfm_score(greatest(0, extract(epoch FROM now() - last_order) / 86400)::float8,
                                   orders::float8, monetary::float8, sb.breaks)).segment
            FROM c360.segment_breaks sb WHERE sb.source = src);
END
$function$;

-- A customer whose orders changed otherwise (UPDATE, DELETE): recomputed from the table's rows.
CREATE FUNCTION c360._customer_recomputed(src pg_catalog.regclass, cust pg_catalog.text, n pg_catalog.int8,
                                          m pg_catalog.numeric, first_ts pg_catalog.timestamptz,
                                          last_ts pg_catalog.timestamptz)
    RETURNS void LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    old c360.customer_state;
BEGIN
    SELECT * INTO old FROM c360.customer_state WHERE source = src AND customer_id = cust FOR UPDATE;
    IF coalesce(n, 0) = 0 THEN
        DELETE FROM c360.customer_state WHERE source = src AND customer_id = cust;
        RETURN;
    END IF;
    INSERT INTO c360.customer_state AS cs (source, customer_id, orders, monetary, first_order, last_order, segment, updated_at)
    VALUES (src, cust, n, coalesce(m, 0), first_ts, last_ts, old.segment, now())
    ON CONFLICT (source, customer_id) DO UPDATE
        SET orders = EXCLUDED.orders, monetary = EXCLUDED.monetary, first_order = EXCLUDED.first_order,
            last_order = EXCLUDED.last_order, updated_at = now();
    PERFORM c360._fire_rules(src, cust, coalesce(old.orders, 0), n, coalesce(old.monetary, 0), coalesce(m, 0),
                             old.segment, last_ts, now());
END
$function$;

CREATE FUNCTION c360.track_orders(orders pg_catalog.regclass, customer_col pg_catalog.name,
                                  ts_col pg_catalog.name, amount_col pg_catalog.name)
    RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    fn text := format('c360.%I', 'track_' || orders::oid);
    col name;
BEGIN
    IF orders IS NULL OR customer_col IS NULL OR ts_col IS NULL OR amount_col IS NULL THEN
        RAISE EXCEPTION 'c360.track_orders: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    FOREACH col IN ARRAY ARRAY[customer_col, ts_col, amount_col] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = orders AND attname = col AND attnum > 0
                       AND NOT attisdropped) THEN
            RAISE EXCEPTION 'c360.track_orders: column "%" does not exist in %', col, orders USING ERRCODE = '42703';
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                   WHERE i.indrelid = orders AND a.attname = customer_col) THEN
        RAISE NOTICE 'c360.track_orders: no index starts with %.%; UPDATE and DELETE recompute a customer from the table, so create one', orders, customer_col;
    END IF;
    -- INSERT: c360._track_insert (C, saved plans, cached rules). UPDATE and DELETE: a trigger
    -- function per tracked table, with static SQL (plans cached per session).
    EXECUTE format($body$
        CREATE OR REPLACE FUNCTION %1$s() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $t$
        DECLARE
            agg record;
        BEGIN
            -- UPDATE and DELETE (INSERT is c360._track_insert): the customers concerned are
            -- recomputed from the table
            IF OLD.%3$I IS NOT NULL THEN
                SELECT count(*) AS n, sum(coalesce(%5$I::numeric, 0)) AS m, min(%4$I) AS f, max(%4$I) AS l INTO agg
                FROM %6$s WHERE %3$I = OLD.%3$I AND %4$I IS NOT NULL;
                PERFORM c360._customer_recomputed(%2$s::oid::regclass, OLD.%3$I::text, agg.n, agg.m, agg.f, agg.l);
            END IF;
            IF TG_OP = 'UPDATE' AND NEW.%3$I IS NOT NULL AND NEW.%3$I IS DISTINCT FROM OLD.%3$I THEN
                SELECT count(*) AS n, sum(coalesce(%5$I::numeric, 0)) AS m, min(%4$I) AS f, max(%4$I) AS l INTO agg
                FROM %6$s WHERE %3$I = NEW.%3$I AND %4$I IS NOT NULL;
                PERFORM c360._customer_recomputed(%2$s::oid::regclass, NEW.%3$I::text, agg.n, agg.m, agg.f, agg.l);
            END IF;
            RETURN NULL;
        END
        $t$ $body$, fn, orders::oid, customer_col, ts_col, amount_col, orders);
    FOR col IN SELECT t.tgname FROM pg_trigger t WHERE t.tgrelid = orders AND t.tgname IN ('c360_track', 'c360_track_changes') LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', col, orders);
    END LOOP;
    EXECUTE format('CREATE TRIGGER c360_track AFTER INSERT ON %s FOR EACH ROW EXECUTE FUNCTION c360._track_insert(%L, %L, %L)',
                   orders, customer_col, ts_col, amount_col);
    EXECUTE format('CREATE TRIGGER c360_track_changes AFTER UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION %s()',
                   orders, fn);
    INSERT INTO c360.tracked_tables (source, customer_col, ts_col, amount_col, trigger_function)
    VALUES (orders, customer_col, ts_col, amount_col, fn)
    ON CONFLICT (source) DO UPDATE SET customer_col = EXCLUDED.customer_col, ts_col = EXCLUDED.ts_col,
        amount_col = EXCLUDED.amount_col, trigger_function = EXCLUDED.trigger_function, tracked_at = now();
    -- the orders already there (no events for them)
    DELETE FROM c360.customer_state cs WHERE cs.source = track_orders.orders;
    EXECUTE format($q$
        INSERT INTO c360.customer_state (source, customer_id, orders, monetary, first_order, last_order, updated_at)
        SELECT $1, %1$I::text, count(*), sum(coalesce(%3$I::numeric, 0)), min(%2$I), max(%2$I), now()
        FROM %4$s WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL GROUP BY %1$I
    $q$, customer_col, ts_col, amount_col, orders) USING orders;
END
$function$;
COMMENT ON FUNCTION c360.track_orders(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name) IS
    'Keeps c360.customer_state current for an orders table (row trigger) and fires c360.event_rules into c360.event_queue';

CREATE FUNCTION c360.untrack_orders(orders pg_catalog.regclass)
    RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    fn text;
BEGIN
    SELECT trigger_function INTO fn FROM c360.tracked_tables WHERE source = orders;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'c360.untrack_orders: % is not tracked', orders USING ERRCODE = '22023';
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS c360_track ON %s', orders);
    EXECUTE format('DROP TRIGGER IF EXISTS c360_track_changes ON %s', orders);
    EXECUTE format('DROP FUNCTION IF EXISTS %s()', fn);
    DELETE FROM c360.customer_state cs WHERE cs.source = untrack_orders.orders;
    DELETE FROM c360.segment_breaks sb WHERE sb.source = untrack_orders.orders;
    DELETE FROM c360.tracked_tables tt WHERE tt.source = untrack_orders.orders;
END
$function$;

-- Breakpoints for the real-time segments, from the tracked state as of now.
CREATE FUNCTION c360.refresh_segments(orders pg_catalog.regclass)
    RETURNS c360.rfm_breaks LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    b c360.rfm_breaks;
BEGIN
    b := (SELECT c360.rfm_breaks(extract(epoch FROM now() - cs.last_order)::float8 / 86400, cs.orders::float8,
                                 cs.monetary::float8)
          FROM c360.customer_state cs WHERE cs.source = refresh_segments.orders);
    IF b.bins IS NULL THEN
        RAISE EXCEPTION 'c360.refresh_segments: no tracked customer for %', orders USING ERRCODE = '22023';
    END IF;
    INSERT INTO c360.segment_breaks VALUES (refresh_segments.orders, b, now())
    ON CONFLICT (source) DO UPDATE SET breaks = EXCLUDED.breaks, computed_at = EXCLUDED.computed_at;
    UPDATE c360.customer_state cs
    SET previous_segment = cs.segment,
        segment = (c360.rfm_score(extract(epoch FROM now() - cs.last_order)::float8 / 86400,
                                  cs.orders::float8, cs.monetary::float8, b)).segment
    WHERE cs.source = refresh_segments.orders;
    RETURN b;
END
$function$;
COMMENT ON FUNCTION c360.refresh_segments(pg_catalog.regclass) IS
    'Recomputes the RFM breakpoints of a tracked table and every customer''s segment (schedule it, e.g. nightly)';

-- Inactivity rules (batch): enqueue customers silent for the rule's days, once per silence.
CREATE FUNCTION c360.enqueue_inactivity(as_of pg_catalog.timestamptz DEFAULT pg_catalog.now())
    RETURNS pg_catalog.int8 LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    added bigint;
BEGIN
    WITH ins AS (
        INSERT INTO c360.event_queue (source, customer_id, event_type, event_time, details, rule_id, dedup_key)
        SELECT cs.source, cs.customer_id, 'inactivity', cs.last_order + (r.params ->> 'days')::int * interval '1 day',
               jsonb_build_object('rule', r.rule_name, 'days', (r.params ->> 'days')::int, 'last_order', cs.last_order,
                                  'orders', cs.orders, 'monetary', cs.monetary, 'segment', cs.segment),
               r.rule_id, cs.source::oid || ':' || cs.customer_id || ':' || r.rule_id || ':' || cs.last_order
        FROM c360.customer_state cs CROSS JOIN c360.event_rules r
        WHERE r.enabled AND r.rule_type = 'inactivity'
          AND cs.last_order <= as_of - (r.params ->> 'days')::int * interval '1 day'
        ON CONFLICT (dedup_key) DO NOTHING
        RETURNING event_id)
    SELECT count(*) INTO added FROM ins;
    IF added > 0 THEN
        PERFORM pg_notify('c360_events', 'inactivity');
    END IF;
    RETURN added;
END
$function$;

-- Checks the incremental state against a full recomputation: customers that differ (0 expected).
CREATE FUNCTION c360.verify_customer_state(orders pg_catalog.regclass)
    RETURNS pg_catalog.int8 LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    t c360.tracked_tables;
    differing bigint;
BEGIN
    SELECT * INTO t FROM c360.tracked_tables WHERE source = orders;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'c360.verify_customer_state: % is not tracked', orders USING ERRCODE = '22023';
    END IF;
    EXECUTE format($q$
        SELECT count(*) FROM (
            SELECT %1$I::text AS customer_id, count(*) AS orders, sum(coalesce(%3$I::numeric, 0)) AS monetary,
                   min(%2$I) AS first_order, max(%2$I) AS last_order
            FROM %4$s WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL GROUP BY %1$I) full_
        FULL JOIN (SELECT * FROM c360.customer_state WHERE source = $1) inc USING (customer_id)
        WHERE (full_.orders, full_.monetary, full_.first_order, full_.last_order)
              IS DISTINCT FROM (inc.orders, inc.monetary, inc.first_order, inc.last_order)
    $q$, t.customer_col, t.ts_col, t.amount_col, orders) INTO differing USING orders;
    RETURN differing;
END
$function$;

-------------------------------------------------------------------------------------------------
-- Scoring (issue 4): logistic regression (churn, appetence) and evaluation of scores.
-- Math in src/core/scoring, glue in src/pg/scoring_pg.cpp, documentation in docs/scoring.md.
-------------------------------------------------------------------------------------------------

-- Packed value types: one layout (src/core/scoring/packed.hpp), text form tag(ints;doubles) with
-- shortest round-trip doubles (exact; the Citus wire format), every input validated (22P02/22P03).
CREATE TYPE c360.logit_model;
CREATE FUNCTION c360.logit_model_in(pg_catalog.cstring) RETURNS c360.logit_model
    AS 'MODULE_PATHNAME', 'c360_logit_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.logit_model_out(c360.logit_model) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_logit_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.logit_model_recv(pg_catalog.internal) RETURNS c360.logit_model
    AS 'MODULE_PATHNAME', 'c360_logit_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.logit_model_send(c360.logit_model) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_logit_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.logit_model (
    INTERNALLENGTH = VARIABLE, INPUT = c360.logit_model_in, OUTPUT = c360.logit_model_out,
    RECEIVE = c360.logit_model_recv, SEND = c360.logit_model_send, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE c360.logit_model IS
    'A logistic regression model (coefficients, standard errors, fit statistics, feature centring/scaling); storable in tables';

CREATE TYPE c360.logit_rows;
CREATE FUNCTION c360.logit_rows_in(pg_catalog.cstring) RETURNS c360.logit_rows
    AS 'MODULE_PATHNAME', 'c360_logit_rows_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.logit_rows_out(c360.logit_rows) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_logit_rows_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.logit_rows_recv(pg_catalog.internal) RETURNS c360.logit_rows
    AS 'MODULE_PATHNAME', 'c360_logit_rows_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.logit_rows_send(c360.logit_rows) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_logit_rows_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.logit_rows (
    INTERNALLENGTH = VARIABLE, INPUT = c360.logit_rows_in, OUTPUT = c360.logit_rows_out,
    RECEIVE = c360.logit_rows_recv, SEND = c360.logit_rows_send, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE c360.logit_rows IS 'State of c360.logit_fit: the training rows of a group (label, features)';

CREATE TYPE c360.logit_stats;
CREATE FUNCTION c360.logit_stats_in(pg_catalog.cstring) RETURNS c360.logit_stats
    AS 'MODULE_PATHNAME', 'c360_logit_stats_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.logit_stats_out(c360.logit_stats) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_logit_stats_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.logit_stats_recv(pg_catalog.internal) RETURNS c360.logit_stats
    AS 'MODULE_PATHNAME', 'c360_logit_stats_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.logit_stats_send(c360.logit_stats) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_logit_stats_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.logit_stats (
    INTERNALLENGTH = VARIABLE, INPUT = c360.logit_stats_in, OUTPUT = c360.logit_stats_out,
    RECEIVE = c360.logit_stats_recv, SEND = c360.logit_stats_send, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE c360.logit_stats IS
    'State of c360.logit_step: fixed-size sufficient statistics of one Newton pass (X''WX, gradient, log-likelihood)';

CREATE TYPE c360.score_sample;
CREATE FUNCTION c360.score_sample_in(pg_catalog.cstring) RETURNS c360.score_sample
    AS 'MODULE_PATHNAME', 'c360_score_sample_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.score_sample_out(c360.score_sample) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_score_sample_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.score_sample_recv(pg_catalog.internal) RETURNS c360.score_sample
    AS 'MODULE_PATHNAME', 'c360_score_sample_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.score_sample_send(c360.score_sample) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_score_sample_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.score_sample (
    INTERNALLENGTH = VARIABLE, INPUT = c360.score_sample_in, OUTPUT = c360.score_sample_out,
    RECEIVE = c360.score_sample_recv, SEND = c360.score_sample_send, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE c360.score_sample IS 'State of c360.auc and c360.gains: every (score, label) pair';

CREATE TYPE c360.score_bins;
CREATE FUNCTION c360.score_bins_in(pg_catalog.cstring) RETURNS c360.score_bins
    AS 'MODULE_PATHNAME', 'c360_score_bins_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.score_bins_out(c360.score_bins) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_score_bins_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.score_bins_recv(pg_catalog.internal) RETURNS c360.score_bins
    AS 'MODULE_PATHNAME', 'c360_score_bins_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.score_bins_send(c360.score_bins) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_score_bins_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.score_bins (
    INTERNALLENGTH = VARIABLE, INPUT = c360.score_bins_in, OUTPUT = c360.score_bins_out,
    RECEIVE = c360.score_bins_recv, SEND = c360.score_bins_send, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE c360.score_bins IS 'State of c360.log_loss, c360.brier and c360.calibration (fixed size)';

-- Training options ------------------------------------------------------------------------------
CREATE TYPE c360.logit_options AS (
    intercept      pg_catalog.bool,   -- add an intercept term (default true)
    l2             pg_catalog.float8, -- ridge penalty l2/2 * sum(beta_j^2), intercept not penalised (default 0)
    max_iterations pg_catalog.int4,   -- Newton iterations at most (default 100)
    tolerance      pg_catalog.float8, -- stop when the Newton decrement / (|objective| + 0.1) <= tolerance (1e-18)
    standardize    pg_catalog.bool    -- centre and scale the features, kept in the model (default false)
);
CREATE FUNCTION c360.logit_options(intercept pg_catalog.bool DEFAULT true, l2 pg_catalog.float8 DEFAULT 0,
                                   max_iterations pg_catalog.int4 DEFAULT 100,
                                   tolerance pg_catalog.float8 DEFAULT 1e-18,
                                   standardize pg_catalog.bool DEFAULT false)
    RETURNS c360.logit_options
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ROW(intercept, l2, max_iterations, tolerance, standardize)::c360.logit_options;
COMMENT ON FUNCTION c360.logit_options(pg_catalog.bool, pg_catalog.float8, pg_catalog.int4, pg_catalog.float8,
                                       pg_catalog.bool) IS 'Training options of c360.logit_fit / c360.logit_train';

-- c360.logit_fit: the aggregate (rows of a group kept in memory, Newton in the final function) ---
CREATE FUNCTION c360.logit_fit_add(state c360.logit_rows, y pg_catalog.bool, x pg_catalog.float8[])
    RETURNS c360.logit_rows AS 'MODULE_PATHNAME', 'c360_logit_fit_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.logit_fit_add(state c360.logit_rows, y pg_catalog.bool, x pg_catalog.float8[],
                                   options c360.logit_options)
    RETURNS c360.logit_rows AS 'MODULE_PATHNAME', 'c360_logit_fit_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.logit_rows_merge(a c360.logit_rows, b c360.logit_rows) RETURNS c360.logit_rows
    AS 'MODULE_PATHNAME', 'c360_logit_rows_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.logit_fit_final(state c360.logit_rows) RETURNS c360.logit_model
    AS 'MODULE_PATHNAME', 'c360_logit_fit_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE c360.logit_fit(y pg_catalog.bool, x pg_catalog.float8[]) (
    SFUNC = c360.logit_fit_add, STYPE = c360.logit_rows, FINALFUNC = c360.logit_fit_final,
    COMBINEFUNC = c360.logit_rows_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.logit_fit(pg_catalog.bool, pg_catalog.float8[]) IS
    'Logistic regression of y on x (intercept added): Newton/IRLS, rows with a NULL label or NULL/NaN feature skipped';
CREATE AGGREGATE c360.logit_fit(y pg_catalog.bool, x pg_catalog.float8[], options c360.logit_options) (
    SFUNC = c360.logit_fit_add, STYPE = c360.logit_rows, FINALFUNC = c360.logit_fit_final,
    COMBINEFUNC = c360.logit_rows_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.logit_fit(pg_catalog.bool, pg_catalog.float8[], c360.logit_options) IS
    'Logistic regression of y on x with options (intercept, L2 penalty, iterations, tolerance, standardisation)';

-- The iterated path: fixed-size statistics per pass, driven to convergence by c360.logit_train --
CREATE FUNCTION c360.logit_start(options c360.logit_options DEFAULT c360.logit_options())
    RETURNS c360.logit_model AS 'MODULE_PATHNAME', 'c360_logit_start'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_start(c360.logit_options) IS 'An untrained model: the first iterate of c360.logit_train';

CREATE FUNCTION c360.logit_step_add(state c360.logit_stats, y pg_catalog.bool, x pg_catalog.float8[],
                                    model c360.logit_model)
    RETURNS c360.logit_stats AS 'MODULE_PATHNAME', 'c360_logit_step_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.logit_stats_merge(a c360.logit_stats, b c360.logit_stats) RETURNS c360.logit_stats
    AS 'MODULE_PATHNAME', 'c360_logit_stats_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE c360.logit_step(y pg_catalog.bool, x pg_catalog.float8[], model c360.logit_model) (
    SFUNC = c360.logit_step_add, STYPE = c360.logit_stats, COMBINEFUNC = c360.logit_stats_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.logit_step(pg_catalog.bool, pg_catalog.float8[], c360.logit_model) IS
    'One Newton pass at the model''s current coefficients: X''WX, gradient and log-likelihood (model constant per group)';
CREATE AGGREGATE c360.logit_stats_rollup(c360.logit_stats) (
    SFUNC = c360.logit_stats_merge, STYPE = c360.logit_stats, COMBINEFUNC = c360.logit_stats_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.logit_stats_rollup(c360.logit_stats) IS 'Merges c360.logit_stats of one pass (per shard, per partition)';

CREATE FUNCTION c360.logit_update(model c360.logit_model, stats c360.logit_stats) RETURNS c360.logit_model
    AS 'MODULE_PATHNAME', 'c360_logit_update' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_update(c360.logit_model, c360.logit_stats) IS
    'The model after one pass: a Newton step, or the final model with standard errors when converged';
CREATE FUNCTION c360.logit_done(model c360.logit_model) RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'c360_logit_done' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_done(c360.logit_model) IS 'true once the model is trained (converged or out of iterations)';

CREATE FUNCTION c360.logit_train(source pg_catalog.text, label pg_catalog.text, features pg_catalog.text,
                                 options c360.logit_options DEFAULT c360.logit_options())
    RETURNS c360.logit_model
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $function$
DECLARE
    rel pg_catalog.text;
    query pg_catalog.text;
    model c360.logit_model;
    stats c360.logit_stats;
    passes pg_catalog.int4 := 0;
BEGIN
    IF source IS NULL OR label IS NULL OR features IS NULL OR options IS NULL THEN
        RAISE EXCEPTION 'c360.logit_train: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    -- a table or view name, or a query
    IF source ~* '^\s*(select|with|values|table)\M' OR source ~ '^\s*\(' THEN
        rel := '(' || source || ')';
    ELSE
        rel := source::pg_catalog.regclass::pg_catalog.text;
    END IF;
    query := pg_catalog.format('SELECT c360.logit_step((%s)::pg_catalog.bool, (%s)::pg_catalog.float8[], $1) FROM %s AS c360_source',
                               label, features, rel);
    model := c360.logit_start(options);
    LOOP
        EXECUTE query INTO stats USING model;
        model := c360.logit_update(model, stats);
        passes := passes + 1;
        EXIT WHEN c360.logit_done(model);
        IF passes > (options).max_iterations + 2 THEN
            RAISE EXCEPTION 'c360.logit_train: no convergence after % passes', passes USING ERRCODE = 'XX000';
        END IF;
    END LOOP;
    RETURN model;
END
$function$;
COMMENT ON FUNCTION c360.logit_train(pg_catalog.text, pg_catalog.text, pg_catalog.text, c360.logit_options) IS
    'Logistic regression over a table, view or query of any size: one parallel-safe aggregate pass per Newton step';

-- Scoring and reporting ---------------------------------------------------------------------------
CREATE FUNCTION c360.logit_predict(model c360.logit_model, x pg_catalog.float8[]) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_logit_predict' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_predict(c360.logit_model, pg_catalog.float8[]) IS
    'Probability that y is true for features x (NULL if x has a NULL or NaN); x must have the model''s length';
CREATE FUNCTION c360.logit_coef(model c360.logit_model) RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_logit_coef' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_coef(c360.logit_model) IS 'Coefficients, intercept first (scaled features when standardised)';

CREATE TYPE c360.logit_info AS (
    features pg_catalog.int4, intercept pg_catalog.bool, standardized pg_catalog.bool, l2 pg_catalog.float8,
    status pg_catalog.text, converged pg_catalog.bool, iterations pg_catalog.int4,
    n_used pg_catalog.int8, n_skipped pg_catalog.int8, n_positive pg_catalog.int8,
    log_likelihood pg_catalog.float8, null_deviance pg_catalog.float8, deviance pg_catalog.float8,
    aic pg_catalog.float8, condition_number pg_catalog.float8, n_aliased pg_catalog.int4, warnings pg_catalog.text
);
CREATE FUNCTION c360.logit_info(model c360.logit_model) RETURNS c360.logit_info
    AS 'MODULE_PATHNAME', 'c360_logit_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_info(c360.logit_model) IS
    'Model-level statistics: log-likelihood, deviances, AIC, iterations, rows used/skipped, condition number, warnings';

CREATE FUNCTION c360.logit_terms(model c360.logit_model, names pg_catalog.text[] DEFAULT NULL)
    RETURNS TABLE (term_no pg_catalog.int4, term pg_catalog.text, coef pg_catalog.float8, std_err pg_catalog.float8,
                   z pg_catalog.float8, p_value pg_catalog.float8, odds_ratio pg_catalog.float8,
                   odds_ratio_lower pg_catalog.float8, odds_ratio_upper pg_catalog.float8, aliased pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'c360_logit_terms' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION c360.logit_terms(c360.logit_model, pg_catalog.text[]) IS
    'One row per coefficient: estimate, standard error, Wald z and p-value, odds ratio and its 95% CI';

CREATE FUNCTION c360.logit_summary(model c360.logit_model, names pg_catalog.text[] DEFAULT NULL)
    RETURNS TABLE (term_no pg_catalog.int4, term pg_catalog.text, coef pg_catalog.float8, std_err pg_catalog.float8,
                   z pg_catalog.float8, p_value pg_catalog.float8, odds_ratio pg_catalog.float8,
                   odds_ratio_lower pg_catalog.float8, odds_ratio_upper pg_catalog.float8, aliased pg_catalog.bool,
                   log_likelihood pg_catalog.float8, null_deviance pg_catalog.float8, deviance pg_catalog.float8,
                   aic pg_catalog.float8, iterations pg_catalog.int4, converged pg_catalog.bool,
                   n_used pg_catalog.int8, n_skipped pg_catalog.int8, condition_number pg_catalog.float8)
    LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 20
BEGIN ATOMIC
    SELECT t.term_no, t.term, t.coef, t.std_err, t.z, t.p_value, t.odds_ratio, t.odds_ratio_lower,
           t.odds_ratio_upper, t.aliased, (i).log_likelihood, (i).null_deviance, (i).deviance, (i).aic,
           (i).iterations, (i).converged, (i).n_used, (i).n_skipped, (i).condition_number
    FROM c360.logit_terms(model, names) AS t, c360.logit_info(model) AS i
    ORDER BY t.term_no;
END;
COMMENT ON FUNCTION c360.logit_summary(c360.logit_model, pg_catalog.text[]) IS
    'R-style summary: one row per term (coefficient, SE, z, p, odds ratio and 95% CI) with the model-level statistics';

-- Feature helpers ---------------------------------------------------------------------------------
CREATE FUNCTION c360.one_hot(value pg_catalog.text, vocabulary pg_catalog.text[], drop_first pg_catalog.bool DEFAULT true)
    RETURNS pg_catalog.float8[] AS 'MODULE_PATHNAME', 'c360_one_hot'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.one_hot(pg_catalog.text, pg_catalog.text[], pg_catalog.bool) IS
    'Indicator encoding of a categorical value against a stored vocabulary (first entry = reference level when drop_first)';
CREATE FUNCTION c360.one_hot_names(prefix pg_catalog.text, vocabulary pg_catalog.text[],
                                   drop_first pg_catalog.bool DEFAULT true)
    RETURNS pg_catalog.text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN ARRAY(SELECT prefix || '=' || v FROM pg_catalog.unnest(vocabulary) WITH ORDINALITY AS u(v, i)
                 WHERE NOT drop_first OR i > 1 ORDER BY i);
COMMENT ON FUNCTION c360.one_hot_names(pg_catalog.text, pg_catalog.text[], pg_catalog.bool) IS
    'Term names matching c360.one_hot (for c360.logit_summary)';

-- Evaluation aggregates ---------------------------------------------------------------------------
CREATE FUNCTION c360.score_sample_add(state c360.score_sample, score pg_catalog.float8, label pg_catalog.bool)
    RETURNS c360.score_sample AS 'MODULE_PATHNAME', 'c360_score_sample_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.score_sample_add(state c360.score_sample, score pg_catalog.float8, label pg_catalog.bool,
                                      bins pg_catalog.int4)
    RETURNS c360.score_sample AS 'MODULE_PATHNAME', 'c360_score_sample_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.score_sample_merge(a c360.score_sample, b c360.score_sample) RETURNS c360.score_sample
    AS 'MODULE_PATHNAME', 'c360_score_sample_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.auc_final(state c360.score_sample) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_auc_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE c360.auc(score pg_catalog.float8, label pg_catalog.bool) (
    SFUNC = c360.score_sample_add, STYPE = c360.score_sample, FINALFUNC = c360.auc_final,
    COMBINEFUNC = c360.score_sample_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.auc(pg_catalog.float8, pg_catalog.bool) IS
    'Exact ROC AUC: P(score of a positive > score of a negative), ties count 1/2 (Mann-Whitney U / n1 n0)';

CREATE TYPE c360.gain_row AS (
    bin pg_catalog.int4, customers pg_catalog.int8, responders pg_catalog.int8, response_rate pg_catalog.float8,
    lift pg_catalog.float8, cumulative_customers pg_catalog.int8, cumulative_responders pg_catalog.int8,
    cumulative_response_rate pg_catalog.float8, cumulative_lift pg_catalog.float8, cumulative_gain pg_catalog.float8,
    min_score pg_catalog.float8, max_score pg_catalog.float8
);
CREATE FUNCTION c360.gains_final(state c360.score_sample) RETURNS c360.gain_row[]
    AS 'MODULE_PATHNAME', 'c360_gains_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE c360.gains(score pg_catalog.float8, label pg_catalog.bool, bins pg_catalog.int4) (
    SFUNC = c360.score_sample_add, STYPE = c360.score_sample, FINALFUNC = c360.gains_final,
    COMBINEFUNC = c360.score_sample_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.gains(pg_catalog.float8, pg_catalog.bool, pg_catalog.int4) IS
    'Gains / lift table: customers sorted by score (descending) cut like ntile(bins); unnest() the result';

CREATE FUNCTION c360.log_loss_add(state c360.score_bins, score pg_catalog.float8, label pg_catalog.bool)
    RETURNS c360.score_bins AS 'MODULE_PATHNAME', 'c360_log_loss_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.brier_add(state c360.score_bins, score pg_catalog.float8, label pg_catalog.bool)
    RETURNS c360.score_bins AS 'MODULE_PATHNAME', 'c360_brier_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.calibration_add(state c360.score_bins, score pg_catalog.float8, label pg_catalog.bool,
                                     bins pg_catalog.int4)
    RETURNS c360.score_bins AS 'MODULE_PATHNAME', 'c360_calibration_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.score_bins_merge(a c360.score_bins, b c360.score_bins) RETURNS c360.score_bins
    AS 'MODULE_PATHNAME', 'c360_score_bins_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.score_bins_mean(state c360.score_bins) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_score_bins_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE c360.log_loss(score pg_catalog.float8, label pg_catalog.bool) (
    SFUNC = c360.log_loss_add, STYPE = c360.score_bins, FINALFUNC = c360.score_bins_mean,
    COMBINEFUNC = c360.score_bins_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.log_loss(pg_catalog.float8, pg_catalog.bool) IS
    'Mean negative log-likelihood of probabilities (clipped to [1e-15, 1 - 1e-15])';
CREATE AGGREGATE c360.brier(score pg_catalog.float8, label pg_catalog.bool) (
    SFUNC = c360.brier_add, STYPE = c360.score_bins, FINALFUNC = c360.score_bins_mean,
    COMBINEFUNC = c360.score_bins_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.brier(pg_catalog.float8, pg_catalog.bool) IS 'Brier score: mean of (probability - label)^2';

CREATE TYPE c360.calibration_row AS (
    bin pg_catalog.int4, lower_bound pg_catalog.float8, upper_bound pg_catalog.float8, customers pg_catalog.int8,
    responders pg_catalog.int8, mean_score pg_catalog.float8, observed_rate pg_catalog.float8
);
CREATE FUNCTION c360.calibration_final(state c360.score_bins) RETURNS c360.calibration_row[]
    AS 'MODULE_PATHNAME', 'c360_calibration_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE AGGREGATE c360.calibration(score pg_catalog.float8, label pg_catalog.bool, bins pg_catalog.int4) (
    SFUNC = c360.calibration_add, STYPE = c360.score_bins, FINALFUNC = c360.calibration_final,
    COMBINEFUNC = c360.score_bins_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.calibration(pg_catalog.float8, pg_catalog.bool, pg_catalog.int4) IS
    'Calibration table: equal-width probability bins with mean predicted score and observed rate; unnest() the result';

-------------------------------------------------------------------------------------------------
-- Campaign measurement (docs/uplift.md): stable assignment, lift statistics, planning, ROI,
-- uplift-model evaluation. Math in src/core/uplift, glue in src/pg/uplift_pg.cpp.
-------------------------------------------------------------------------------------------------

CREATE FUNCTION c360.hash_bucket(salt pg_catalog.text, id pg_catalog.text, version pg_catalog.int4 DEFAULT 2)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_hash_bucket'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.hash_bucket(pg_catalog.text, pg_catalog.text, pg_catalog.int4) IS
    'GrowthBook-compatible bucket in [0, 1): v2 = fnv1a32(decimal(fnv1a32(salt || id))) mod 10000 / 10000 over UTF-16 code units';

CREATE FUNCTION c360.assign_group(customer_id pg_catalog.text, salt pg_catalog.text, control_share pg_catalog.float8)
    RETURNS pg_catalog.text AS 'MODULE_PATHNAME', 'c360_assign_group'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.assign_group(pg_catalog.text, pg_catalog.text, pg_catalog.float8) IS
    'Stable control/treatment assignment: ''control'' when c360.hash_bucket(salt, customer_id) < control_share';

CREATE FUNCTION c360.assign_arm(customer_id pg_catalog.text, salt pg_catalog.text, arms pg_catalog.text[],
                                weights pg_catalog.float8[])
    RETURNS pg_catalog.text AS 'MODULE_PATHNAME', 'c360_assign_arm'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.assign_arm(pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.float8[]) IS
    'Stable multi-arm assignment: the arm whose cumulative weight range holds the bucket (weights must sum to 1)';

-- Two-arm sufficient statistics (Welford moments per arm): fixed 120 bytes, exact text form.
CREATE TYPE c360.ab_state;
CREATE FUNCTION c360.ab_state_in(pg_catalog.cstring) RETURNS c360.ab_state
    AS 'MODULE_PATHNAME', 'c360_ab_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.ab_state_out(c360.ab_state) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_ab_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.ab_state_recv(pg_catalog.internal) RETURNS c360.ab_state
    AS 'MODULE_PATHNAME', 'c360_ab_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.ab_state_send(c360.ab_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_ab_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.ab_state (
    INTERNALLENGTH = 120,
    INPUT = c360.ab_state_in,
    OUTPUT = c360.ab_state_out,
    RECEIVE = c360.ab_state_recv,
    SEND = c360.ab_state_send,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE c360.ab_state IS 'Partial state of the lift aggregates: per-arm count, means, co-moments';

CREATE TYPE c360.lift_binary_result AS (
    n_control pg_catalog.int8, n_treatment pg_catalog.int8,
    conversions_control pg_catalog.int8, conversions_treatment pg_catalog.int8,
    rate_control pg_catalog.float8, rate_treatment pg_catalog.float8,
    abs_lift pg_catalog.float8,          -- rate_treatment - rate_control
    rel_lift pg_catalog.float8,          -- rate_treatment / rate_control - 1
    z pg_catalog.float8, p_value pg_catalog.float8,             -- pooled two-proportion z test, two-sided
    wald_lower pg_catalog.float8, wald_upper pg_catalog.float8, -- CI of abs_lift, unpooled SE
    newcombe_lower pg_catalog.float8, newcombe_upper pg_catalog.float8, -- Newcombe-Wilson (method 10)
    rel_lower pg_catalog.float8, rel_upper pg_catalog.float8, rel_p_value pg_catalog.float8, -- delta method
    incremental_conversions pg_catalog.float8,                  -- n_treatment x abs_lift
    incremental_lower pg_catalog.float8, incremental_upper pg_catalog.float8, -- n_treatment x Newcombe limits
    confidence pg_catalog.float8,
    skipped pg_catalog.int8              -- rows with a NULL group or outcome
);
CREATE TYPE c360.lift_mean_result AS (
    n_control pg_catalog.int8, n_treatment pg_catalog.int8,
    mean_control pg_catalog.float8, mean_treatment pg_catalog.float8,
    sd_control pg_catalog.float8, sd_treatment pg_catalog.float8,
    diff pg_catalog.float8,              -- mean_treatment - mean_control (CUPED-adjusted for lift_cuped)
    std_err pg_catalog.float8, t pg_catalog.float8, df pg_catalog.float8, p_value pg_catalog.float8, -- Welch
    lower pg_catalog.float8, upper pg_catalog.float8,
    rel_lift pg_catalog.float8, rel_lower pg_catalog.float8, rel_upper pg_catalog.float8,
    rel_p_value pg_catalog.float8,       -- diff / mean_control, delta method
    incremental_total pg_catalog.float8, -- n_treatment x diff (e.g. incremental revenue)
    incremental_lower pg_catalog.float8, incremental_upper pg_catalog.float8,
    theta pg_catalog.float8,             -- CUPED coefficient (lift_cuped only)
    variance_reduction pg_catalog.float8, -- 1 - Var(adjusted diff) / Var(raw diff) (lift_cuped only)
    confidence pg_catalog.float8,
    skipped pg_catalog.int8
);

CREATE FUNCTION c360.ab_add_binary(state c360.ab_state, treated pg_catalog.bool, converted pg_catalog.bool)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_binary'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.ab_add_binary(state c360.ab_state, treated pg_catalog.bool, converted pg_catalog.bool,
                                   confidence pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_binary'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.ab_add_mean(state c360.ab_state, treated pg_catalog.bool, value pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_mean'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.ab_add_mean(state c360.ab_state, treated pg_catalog.bool, value pg_catalog.float8,
                                 confidence pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_mean'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.ab_add_cuped(state c360.ab_state, treated pg_catalog.bool, value pg_catalog.float8,
                                  pre_value pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_cuped'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.ab_add_cuped(state c360.ab_state, treated pg_catalog.bool, value pg_catalog.float8,
                                  pre_value pg_catalog.float8, confidence pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_cuped'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.ab_merge(a c360.ab_state, b c360.ab_state) RETURNS c360.ab_state
    AS 'MODULE_PATHNAME', 'c360_ab_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.lift_binary_final(state c360.ab_state) RETURNS c360.lift_binary_result
    AS 'MODULE_PATHNAME', 'c360_lift_binary_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.lift_mean_final(state c360.ab_state) RETURNS c360.lift_mean_result
    AS 'MODULE_PATHNAME', 'c360_lift_mean_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.lift_cuped_final(state c360.ab_state) RETURNS c360.lift_mean_result
    AS 'MODULE_PATHNAME', 'c360_lift_cuped_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE c360.lift_binary(treated pg_catalog.bool, converted pg_catalog.bool) (
    SFUNC = c360.ab_add_binary, STYPE = c360.ab_state, FINALFUNC = c360.lift_binary_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
CREATE AGGREGATE c360.lift_binary(treated pg_catalog.bool, converted pg_catalog.bool, confidence pg_catalog.float8) (
    SFUNC = c360.ab_add_binary, STYPE = c360.ab_state, FINALFUNC = c360.lift_binary_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.lift_binary(pg_catalog.bool, pg_catalog.bool) IS
    'Conversion lift of treatment (true) over control (false): rates, z test, Wald and Newcombe CIs, relative lift (95 %)';
CREATE AGGREGATE c360.lift_mean(treated pg_catalog.bool, value pg_catalog.float8) (
    SFUNC = c360.ab_add_mean, STYPE = c360.ab_state, FINALFUNC = c360.lift_mean_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
CREATE AGGREGATE c360.lift_mean(treated pg_catalog.bool, value pg_catalog.float8, confidence pg_catalog.float8) (
    SFUNC = c360.ab_add_mean, STYPE = c360.ab_state, FINALFUNC = c360.lift_mean_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.lift_mean(pg_catalog.bool, pg_catalog.float8) IS
    'Difference of means (spend, basket) treatment - control: Welch t test, CI, relative lift, incremental total (95 %)';
CREATE AGGREGATE c360.lift_cuped(treated pg_catalog.bool, value pg_catalog.float8, pre_value pg_catalog.float8) (
    SFUNC = c360.ab_add_cuped, STYPE = c360.ab_state, FINALFUNC = c360.lift_cuped_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
CREATE AGGREGATE c360.lift_cuped(treated pg_catalog.bool, value pg_catalog.float8, pre_value pg_catalog.float8,
                                 confidence pg_catalog.float8) (
    SFUNC = c360.ab_add_cuped, STYPE = c360.ab_state, FINALFUNC = c360.lift_cuped_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.lift_cuped(pg_catalog.bool, pg_catalog.float8, pg_catalog.float8) IS
    'c360.lift_mean with CUPED variance reduction on a pre-period covariate (theta from the pooled arms)';

CREATE TYPE c360.srm_result AS (chi2 pg_catalog.float8, df pg_catalog.int4, p_value pg_catalog.float8);
CREATE FUNCTION c360.srm_test(observed pg_catalog.int8[], weights pg_catalog.float8[] DEFAULT NULL)
    RETURNS c360.srm_result AS 'MODULE_PATHNAME', 'c360_srm_test'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.srm_test(pg_catalog.int8[], pg_catalog.float8[]) IS
    'Sample ratio mismatch: chi-square goodness of fit of the arm sizes against the designed weights (equal when NULL)';

CREATE FUNCTION c360.sample_size(baseline pg_catalog.float8, mde pg_catalog.float8,
                                 alpha pg_catalog.float8 DEFAULT 0.05, power pg_catalog.float8 DEFAULT 0.8,
                                 ratio pg_catalog.float8 DEFAULT 1)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_sample_size'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.sample_size(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Control-arm size to detect an absolute change mde of a baseline rate (two-sided; treatment arm = ratio x control); round up';
CREATE FUNCTION c360.power(baseline pg_catalog.float8, mde pg_catalog.float8, n_control pg_catalog.float8,
                           alpha pg_catalog.float8 DEFAULT 0.05, ratio pg_catalog.float8 DEFAULT 1)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_power'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.power(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Power of a two-sided test of proportions with n_control (and ratio x n_control treated) for an absolute change mde';
CREATE FUNCTION c360.mde(baseline pg_catalog.float8, n_control pg_catalog.float8,
                         alpha pg_catalog.float8 DEFAULT 0.05, power pg_catalog.float8 DEFAULT 0.8,
                         ratio pg_catalog.float8 DEFAULT 1)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_mde'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.mde(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Minimum detectable absolute increase of a baseline rate for a design (NULL when even a rate of 1 is not detectable)';

CREATE TYPE c360.roi_result AS (
    incremental_revenue pg_catalog.float8, revenue_lower pg_catalog.float8, revenue_upper pg_catalog.float8,
    cost pg_catalog.float8, margin pg_catalog.float8,
    roi pg_catalog.float8, roi_lower pg_catalog.float8, roi_upper pg_catalog.float8
);
CREATE FUNCTION c360.campaign_roi(result c360.lift_mean_result, cost pg_catalog.float8,
                                  margin pg_catalog.float8 DEFAULT 1)
    RETURNS c360.roi_result LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF cost IS NULL OR NOT (cost > 0) OR cost = 'Infinity' THEN
        RAISE EXCEPTION 'c360.campaign_roi: cost must be a positive finite amount' USING ERRCODE = '22023';
    END IF;
    IF NOT (margin >= 0 AND margin <= 1) THEN
        RAISE EXCEPTION 'c360.campaign_roi: margin must be a share between 0 and 1' USING ERRCODE = '22023';
    END IF;
    RETURN ROW(result.incremental_total, result.incremental_lower, result.incremental_upper, cost, margin,
               (result.incremental_total * margin - cost) / cost,
               (result.incremental_lower * margin - cost) / cost,
               (result.incremental_upper * margin - cost) / cost)::c360.roi_result;
END
$function$;
COMMENT ON FUNCTION c360.campaign_roi(c360.lift_mean_result, pg_catalog.float8, pg_catalog.float8) IS
    'ROI = (incremental revenue x margin - cost) / cost, with the interval carried from the revenue CI';

-- The rows behind the uplift curves: (score, treated, converted) triples, exact text form.
CREATE TYPE c360.uplift_sample;
CREATE FUNCTION c360.uplift_sample_in(pg_catalog.cstring) RETURNS c360.uplift_sample
    AS 'MODULE_PATHNAME', 'c360_uplift_sample_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_sample_out(c360.uplift_sample) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_uplift_sample_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.uplift_sample (
    INTERNALLENGTH = VARIABLE,
    INPUT = c360.uplift_sample_in,
    OUTPUT = c360.uplift_sample_out,
    ALIGNMENT = double,
    STORAGE = extended
);
CREATE FUNCTION c360.uplift_add(state c360.uplift_sample, score pg_catalog.float8, treated pg_catalog.bool,
                                converted pg_catalog.bool)
    RETURNS c360.uplift_sample AS 'MODULE_PATHNAME', 'c360_uplift_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_add(state c360.uplift_sample, score pg_catalog.float8, treated pg_catalog.bool,
                                converted pg_catalog.bool, k pg_catalog.float8)
    RETURNS c360.uplift_sample AS 'MODULE_PATHNAME', 'c360_uplift_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_add(state c360.uplift_sample, score pg_catalog.float8, treated pg_catalog.bool,
                                converted pg_catalog.bool, n pg_catalog.int4)
    RETURNS c360.uplift_sample AS 'MODULE_PATHNAME', 'c360_uplift_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_merge(a c360.uplift_sample, b c360.uplift_sample) RETURNS c360.uplift_sample
    AS 'MODULE_PATHNAME', 'c360_uplift_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.qini_auc_final(state c360.uplift_sample) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_qini_auc_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_auc_final(state c360.uplift_sample) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_uplift_auc_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_at_k_final(state c360.uplift_sample) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_uplift_at_k_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE c360.uplift_bin AS (
    bin pg_catalog.int4, n_treatment pg_catalog.float8, n_control pg_catalog.float8,
    conversions_treatment pg_catalog.float8, conversions_control pg_catalog.float8,
    rate_treatment pg_catalog.float8, rate_control pg_catalog.float8,
    uplift pg_catalog.float8, std_err pg_catalog.float8, customers pg_catalog.float8
);
CREATE TYPE c360.uplift_point AS (
    point pg_catalog.int4, share pg_catalog.float8, customers pg_catalog.float8,
    n_treatment pg_catalog.float8, n_control pg_catalog.float8,
    conversions_treatment pg_catalog.float8, conversions_control pg_catalog.float8,
    qini pg_catalog.float8, uplift_gain pg_catalog.float8, random_qini pg_catalog.float8
);
CREATE FUNCTION c360.uplift_by_percentile_final(state c360.uplift_sample) RETURNS c360.uplift_bin[]
    AS 'MODULE_PATHNAME', 'c360_uplift_by_percentile_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_curve_final(state c360.uplift_sample) RETURNS c360.uplift_point[]
    AS 'MODULE_PATHNAME', 'c360_uplift_curve_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE c360.qini_auc(score pg_catalog.float8, treated pg_catalog.bool, converted pg_catalog.bool) (
    SFUNC = c360.uplift_add, STYPE = c360.uplift_sample, FINALFUNC = c360.qini_auc_final,
    COMBINEFUNC = c360.uplift_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.qini_auc(pg_catalog.float8, pg_catalog.bool, pg_catalog.bool) IS
    'Normalised area under the Qini curve (scikit-uplift qini_auc_score, negative effects allowed)';
CREATE AGGREGATE c360.uplift_auc(score pg_catalog.float8, treated pg_catalog.bool, converted pg_catalog.bool) (
    SFUNC = c360.uplift_add, STYPE = c360.uplift_sample, FINALFUNC = c360.uplift_auc_final,
    COMBINEFUNC = c360.uplift_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.uplift_auc(pg_catalog.float8, pg_catalog.bool, pg_catalog.bool) IS
    'Normalised area under the uplift curve (scikit-uplift uplift_auc_score)';
CREATE AGGREGATE c360.uplift_at_k(score pg_catalog.float8, treated pg_catalog.bool, converted pg_catalog.bool,
                                  k pg_catalog.float8) (
    SFUNC = c360.uplift_add, STYPE = c360.uplift_sample, FINALFUNC = c360.uplift_at_k_final,
    COMBINEFUNC = c360.uplift_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.uplift_at_k(pg_catalog.float8, pg_catalog.bool, pg_catalog.bool, pg_catalog.float8) IS
    'Treated minus control conversion rate among the top k share of scores (NULL when a group is absent there)';
CREATE AGGREGATE c360.uplift_by_percentile(score pg_catalog.float8, treated pg_catalog.bool,
                                           converted pg_catalog.bool, bins pg_catalog.int4) (
    SFUNC = c360.uplift_add, STYPE = c360.uplift_sample, FINALFUNC = c360.uplift_by_percentile_final,
    COMBINEFUNC = c360.uplift_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.uplift_by_percentile(pg_catalog.float8, pg_catalog.bool, pg_catalog.bool, pg_catalog.int4) IS
    'Response rates of treated and control and their difference per score bin (bin 1 = highest scores)';
CREATE AGGREGATE c360.uplift_curve(score pg_catalog.float8, treated pg_catalog.bool, converted pg_catalog.bool,
                                   points pg_catalog.int4) (
    SFUNC = c360.uplift_add, STYPE = c360.uplift_sample, FINALFUNC = c360.uplift_curve_final,
    COMBINEFUNC = c360.uplift_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.uplift_curve(pg_catalog.float8, pg_catalog.bool, pg_catalog.bool, pg_catalog.int4) IS
    'Qini and uplift (cumulative gain) curves at points + 1 evenly spaced cut-offs, with the random Qini line';

-------------------------------------------------------------------------------------------------
-- Lifetime value (docs/ltv.md): BTYD summaries, BG/NBD, Pareto/NBD and Gamma-Gamma fitted by
-- aggregate, per-customer predictions and CLV. Math in src/core/clv, glue in src/pg/clv_pg.cpp.
-------------------------------------------------------------------------------------------------

-- Orders -> one row per customer (x, t_x, T in time units, mean repeat value), same-day orders
-- merged (days in the session time zone), orders after calibration_end ignored. Built on c360.rfm.
CREATE FUNCTION c360.btyd_summary(orders pg_catalog.regclass, customer_col pg_catalog.name,
                                  ts_col pg_catalog.name, amount_col pg_catalog.name,
                                  calibration_end pg_catalog.date,
                                  time_unit pg_catalog.interval DEFAULT '7 days')
    RETURNS TABLE (customer_id pg_catalog.text, x pg_catalog.int8, t_x pg_catalog.float8, "T" pg_catalog.float8,
                   mean_value pg_catalog.float8, first_purchase pg_catalog.date, last_purchase pg_catalog.date)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    unit_days float8 := extract(epoch FROM time_unit) / 86400;
BEGIN
    IF orders IS NULL OR customer_col IS NULL OR ts_col IS NULL OR amount_col IS NULL OR calibration_end IS NULL THEN
        RAISE EXCEPTION 'c360.btyd_summary: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF NOT (unit_days > 0) THEN
        RAISE EXCEPTION 'c360.btyd_summary: time_unit must be a positive interval, e.g. ''7 days''' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY EXECUTE format($q$
        SELECT d.cid, (s).frequency - 1, (last_day - first_day) / $2, ($1 - first_day) / $2,
               (s).avg_repeat_value, first_day, last_day
        FROM (SELECT cid, c360.rfm(day, amount, $1) AS s, min(day) AS first_day, max(day) AS last_day
              FROM (SELECT %1$I::text AS cid, %2$I::date AS day, sum(coalesce(%3$I::float8, 0)) AS amount
                    FROM %4$s WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL AND %2$I::date <= $1
                    GROUP BY 1, 2) days
              GROUP BY cid) d
    $q$, customer_col, ts_col, amount_col, orders) USING calibration_end, unit_days;
END
$function$;
COMMENT ON FUNCTION c360.btyd_summary(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name, pg_catalog.date, pg_catalog.interval) IS
    'Per customer: x repeat purchase days, t_x and T in time units (default weeks), mean repeat value, for the BTYD models';

CREATE TYPE c360.clv_sample;
CREATE FUNCTION c360.clv_sample_in(pg_catalog.cstring) RETURNS c360.clv_sample
    AS 'MODULE_PATHNAME', 'c360_clv_sample_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.clv_sample_out(c360.clv_sample) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_clv_sample_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.clv_sample (
    INTERNALLENGTH = VARIABLE, INPUT = c360.clv_sample_in, OUTPUT = c360.clv_sample_out,
    ALIGNMENT = double, STORAGE = extended);
COMMENT ON TYPE c360.clv_sample IS 'Partial state of the lifetime-value fit aggregates: the customers'' summaries';

CREATE TYPE c360.bgnbd_model AS (
    r pg_catalog.float8, alpha pg_catalog.float8, a pg_catalog.float8, b pg_catalog.float8,
    log_likelihood pg_catalog.float8, converged pg_catalog.bool, iterations pg_catalog.int4,
    customers pg_catalog.int8, distinct_summaries pg_catalog.int8);
CREATE TYPE c360.pareto_nbd_model AS (
    r pg_catalog.float8, alpha pg_catalog.float8, s pg_catalog.float8, beta pg_catalog.float8,
    log_likelihood pg_catalog.float8, converged pg_catalog.bool, iterations pg_catalog.int4,
    customers pg_catalog.int8, distinct_summaries pg_catalog.int8);
CREATE TYPE c360.gamma_gamma_model AS (
    p pg_catalog.float8, q pg_catalog.float8, gamma pg_catalog.float8,
    log_likelihood pg_catalog.float8, converged pg_catalog.bool, iterations pg_catalog.int4,
    customers pg_catalog.int8, distinct_summaries pg_catalog.int8);

CREATE FUNCTION c360.bgnbd_add(state c360.clv_sample, x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8)
    RETURNS c360.clv_sample AS 'MODULE_PATHNAME', 'c360_bgnbd_add' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.pareto_nbd_add(state c360.clv_sample, x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8)
    RETURNS c360.clv_sample AS 'MODULE_PATHNAME', 'c360_pnbd_add' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.gamma_gamma_add(state c360.clv_sample, x pg_catalog.float8, mean_value pg_catalog.float8)
    RETURNS c360.clv_sample AS 'MODULE_PATHNAME', 'c360_gg_add' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.clv_merge(a c360.clv_sample, b c360.clv_sample) RETURNS c360.clv_sample
    AS 'MODULE_PATHNAME', 'c360_clv_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.bgnbd_final(state c360.clv_sample) RETURNS c360.bgnbd_model
    AS 'MODULE_PATHNAME', 'c360_bgnbd_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.pareto_nbd_final(state c360.clv_sample) RETURNS c360.pareto_nbd_model
    AS 'MODULE_PATHNAME', 'c360_pnbd_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.gamma_gamma_final(state c360.clv_sample) RETURNS c360.gamma_gamma_model
    AS 'MODULE_PATHNAME', 'c360_gg_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE c360.bgnbd_fit(x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8) (
    SFUNC = c360.bgnbd_add, STYPE = c360.clv_sample, FINALFUNC = c360.bgnbd_final,
    COMBINEFUNC = c360.clv_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.bgnbd_fit(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Maximum-likelihood BG/NBD fit (Fader, Hardie & Lee 2005) on (x, t_x, T) summaries -> c360.bgnbd_model';
CREATE AGGREGATE c360.pareto_nbd_fit(x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8) (
    SFUNC = c360.pareto_nbd_add, STYPE = c360.clv_sample, FINALFUNC = c360.pareto_nbd_final,
    COMBINEFUNC = c360.clv_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.pareto_nbd_fit(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Maximum-likelihood Pareto/NBD fit (log-sum-exp likelihood) on (x, t_x, T) summaries -> c360.pareto_nbd_model';
CREATE AGGREGATE c360.gamma_gamma_fit(x pg_catalog.float8, mean_value pg_catalog.float8) (
    SFUNC = c360.gamma_gamma_add, STYPE = c360.clv_sample, FINALFUNC = c360.gamma_gamma_final,
    COMBINEFUNC = c360.clv_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.gamma_gamma_fit(pg_catalog.float8, pg_catalog.float8) IS
    'Gamma-Gamma spend model (p, q, gamma) on repeat customers (x >= 1; rows with x = 0 are ignored)';

CREATE FUNCTION c360.bgnbd_expected(model c360.bgnbd_model, t pg_catalog.float8, x pg_catalog.float8,
                                    t_x pg_catalog.float8, "T" pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_bgnbd_expected' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.bgnbd_expected(c360.bgnbd_model, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Expected purchases in the next t time units of a customer with summary (x, t_x, T)';
CREATE FUNCTION c360.bgnbd_p_alive(model c360.bgnbd_model, x pg_catalog.float8, t_x pg_catalog.float8,
                                   "T" pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_bgnbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.bgnbd_p_alive(c360.bgnbd_model, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Probability that the customer is still active (1 when x = 0, a property of BG/NBD)';
CREATE FUNCTION c360.bgnbd_unconditional(model c360.bgnbd_model, t pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_bgnbd_unconditional' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.bgnbd_unconditional(c360.bgnbd_model, pg_catalog.float8) IS
    'E[X(t)]: expected repeat purchases in t time units of a new customer';
CREATE FUNCTION c360.pareto_nbd_expected(model c360.pareto_nbd_model, t pg_catalog.float8, x pg_catalog.float8,
                                         t_x pg_catalog.float8, "T" pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_pnbd_expected' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.pareto_nbd_p_alive(model c360.pareto_nbd_model, x pg_catalog.float8, t_x pg_catalog.float8,
                                        "T" pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_pnbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.pareto_nbd_unconditional(model c360.pareto_nbd_model, t pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_pnbd_unconditional' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.gamma_gamma_expected(model c360.gamma_gamma_model, x pg_catalog.float8,
                                          mean_value pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_gg_expected' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.gamma_gamma_expected(c360.gamma_gamma_model, pg_catalog.float8, pg_catalog.float8) IS
    'Expected mean transaction value: p (gamma + x mean_value) / (p x + q - 1); the population mean when x = 0';

-- The time units are in the signature: the horizon in months, a monthly discount rate, and how
-- many of the model's time units make a month (4.345 weeks for models fitted in weeks).
CREATE FUNCTION c360.clv(model c360.bgnbd_model, spend_model c360.gamma_gamma_model,
                         x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8,
                         mean_value pg_catalog.float8, horizon_months pg_catalog.int4 DEFAULT 12,
                         monthly_discount_rate pg_catalog.float8 DEFAULT 0.01,
                         model_units_per_month pg_catalog.float8 DEFAULT 4.345)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_clv_bgnbd'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.clv(model c360.pareto_nbd_model, spend_model c360.gamma_gamma_model,
                         x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8,
                         mean_value pg_catalog.float8, horizon_months pg_catalog.int4 DEFAULT 12,
                         monthly_discount_rate pg_catalog.float8 DEFAULT 0.01,
                         model_units_per_month pg_catalog.float8 DEFAULT 4.345)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_clv_pnbd'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv(c360.bgnbd_model, c360.gamma_gamma_model, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4, pg_catalog.float8, pg_catalog.float8) IS
    'Discounted expected value over horizon_months: sum_k spend x (E[Y(k u)] - E[Y((k-1) u)]) / (1 + monthly rate)^k, u = model units per month';
