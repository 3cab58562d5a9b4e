-- customer360 install SQL, capability 'events' (assembled by the Makefile; see src/sql/common.sql).

-------------------------------------------------------------------------------------------------
-- Customer events (docs/events.md): behaviour change, batch events, segment transitions,
-- real-time tracking with rules as data and an event queue
-------------------------------------------------------------------------------------------------

-- Purchase slowdown: Poisson test of the recent window against the customer's own history.
CREATE TYPE c360.slowdown_state;
CREATE FUNCTION c360.slowdown_state_in(pg_catalog.cstring) RETURNS c360.slowdown_state
    AS 'MODULE_PATHNAME', 'c360_slowdown_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.slowdown_state_in(pg_catalog.cstring) IS 'Text input of type c360.slowdown_state';
CREATE FUNCTION c360.slowdown_state_out(c360.slowdown_state) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_slowdown_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.slowdown_state_out(c360.slowdown_state) IS 'Text output of type c360.slowdown_state';
CREATE FUNCTION c360.slowdown_state_recv(pg_catalog.internal) RETURNS c360.slowdown_state
    AS 'MODULE_PATHNAME', 'c360_slowdown_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.slowdown_state_send(c360.slowdown_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_slowdown_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.slowdown_state (
    INTERNALLENGTH = 56, INPUT = c360.slowdown_state_in, OUTPUT = c360.slowdown_state_out,
    RECEIVE = c360.slowdown_state_recv, SEND = c360.slowdown_state_send,
    ALIGNMENT = double, STORAGE = plain);
COMMENT ON TYPE c360.slowdown_state IS
    'State of aggregate c360.purchase_slowdown (56 bytes): as_of, window, first and last order, orders before and in the recent window, rows ignored';
COMMENT ON FUNCTION c360.slowdown_state_recv(pg_catalog.internal) IS
    'Binary input of c360.slowdown_state (COPY ... FORMAT binary, binary protocol): versioned, network byte order, validated like the text input';
COMMENT ON FUNCTION c360.slowdown_state_send(c360.slowdown_state) IS 'Binary output of c360.slowdown_state (COPY ... FORMAT binary, binary protocol)';

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
COMMENT ON TYPE c360.slowdown IS 'Result of aggregate c360.purchase_slowdown: the customer''s recent orders tested against its earlier rate';
COMMENT ON COLUMN c360.slowdown.history_orders IS 'Orders before the recent window (as_of - recent_days)';
COMMENT ON COLUMN c360.slowdown.history_days IS 'Days from the first order to the start of the recent window (0 when the first order is in the window)';
COMMENT ON COLUMN c360.slowdown.recent_orders IS 'Orders in the recent window (as_of - recent_days, as_of]';
COMMENT ON COLUMN c360.slowdown.expected_recent IS
    'Orders expected in the window at the historical rate (history_orders - 1) / history_days; NULL with fewer than 2 orders or less than 1 day of history';
COMMENT ON COLUMN c360.slowdown.rate_ratio IS 'recent_orders / expected_recent (NULL when expected_recent is NULL)';
COMMENT ON COLUMN c360.slowdown.p_value IS
    'Poisson P(at most recent_orders | historical rate): small = slowdown (NULL when expected_recent is NULL)';
COMMENT ON COLUMN c360.slowdown.days_since_last IS 'Days from the last counted order to as_of (NULL when no order counts)';
COMMENT ON COLUMN c360.slowdown.p_silence IS
    'P(a gap at least days_since_last | historical rate) = exp(-rate x days_since_last) (NULL when expected_recent is NULL)';

CREATE FUNCTION c360.slowdown_add(state c360.slowdown_state, order_ts pg_catalog.timestamptz,
                                  as_of pg_catalog.timestamptz, recent_days pg_catalog.int4)
    RETURNS c360.slowdown_state AS 'MODULE_PATHNAME', 'c360_slowdown_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.slowdown_add(c360.slowdown_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.int4) IS
    'Transition function of aggregate c360.purchase_slowdown: adds one order (NULL order_ts or after as_of: ignored; NULL as_of or recent_days: error)';
CREATE FUNCTION c360.slowdown_merge(c360.slowdown_state, c360.slowdown_state) RETURNS c360.slowdown_state
    AS 'MODULE_PATHNAME', 'c360_slowdown_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.slowdown_merge(c360.slowdown_state, c360.slowdown_state) IS
    'Combine function of aggregate c360.purchase_slowdown (same as_of and recent_days)';
CREATE FUNCTION c360.slowdown_final(c360.slowdown_state) RETURNS c360.slowdown
    AS 'MODULE_PATHNAME', 'c360_slowdown_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.slowdown_final(c360.slowdown_state) IS
    'Final function of aggregate c360.purchase_slowdown: the Poisson tests of the state, as c360.slowdown';
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
COMMENT ON FUNCTION c360.basket_state_in(pg_catalog.cstring) IS 'Text input of type c360.basket_state';
CREATE FUNCTION c360.basket_state_out(c360.basket_state) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_basket_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.basket_state_out(c360.basket_state) IS 'Text output of type c360.basket_state';
CREATE FUNCTION c360.basket_state_recv(pg_catalog.internal) RETURNS c360.basket_state
    AS 'MODULE_PATHNAME', 'c360_basket_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.basket_state_send(c360.basket_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_basket_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.basket_state (
    INTERNALLENGTH = 112, INPUT = c360.basket_state_in, OUTPUT = c360.basket_state_out,
    RECEIVE = c360.basket_state_recv, SEND = c360.basket_state_send,
    ALIGNMENT = double, STORAGE = plain);
COMMENT ON TYPE c360.basket_state IS
    'State of aggregate c360.basket_shift (112 bytes): number of categories and compensated sums of the past and recent counts';
COMMENT ON FUNCTION c360.basket_state_recv(pg_catalog.internal) IS
    'Binary input of c360.basket_state (COPY ... FORMAT binary, binary protocol): versioned, network byte order, validated like the text input';
COMMENT ON FUNCTION c360.basket_state_send(c360.basket_state) IS 'Binary output of c360.basket_state (COPY ... FORMAT binary, binary protocol)';

CREATE TYPE c360.basket_change AS (
    categories   pg_catalog.int8,
    past_total   pg_catalog.float8,
    recent_total pg_catalog.float8,
    hellinger    pg_catalog.float8,   -- 0 = same mix, 1 = nothing in common
    chi2         pg_catalog.float8,   -- chi-square test of homogeneity
    df           pg_catalog.int8,
    p_value      pg_catalog.float8
);
COMMENT ON TYPE c360.basket_change IS 'Result of aggregate c360.basket_shift: how the category mix changed between two windows';
COMMENT ON COLUMN c360.basket_change.categories IS 'Categories (rows) aggregated';
COMMENT ON COLUMN c360.basket_change.past_total IS 'Sum of past_count over the categories';
COMMENT ON COLUMN c360.basket_change.recent_total IS 'Sum of recent_count over the categories';
COMMENT ON COLUMN c360.basket_change.hellinger IS
    'Hellinger distance of the two category distributions: 0 = same mix, 1 = nothing in common (NULL unless both windows have purchases)';
COMMENT ON COLUMN c360.basket_change.chi2 IS 'Chi-square statistic of the test of homogeneity (NULL unless both windows have purchases)';
COMMENT ON COLUMN c360.basket_change.df IS 'Degrees of freedom of the test: categories - 1 (NULL when below 1 or undefined)';
COMMENT ON COLUMN c360.basket_change.p_value IS 'p-value of the chi-square test (NULL when df is NULL)';

CREATE FUNCTION c360.basket_add(state c360.basket_state, past_count pg_catalog.float8, recent_count pg_catalog.float8)
    RETURNS c360.basket_state AS 'MODULE_PATHNAME', 'c360_basket_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.basket_add(c360.basket_state, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.basket_shift: adds one category''s past and recent counts (a NULL count is 0)';
CREATE FUNCTION c360.basket_merge(c360.basket_state, c360.basket_state) RETURNS c360.basket_state
    AS 'MODULE_PATHNAME', 'c360_basket_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.basket_merge(c360.basket_state, c360.basket_state) IS 'Combine function of aggregate c360.basket_shift';
CREATE FUNCTION c360.basket_final(c360.basket_state) RETURNS c360.basket_change
    AS 'MODULE_PATHNAME', 'c360_basket_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.basket_final(c360.basket_state) IS
    'Final function of aggregate c360.basket_shift: Hellinger distance and chi-square test, as c360.basket_change';
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
COMMENT ON TYPE c360.customer_event IS
    'One customer event, as returned by the batch event functions (c360.inactive_customers, c360.snapshot_segments...)';
COMMENT ON COLUMN c360.customer_event.customer_id IS 'Customer id, as text';
COMMENT ON COLUMN c360.customer_event.event_type IS
    'Kind of event: inactivity, spend_threshold, contract_end, segment_change, or the event_type given to c360.upcoming_anniversaries';
COMMENT ON COLUMN c360.customer_event.event_time IS 'When the event happened or falls due (defined by each function)';
COMMENT ON COLUMN c360.customer_event.details IS 'Values behind the event (jsonb object), e.g. days_inactive, cumulative_spend, from and to segments';

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
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
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
COMMENT ON FUNCTION c360.next_anniversary(pg_catalog.date, pg_catalog.date) IS
    'The first anniversary of date d on or after as_of; 29 February falls on 28 February in common years';

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
COMMENT ON TABLE c360.segment_snapshots IS
    'RFM segments stored by c360.snapshot_segments: one row per snapshot series, run (as_of) and customer';
COMMENT ON COLUMN c360.segment_snapshots.snapshot_name IS 'Name of the snapshot series (argument snapshot_name, default ''default'')';
COMMENT ON COLUMN c360.segment_snapshots.taken_at IS 'as_of of the run that stored the row';
COMMENT ON COLUMN c360.segment_snapshots.customer_id IS 'Customer id, as text';
COMMENT ON COLUMN c360.segment_snapshots.segment IS 'RFM segment name at taken_at (c360.rfm_segment)';
COMMENT ON COLUMN c360.segment_snapshots.r IS 'Recency score, 1 to 5';
COMMENT ON COLUMN c360.segment_snapshots.f IS 'Frequency score, 1 to 5';
COMMENT ON COLUMN c360.segment_snapshots.m IS 'Monetary score, 1 to 5';
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
    RETURNS pg_catalog.jsonb LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT state || pg_catalog.jsonb_build_object(k, coalesce((state ->> k)::int8, 0) + 1)
    FROM (SELECT pg_catalog.jsonb_build_array(from_segment, to_segment)::text AS k) key
$function$;
COMMENT ON FUNCTION c360.transitions_add(pg_catalog.jsonb, pg_catalog.text, pg_catalog.text) IS
    'Transition function of aggregate c360.segment_transitions: counts one (from, to) pair in a jsonb object';
CREATE FUNCTION c360.transitions_merge(a pg_catalog.jsonb, b pg_catalog.jsonb)
    RETURNS pg_catalog.jsonb LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT coalesce(pg_catalog.jsonb_object_agg(key, n), '{}')
    FROM (SELECT key, sum(value::int8) AS n
          FROM (SELECT * FROM pg_catalog.jsonb_each_text(a) UNION ALL SELECT * FROM pg_catalog.jsonb_each_text(b)) e
          GROUP BY key) s
$function$;
COMMENT ON FUNCTION c360.transitions_merge(pg_catalog.jsonb, pg_catalog.jsonb) IS
    'Combine function of aggregate c360.segment_transitions: adds the counts of two states';
CREATE FUNCTION c360.transitions_final(state pg_catalog.jsonb)
    RETURNS pg_catalog.jsonb LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'from', f, 'to', t, 'customers', n, 'rate', round(n::numeric / from_total, 6))
               ORDER BY f NULLS FIRST, t NULLS FIRST), '[]')
    FROM (SELECT f, t, n, sum(n) OVER (PARTITION BY f) AS from_total
          FROM (SELECT (key::jsonb) ->> 0 AS f, (key::jsonb) ->> 1 AS t, value::int8 AS n
                FROM pg_catalog.jsonb_each_text(state)) e) w
$function$;
COMMENT ON FUNCTION c360.transitions_final(pg_catalog.jsonb) IS
    'Final function of aggregate c360.segment_transitions: jsonb array of {from, to, customers, rate}, ordered by from and to';
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
COMMENT ON TABLE c360.event_rules IS
    'Real-time event rules, one per row, evaluated by c360.track_orders triggers (inactivity rules by c360.enqueue_inactivity); validated on write';
COMMENT ON COLUMN c360.event_rules.rule_id IS 'Rule id (serial); c360.event_queue.rule_id refers to it';
COMMENT ON COLUMN c360.event_rules.rule_name IS 'Unique name of the rule; copied into the details of its events';
COMMENT ON COLUMN c360.event_rules.rule_type IS
    'welcome, spend_threshold, order_count, segment_transition or inactivity; also the event_type of its events';
COMMENT ON COLUMN c360.event_rules.params IS
    'Parameters of the rule type (jsonb object): {} for welcome, {"amount": n}, {"count": n}, {"from": s, "to": s}, {"days": n}';
COMMENT ON COLUMN c360.event_rules.enabled IS 'Only enabled rules fire';
COMMENT ON COLUMN c360.event_rules.notify IS
    'Also NOTIFY c360_events with the event id at commit (serialises committing transactions: keep it off for high-rate rules)';
COMMENT ON COLUMN c360.event_rules.created_at IS 'When the rule was inserted';
COMMENT ON SEQUENCE c360.event_rules_rule_id_seq IS 'Generates c360.event_rules.rule_id';
SELECT pg_catalog.pg_extension_config_dump('c360.event_rules', '');
SELECT pg_catalog.pg_extension_config_dump('c360.event_rules_rule_id_seq', '');

-- The rule kinds, their parameters and their checks are defined once, in src/core/events/rules.hpp.
CREATE FUNCTION c360.event_rule_kinds()
    RETURNS TABLE (rule_type pg_catalog.text, parameters pg_catalog.jsonb, realtime pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'c360_event_rule_kinds'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.event_rule_kinds() IS
    'The rule types of c360.event_rules: their parameters (name: type, required or not) and whether the tracking trigger fires them (else a batch function such as c360.enqueue_inactivity)';
CREATE FUNCTION c360._event_rule_problem(rule_type pg_catalog.text, params pg_catalog.jsonb,
                                         OUT message pg_catalog.text, OUT hint pg_catalog.text)
    AS 'MODULE_PATHNAME', 'c360_event_rule_problem'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360._event_rule_problem(pg_catalog.text, pg_catalog.jsonb) IS
    'Internal: what is wrong with an event rule of this type and params (message and hint), NULL when it is valid; used by c360.validate_event_rule';

CREATE FUNCTION c360.validate_event_rule() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    problem record;
BEGIN
    SELECT * INTO problem FROM c360._event_rule_problem(NEW.rule_type, NEW.params);
    IF problem.message IS NULL THEN
        RETURN NEW;
    ELSIF problem.hint IS NULL THEN
        RAISE EXCEPTION 'event rule "%": %', NEW.rule_name, problem.message USING ERRCODE = '22023';
    END IF;
    RAISE EXCEPTION 'event rule "%": %', NEW.rule_name, problem.message USING ERRCODE = '22023', HINT = problem.hint;
END
$function$;
COMMENT ON FUNCTION c360.validate_event_rule() IS
    'Trigger function on c360.event_rules: checks rule_type and its params before each INSERT or UPDATE (22023 with a hint)';
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
COMMENT ON FUNCTION c360._event_rules_changed() IS
    'Statement trigger function on c360.event_rules: a relcache invalidation drops the per-backend copies of the rules';
CREATE FUNCTION c360._track() RETURNS trigger AS 'MODULE_PATHNAME', 'c360_track' LANGUAGE C;
COMMENT ON FUNCTION c360._track() IS
    'Row trigger of c360.track_orders (arguments: customer, timestamp and amount columns): notes each change of a tracked table for the commit-time apply';
CREATE FUNCTION c360._track_apply() RETURNS trigger AS 'MODULE_PATHNAME', 'c360_track_apply' LANGUAGE C;
COMMENT ON FUNCTION c360._track_apply() IS
    'Deferred constraint trigger of c360.track_orders: applies the transaction''s noted changes to c360.customer_state at commit, customers in a fixed lock order';
-- only c360.track_orders (as the extension's owner) attaches them to a table
REVOKE EXECUTE ON FUNCTION c360._track(), c360._track_apply() FROM PUBLIC;

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
COMMENT ON TABLE c360.event_queue IS
    'Events queued by the tracking triggers and c360.enqueue_inactivity, in the transaction of the change; read with c360.claim_events';
COMMENT ON COLUMN c360.event_queue.event_id IS 'Event id (bigserial), increasing in order of queueing';
COMMENT ON COLUMN c360.event_queue.source IS 'Tracked orders table the event comes from';
COMMENT ON COLUMN c360.event_queue.customer_id IS 'Customer id, as text';
COMMENT ON COLUMN c360.event_queue.event_type IS 'rule_type of the rule that fired';
COMMENT ON COLUMN c360.event_queue.event_time IS
    'Timestamp of the order that fired the rule (now() for an UPDATE or DELETE; last order + days for inactivity)';
COMMENT ON COLUMN c360.event_queue.details IS
    'Values behind the event (jsonb object): rule name, the customer''s orders, monetary and segment, the rule''s params (inactivity: days, last_order)';
COMMENT ON COLUMN c360.event_queue.rule_id IS 'Rule that fired (NULL once the rule is deleted)';
COMMENT ON COLUMN c360.event_queue.dedup_key IS
    'Table, customer and rule (and for transitions the move and time; for inactivity the last order): a second event with the same key is not queued';
COMMENT ON COLUMN c360.event_queue.created_at IS 'Start time of the transaction that queued the event';
COMMENT ON COLUMN c360.event_queue.consumed_at IS 'When c360.claim_events handed the event out; NULL while pending';
COMMENT ON SEQUENCE c360.event_queue_event_id_seq IS 'Generates c360.event_queue.event_id';
CREATE INDEX event_queue_pending ON c360.event_queue (event_id) WHERE consumed_at IS NULL;
SELECT pg_catalog.pg_extension_config_dump('c360.event_queue', '');
SELECT pg_catalog.pg_extension_config_dump('c360.event_queue_event_id_seq', '');

CREATE FUNCTION c360.claim_events(batch_size pg_catalog.int4 DEFAULT 100)
    RETURNS SETOF c360.event_queue
    LANGUAGE sql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
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
COMMENT ON TABLE c360.tracked_tables IS 'Orders tables tracked by c360.track_orders, with their column names';
COMMENT ON COLUMN c360.tracked_tables.source IS 'The tracked orders table';
COMMENT ON COLUMN c360.tracked_tables.customer_col IS 'Its customer id column';
COMMENT ON COLUMN c360.tracked_tables.ts_col IS 'Its order timestamp column';
COMMENT ON COLUMN c360.tracked_tables.amount_col IS 'Its order amount column';
COMMENT ON COLUMN c360.tracked_tables.trigger_function IS
    'The tracking trigger function of the table: c360._track (0.1.0 generated c360.track_<oid>)';
COMMENT ON COLUMN c360.tracked_tables.tracked_at IS 'When c360.track_orders was last called for the table';
SELECT pg_catalog.pg_extension_config_dump('c360.tracked_tables', '');
-- every backend's copy of which tables are tracked (the commit-time apply checks it) is dropped
CREATE TRIGGER tracked_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON c360.tracked_tables
    FOR EACH STATEMENT EXECUTE FUNCTION c360._event_rules_changed();

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
COMMENT ON TABLE c360.customer_state IS
    'Per customer of each tracked orders table: orders, spend, first and last order and RFM segment, kept current by the tracking triggers';
COMMENT ON COLUMN c360.customer_state.source IS 'The tracked orders table';
COMMENT ON COLUMN c360.customer_state.customer_id IS 'Customer id, as text';
COMMENT ON COLUMN c360.customer_state.orders IS 'Number of the customer''s orders (rows with a non-NULL timestamp)';
COMMENT ON COLUMN c360.customer_state.monetary IS 'Sum of their amounts (a NULL amount counts as 0)';
COMMENT ON COLUMN c360.customer_state.first_order IS 'Timestamp of the first order';
COMMENT ON COLUMN c360.customer_state.last_order IS 'Timestamp of the last order';
COMMENT ON COLUMN c360.customer_state.segment IS
    'RFM segment against the stored breakpoints (c360.segment_breaks); NULL until c360.refresh_segments has run';
COMMENT ON COLUMN c360.customer_state.updated_at IS 'Start time of the transaction that last changed the row';
COMMENT ON COLUMN c360.customer_state.previous_segment IS 'The segment before the latest order or recomputation';
SELECT pg_catalog.pg_extension_config_dump('c360.customer_state', '');

CREATE TABLE c360.segment_breaks (
    source      pg_catalog.regclass PRIMARY KEY,
    breaks      c360.rfm_breaks NOT NULL,
    computed_at pg_catalog.timestamptz NOT NULL
);
COMMENT ON TABLE c360.segment_breaks IS 'RFM breakpoints of each tracked orders table, stored by c360.refresh_segments';
COMMENT ON COLUMN c360.segment_breaks.source IS 'The tracked orders table';
COMMENT ON COLUMN c360.segment_breaks.breaks IS
    'Breakpoints from c360.customer_state at computed_at (recency in days); each order re-scores its customer against them';
COMMENT ON COLUMN c360.segment_breaks.computed_at IS 'When c360.refresh_segments computed them';
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
COMMENT ON FUNCTION c360._fire_rules(pg_catalog.regclass, pg_catalog.text, pg_catalog.int8, pg_catalog.int8, pg_catalog.numeric,
                                     pg_catalog.numeric, pg_catalog.text, pg_catalog.timestamptz, pg_catalog.timestamptz) IS
    'Internal (UPDATE/DELETE tracking path): re-scores one customer''s segment and queues the events of the enabled rules that fire for its change';

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
COMMENT ON FUNCTION c360._segment_of(pg_catalog.regclass, pg_catalog.timestamptz, pg_catalog.int8, pg_catalog.numeric) IS
    'Internal: RFM segment of one customer against the stored breakpoints of a tracked table (NULL when there are none)';

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
COMMENT ON FUNCTION c360._customer_recomputed(pg_catalog.regclass, pg_catalog.text, pg_catalog.int8, pg_catalog.numeric,
                                              pg_catalog.timestamptz, pg_catalog.timestamptz) IS
    'Internal (UPDATE/DELETE tracking triggers): replaces one customer''s c360.customer_state row (deleted when no order is left) and fires the rules';

-- Tracking a table: c360.track_orders, c360.untrack_orders and c360.refresh_segments are C gates
-- (src/pg/events_tracking_pg.cpp): the caller must own the table; the internal function then runs
-- as the extension's owner (no generated function, no CREATE on c360, no DML on c360's tables).
CREATE FUNCTION c360._track_orders(orders pg_catalog.regclass, customer_col pg_catalog.name,
                                   ts_col pg_catalog.name, amount_col pg_catalog.name)
    RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    col name;
    typ oid;
    tg name;
BEGIN
    IF orders IS NULL OR customer_col IS NULL OR ts_col IS NULL OR amount_col IS NULL THEN
        RAISE EXCEPTION 'c360.track_orders: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF (SELECT c.relkind FROM pg_class c WHERE c.oid = orders) IS DISTINCT FROM 'r' THEN
        RAISE EXCEPTION 'c360.track_orders: % is not an ordinary table (partitioned tables, views and foreign tables are not tracked)', orders
            USING ERRCODE = '0A000';
    END IF;
    IF c360._source_sql(orders) <> orders::text THEN
        -- triggers on a distributed table fire on its shards, on the workers, where c360.customer_state is
        -- another table: the state would be wrong (measured on Citus 13.2, docs/distributed.md)
        RAISE EXCEPTION 'c360.track_orders: % is a distributed table (Citus); real-time tracking keeps its state on one node', orders
            USING ERRCODE = '0A000',
                  HINT = 'Use the batch events on the distributed table (c360.snapshot_segments, c360.inactive_customers, c360.spend_threshold_crossed), or track a local table of the day''s orders.';
    END IF;
    FOREACH col IN ARRAY ARRAY[customer_col, ts_col, amount_col] LOOP
        SELECT a.atttypid INTO typ FROM pg_attribute a
        WHERE a.attrelid = orders AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'c360.track_orders: column "%" does not exist in %', col, orders USING ERRCODE = '42703';
        END IF;
        -- the apply runs as the extension's owner: no user-defined type, domain, cast or operator
        IF typ >= 16384 THEN
            RAISE EXCEPTION 'c360.track_orders: column "%" of % has type %, not a built-in type', col, orders, typ::regtype
                USING ERRCODE = '0A000';
        END IF;
        IF col = ts_col AND typ NOT IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype) THEN
            RAISE EXCEPTION 'c360.track_orders: timestamp column "%" has type %, not timestamptz, timestamp or date', col, typ::regtype
                USING ERRCODE = '42804';
        END IF;
        IF col = amount_col AND typ NOT IN ('numeric'::regtype, 'int2'::regtype, 'int4'::regtype, 'int8'::regtype,
                                            'float4'::regtype, 'float8'::regtype, 'money'::regtype) THEN
            RAISE EXCEPTION 'c360.track_orders: amount column "%" has type %, not a number', col, typ::regtype
                USING ERRCODE = '42804';
        END IF;
    END LOOP;
    IF NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                   WHERE i.indrelid = orders AND a.attname = customer_col) THEN
        RAISE NOTICE 'c360.track_orders: no index starts with %.%; UPDATE and DELETE recompute a customer from the table, so create one', orders, customer_col;
    END IF;
    -- the triggers of an earlier call (and of 0.1.0: c360_track_changes) are replaced
    FOR tg IN SELECT t.tgname FROM pg_trigger t WHERE t.tgrelid = orders
              AND t.tgname IN ('c360_track', 'c360_track_changes', 'c360_track_apply', 'c360_track_truncate') LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', tg, orders);
    END LOOP;
    EXECUTE format('CREATE TRIGGER c360_track AFTER INSERT OR DELETE OR UPDATE OF %I, %I, %I ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION c360._track(%L, %L, %L)',
                   customer_col, ts_col, amount_col, orders, customer_col, ts_col, amount_col);
    EXECUTE format('CREATE CONSTRAINT TRIGGER c360_track_apply AFTER INSERT OR DELETE OR UPDATE OF %I, %I, %I ON %s '
                   'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION c360._track_apply()',
                   customer_col, ts_col, amount_col, orders);
    EXECUTE format('CREATE TRIGGER c360_track_truncate AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION c360._track(%L, %L, %L)',
                   orders, customer_col, ts_col, amount_col);
    INSERT INTO c360.tracked_tables (source, customer_col, ts_col, amount_col, trigger_function)
    VALUES (orders, customer_col, ts_col, amount_col, 'c360._track')
    ON CONFLICT (source) DO UPDATE SET customer_col = EXCLUDED.customer_col, ts_col = EXCLUDED.ts_col,
        amount_col = EXCLUDED.amount_col, trigger_function = EXCLUDED.trigger_function, tracked_at = now();
    -- the orders already there (no events for them), all rows whatever row-level security says
    DELETE FROM c360.customer_state cs WHERE cs.source = _track_orders.orders;
    EXECUTE format($q$
        INSERT INTO c360.customer_state (source, customer_id, orders, monetary, first_order, last_order, updated_at)
        SELECT $1, %1$I::text, count(*), sum(coalesce(%3$I::numeric, 0)), min(%2$I), max(%2$I), now()
        FROM %4$s WHERE %1$I IS NOT NULL AND %2$I IS NOT NULL GROUP BY %1$I
    $q$, customer_col, ts_col, amount_col, orders) USING orders;
END
$function$;
COMMENT ON FUNCTION c360._track_orders(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name) IS
    'Internal (run by the c360.track_orders gate as the extension''s owner): checks the columns, attaches the tracking triggers, registers the table and computes its customers'' state';
REVOKE EXECUTE ON FUNCTION c360._track_orders(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name) FROM PUBLIC;

CREATE FUNCTION c360.track_orders(orders pg_catalog.regclass, customer_col pg_catalog.name,
                                  ts_col pg_catalog.name, amount_col pg_catalog.name)
    RETURNS void AS 'MODULE_PATHNAME', 'c360_track_orders' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION c360.track_orders(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name) IS
    'Keeps c360.customer_state current for an orders table the caller owns (row triggers, applied at commit) and fires c360.event_rules into c360.event_queue';

CREATE FUNCTION c360._untrack_orders(orders pg_catalog.regclass)
    RETURNS void LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    fn text;
    tg name;
BEGIN
    SELECT trigger_function INTO fn FROM c360.tracked_tables WHERE source = orders;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'c360.untrack_orders: % is not tracked', orders USING ERRCODE = '22023';
    END IF;
    FOR tg IN SELECT t.tgname FROM pg_trigger t WHERE t.tgrelid = orders
              AND t.tgname IN ('c360_track', 'c360_track_changes', 'c360_track_apply', 'c360_track_truncate') LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', tg, orders);
    END LOOP;
    DELETE FROM c360.customer_state cs WHERE cs.source = _untrack_orders.orders;
    DELETE FROM c360.segment_breaks sb WHERE sb.source = _untrack_orders.orders;
    DELETE FROM c360.tracked_tables tt WHERE tt.source = _untrack_orders.orders;
END
$function$;
COMMENT ON FUNCTION c360._untrack_orders(pg_catalog.regclass) IS
    'Internal (run by the c360.untrack_orders gate as the extension''s owner): drops the tracking triggers and the table''s rows in c360.customer_state, c360.segment_breaks and c360.tracked_tables';
REVOKE EXECUTE ON FUNCTION c360._untrack_orders(pg_catalog.regclass) FROM PUBLIC;

CREATE FUNCTION c360.untrack_orders(orders pg_catalog.regclass)
    RETURNS void AS 'MODULE_PATHNAME', 'c360_untrack_orders' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION c360.untrack_orders(pg_catalog.regclass) IS
    'Stops tracking an orders table the caller owns: drops its triggers, deletes its c360.customer_state, c360.segment_breaks and c360.tracked_tables rows';

-- Breakpoints for the real-time segments, from the tracked state as of now.
CREATE FUNCTION c360._refresh_segments(orders pg_catalog.regclass)
    RETURNS c360.rfm_breaks LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    b c360.rfm_breaks;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM c360.tracked_tables tt WHERE tt.source = _refresh_segments.orders) THEN
        RAISE EXCEPTION 'c360.refresh_segments: % is not tracked', orders USING ERRCODE = '22023';
    END IF;
    -- the commit-time apply takes ROW EXCLUSIVE on the state before its customers' locks: this
    -- waits for the applies in progress and holds the next ones, no deadlock with them
    LOCK TABLE c360.customer_state IN SHARE ROW EXCLUSIVE MODE;
    b := (SELECT c360.rfm_breaks(extract(epoch FROM now() - cs.last_order)::float8 / 86400, cs.orders::float8,
                                 cs.monetary::float8)
          FROM c360.customer_state cs WHERE cs.source = _refresh_segments.orders);
    IF b.bins IS NULL THEN
        RAISE EXCEPTION 'c360.refresh_segments: no tracked customer for %', orders USING ERRCODE = '22023';
    END IF;
    INSERT INTO c360.segment_breaks VALUES (_refresh_segments.orders, b, now())
    ON CONFLICT (source) DO UPDATE SET breaks = EXCLUDED.breaks, computed_at = EXCLUDED.computed_at;
    UPDATE c360.customer_state cs
    SET previous_segment = cs.segment,
        segment = (c360.rfm_score(extract(epoch FROM now() - cs.last_order)::float8 / 86400,
                                  cs.orders::float8, cs.monetary::float8, b)).segment
    WHERE cs.source = _refresh_segments.orders;
    RETURN b;
END
$function$;
COMMENT ON FUNCTION c360._refresh_segments(pg_catalog.regclass) IS
    'Internal (run by the c360.refresh_segments gate as the extension''s owner): recomputes the breakpoints and every customer''s segment of a tracked table';
REVOKE EXECUTE ON FUNCTION c360._refresh_segments(pg_catalog.regclass) FROM PUBLIC;

CREATE FUNCTION c360.refresh_segments(orders pg_catalog.regclass)
    RETURNS c360.rfm_breaks AS 'MODULE_PATHNAME', 'c360_refresh_segments' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION c360.refresh_segments(pg_catalog.regclass) IS
    'Recomputes the RFM breakpoints of a tracked table the caller owns and every customer''s segment (schedule it, e.g. nightly)';

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
COMMENT ON FUNCTION c360.enqueue_inactivity(pg_catalog.timestamptz) IS
    'Queues an event for each tracked customer whose last order is at least the days of an enabled inactivity rule before as_of, once per silence; returns the number queued';

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
COMMENT ON FUNCTION c360.verify_customer_state(pg_catalog.regclass) IS
    'Number of customers whose c360.customer_state row differs from a full recomputation from the tracked table (0 expected)';

-- Who may do what (docs/security.md). Tracking needs no privilege on c360's tables: the triggers
-- write as the extension's owner. Reading the state and the events needs these grants, and
-- row-level security shows a role only the rows of the tables it may SELECT.
-- Predefined roles (cluster-wide, NOLOGIN; created if missing, kept by DROP EXTENSION):
--   c360_reader      reads c360's tables (rules, tracked tables, state, breakpoints, events, snapshots)
--   c360_consumer    c360_reader + claims events (c360.claim_events)
--   c360_rule_admin  c360_reader + changes c360.event_rules, takes segment snapshots, queues inactivity events
DO $roles$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['c360_reader', 'c360_consumer', 'c360_rule_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$roles$;
GRANT USAGE ON SCHEMA c360 TO c360_reader, c360_consumer, c360_rule_admin;
GRANT SELECT ON c360.event_rules, c360.tracked_tables, c360.customer_state, c360.segment_breaks,
    c360.event_queue, c360.segment_snapshots TO c360_reader, c360_consumer, c360_rule_admin;
GRANT UPDATE (consumed_at) ON c360.event_queue TO c360_consumer;
GRANT INSERT, UPDATE, DELETE ON c360.event_rules TO c360_rule_admin;
GRANT INSERT ON c360.event_queue, c360.segment_snapshots TO c360_rule_admin;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA c360 TO c360_rule_admin;

ALTER TABLE c360.customer_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable_source ON c360.customer_state FOR SELECT
    USING (pg_catalog.has_table_privilege(source, 'SELECT'));
ALTER TABLE c360.segment_breaks ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable_source ON c360.segment_breaks FOR SELECT
    USING (pg_catalog.has_table_privilege(source, 'SELECT'));
ALTER TABLE c360.event_queue ENABLE ROW LEVEL SECURITY;
CREATE POLICY readable_source ON c360.event_queue FOR SELECT
    USING (source IS NULL OR pg_catalog.has_table_privilege(source, 'SELECT'));
CREATE POLICY claim_readable ON c360.event_queue FOR UPDATE
    USING (source IS NULL OR pg_catalog.has_table_privilege(source, 'SELECT'));
CREATE POLICY queue_any ON c360.event_queue FOR INSERT WITH CHECK (true);
COMMENT ON POLICY readable_source ON c360.customer_state IS 'A role sees the state of the tables it may SELECT';
COMMENT ON POLICY readable_source ON c360.segment_breaks IS 'A role sees the breakpoints of the tables it may SELECT';
COMMENT ON POLICY readable_source ON c360.event_queue IS 'A role sees the events of the tables it may SELECT';
COMMENT ON POLICY claim_readable ON c360.event_queue IS 'A consumer claims only the events it may see';
COMMENT ON POLICY queue_any ON c360.event_queue IS 'c360_rule_admin queues batch events (c360.enqueue_inactivity) for any tracked table';
