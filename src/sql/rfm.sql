-- customer360 install SQL, capability 'rfm' (assembled by the Makefile; see src/sql/common.sql).

-------------------------------------------------------------------------------------------------
-- RFM: state type, summary composite, aggregates
-------------------------------------------------------------------------------------------------

CREATE TYPE c360.rfm_state;

CREATE FUNCTION c360.rfm_state_in(pg_catalog.cstring) RETURNS c360.rfm_state
    AS 'MODULE_PATHNAME', 'c360_rfm_state_in'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_state_in(pg_catalog.cstring) IS 'Text input of type c360.rfm_state';
CREATE FUNCTION c360.rfm_state_out(c360.rfm_state) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_rfm_state_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_state_out(c360.rfm_state) IS 'Text output of type c360.rfm_state';
CREATE FUNCTION c360.rfm_state_recv(pg_catalog.internal) RETURNS c360.rfm_state
    AS 'MODULE_PATHNAME', 'c360_rfm_state_recv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_state_recv(pg_catalog.internal) IS 'Binary input of type c360.rfm_state (binary COPY, binary protocol)';
CREATE FUNCTION c360.rfm_state_send(c360.rfm_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_rfm_state_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_state_send(c360.rfm_state) IS 'Binary output of type c360.rfm_state (binary COPY, binary protocol)';

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
COMMENT ON COLUMN c360.rfm_summary.recency_days IS
    'Days (of 86,400 s) from the last counted order to as_of; fractional when the timestamps have a time of day (NULL when no order counts)';
COMMENT ON COLUMN c360.rfm_summary.frequency IS 'Orders counted: rows with order_ts <= as_of';
COMMENT ON COLUMN c360.rfm_summary.monetary IS 'Total amount of the counted orders (a NULL amount counts as 0)';
COMMENT ON COLUMN c360.rfm_summary.avg_order_value IS 'monetary / frequency (NULL when no order counts)';
COMMENT ON COLUMN c360.rfm_summary.first_order IS 'Time of the first counted order (NULL when no order counts)';
COMMENT ON COLUMN c360.rfm_summary.last_order IS 'Time of the last counted order (NULL when no order counts)';
COMMENT ON COLUMN c360.rfm_summary.tenure_days IS 'Days (of 86,400 s) from the first counted order to as_of';
COMMENT ON COLUMN c360.rfm_summary.first_order_value IS 'Total value of the orders placed at first_order';
COMMENT ON COLUMN c360.rfm_summary.avg_repeat_value IS 'Mean value of the orders placed after first_order (NULL when there are none)';
COMMENT ON COLUMN c360.rfm_summary.ignored_orders IS 'Rows not counted: order_ts after as_of or NULL';
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
COMMENT ON AGGREGATE c360.rfm_partial(pg_catalog.date, pg_catalog.float8, pg_catalog.date) IS
    'Like the date form of c360.rfm but returns the mergeable c360.rfm_state (store it, roll it up with c360.rfm_rollup)';

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
COMMENT ON FUNCTION c360.rfm_sample_in(pg_catalog.cstring) IS 'Text input of type c360.rfm_sample';
CREATE FUNCTION c360.rfm_sample_out(c360.rfm_sample) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_rfm_sample_out'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_sample_out(c360.rfm_sample) IS 'Text output of type c360.rfm_sample';
CREATE FUNCTION c360.rfm_sample_recv(pg_catalog.internal) RETURNS c360.rfm_sample
    AS 'MODULE_PATHNAME', 'c360_rfm_sample_recv'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_sample_recv(pg_catalog.internal) IS 'Binary input of type c360.rfm_sample (binary COPY, binary protocol)';
CREATE FUNCTION c360.rfm_sample_send(c360.rfm_sample) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_rfm_sample_send'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_sample_send(c360.rfm_sample) IS 'Binary output of type c360.rfm_sample (binary COPY, binary protocol)';

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
COMMENT ON COLUMN c360.rfm_breaks.bins IS 'Number of score bins (1 to 100); each dimension has bins - 1 thresholds';
COMMENT ON COLUMN c360.rfm_breaks.customers IS 'Customers the breakpoints were computed from (rows without a NULL)';
COMMENT ON COLUMN c360.rfm_breaks.recency IS
    'Recency thresholds in days, decreasing: R = 1 + number of thresholds greater than recency_days';
COMMENT ON COLUMN c360.rfm_breaks.frequency IS
    'Frequency thresholds, increasing: F = 1 + number of thresholds less than frequency';
COMMENT ON COLUMN c360.rfm_breaks.monetary IS
    'Monetary thresholds, increasing: M = 1 + number of thresholds less than monetary';
COMMENT ON TYPE c360.rfm_breaks IS 'RFM score breakpoints (result of the c360.rfm_breaks aggregate)';

CREATE TYPE c360.rfm_score AS (
    r        pg_catalog.int4,
    f        pg_catalog.int4,
    m        pg_catalog.int4,
    rfm_cell pg_catalog.text,
    segment  pg_catalog.text
);
COMMENT ON COLUMN c360.rfm_score.r IS 'Recency score: 1 (oldest last order) to bins (most recent)';
COMMENT ON COLUMN c360.rfm_score.f IS 'Frequency score: 1 (fewest orders) to bins';
COMMENT ON COLUMN c360.rfm_score.m IS 'Monetary score: 1 (lowest spend) to bins';
COMMENT ON COLUMN c360.rfm_score.rfm_cell IS 'The three scores as text, e.g. ''545'' (separated by dots when bins > 9)';
COMMENT ON COLUMN c360.rfm_score.segment IS 'Segment name of c360.rfm_segment(r, f, m) (NULL unless bins = 5)';
COMMENT ON TYPE c360.rfm_score IS 'R, F, M scores, their cell (e.g. 545) and segment name (5 bins only)';

CREATE FUNCTION c360.rfm_breaks_add(state c360.rfm_sample, recency_days pg_catalog.float8,
                                    frequency pg_catalog.float8, monetary pg_catalog.float8,
                                    bins pg_catalog.int4)
    RETURNS c360.rfm_sample
    AS 'MODULE_PATHNAME', 'c360_rfm_breaks_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_breaks_add(c360.rfm_sample, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4) IS
    'Transition function of aggregate c360.rfm_breaks: adds one customer''s (recency, frequency, monetary); a row with a NULL value is skipped';
CREATE FUNCTION c360.rfm_breaks_add(state c360.rfm_sample, recency_days pg_catalog.float8,
                                    frequency pg_catalog.float8, monetary pg_catalog.float8)
    RETURNS c360.rfm_sample
    AS 'MODULE_PATHNAME', 'c360_rfm_breaks_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_breaks_add(c360.rfm_sample, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.rfm_breaks with 5 bins: adds one customer''s (recency, frequency, monetary); a row with a NULL value is skipped';
CREATE FUNCTION c360.rfm_sample_merge(a c360.rfm_sample, b c360.rfm_sample) RETURNS c360.rfm_sample
    AS 'MODULE_PATHNAME', 'c360_rfm_sample_merge'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_sample_merge(c360.rfm_sample, c360.rfm_sample) IS
    'Combine function of aggregate c360.rfm_breaks: the customers of both samples (same bins)';
CREATE FUNCTION c360.rfm_breaks_final(state c360.rfm_sample) RETURNS c360.rfm_breaks
    AS 'MODULE_PATHNAME', 'c360_rfm_breaks_final'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.rfm_breaks_final(c360.rfm_sample) IS
    'Final function of aggregate c360.rfm_breaks: the tie-stable quantile breakpoints of the sample';

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
                  WHERE pg_catalog.isfinite(%2$I) IS NOT FALSE  -- +-infinity: skipped like NULL
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
