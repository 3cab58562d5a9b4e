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
        WITH summary AS (
            SELECT %1$I::pg_catalog.text AS customer_id,
                   c360.rfm(%2$I, %3$I::pg_catalog.float8, $1) AS s
            FROM %4$s
            GROUP BY %1$I
        ), counted AS (
            SELECT customer_id, (s).recency_days, (s).frequency, (s).monetary
            FROM summary
            WHERE (s).frequency > 0
        ), scored AS (
            SELECT c.*,
                   c360.quantile_score(pg_catalog.rank() OVER (ORDER BY c.recency_days DESC) - 1,
                                       pg_catalog.count(*) OVER (), $2) AS r,
                   c360.quantile_score(pg_catalog.rank() OVER (ORDER BY c.frequency) - 1,
                                       pg_catalog.count(*) OVER (), $2) AS f,
                   c360.quantile_score(pg_catalog.rank() OVER (ORDER BY c.monetary) - 1,
                                       pg_catalog.count(*) OVER (), $2) AS m
            FROM counted c
        )
        SELECT customer_id, recency_days, frequency, monetary, r, f, m,
               CASE WHEN $2 <= 9 THEN r::pg_catalog.text || f::pg_catalog.text || m::pg_catalog.text
                    ELSE pg_catalog.concat_ws('.', r, f, m) END,
               CASE WHEN $2 = 5 THEN c360.rfm_segment(r, f, m) END
        FROM scored
    $query$, customer_col, ts_col, amount_col, orders)
    USING as_of, bins;
END
$function$;
COMMENT ON FUNCTION c360.rfm_scores(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name,
                                    pg_catalog.timestamptz, pg_catalog.int4) IS
    'One call from an orders table to RFM summaries, tie-stable quantile scores, cells and segments';
