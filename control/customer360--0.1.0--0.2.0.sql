-- customer360 upgrade 0.1.0 -> 0.2.0 (ALTER EXTENSION customer360 UPDATE TO '0.2.0').
-- Hand-written: every object 0.2.0 adds or changes against 0.1.0, so that the upgraded catalog
-- equals a fresh 0.2.0 install (checked by sql/upgrade.sql). Schema-qualified throughout.

\echo Use "ALTER EXTENSION customer360 UPDATE TO '0.2.0'" to load this file. \quit

-- ---- Citus (issue 15): first, since re-tracking tables below calls it
-- Citus: a distributed table cannot be joined with itself on another column than its distribution column
-- (the blocking rules of matching), nor paired at random across shards; the matching functions read such a table as a
-- subquery Citus plans apart (its rows brought to the coordinator as an intermediate result, OFFSET 0 keeps
-- it from being merged into the query), so that blocking, comparisons and random pairs run there and give
-- the local answer. Reference tables (replicated, partmethod 'n') and plain tables are used as they are.
-- c360.track_orders and c360.match_resolve refuse a distributed table with it. docs/distributed.md.
CREATE FUNCTION c360._source_sql(source pg_catalog.regclass) RETURNS pg_catalog.text
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    distributed bool := false;
BEGIN
    IF source IS NULL THEN
        RAISE EXCEPTION 'c360: source must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF NOT pg_catalog.has_table_privilege(source, 'SELECT') THEN   -- what is read through it must be readable
        RAISE EXCEPTION 'c360: permission denied for table %', source USING ERRCODE = '42501';
    END IF;
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
        EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1 AND partmethod <> ''n'')'
            INTO distributed USING source;
    END IF;
    IF distributed THEN
        RETURN pg_catalog.format('(SELECT * FROM %s OFFSET 0)', source);
    END IF;
    RETURN source::pg_catalog.text;
END
$function$;
COMMENT ON FUNCTION c360._source_sql(pg_catalog.regclass) IS
    'Internal: the FROM item (SQL text) the matching functions read a table through: the table, or for a Citus distributed table a subquery Citus brings to the coordinator (which tracking and identification refuse)';

-- ---- house-glue (issue 14, items 3-4): C symbol = c360_ + SQL name (src/pg/compat_0_1.cpp keeps the
-- 0.1.0 symbols resolvable); the functions whose symbol changed point at the new one.
CREATE OR REPLACE FUNCTION c360.rfm_breaks_add(state c360.rfm_sample, recency_days pg_catalog.float8,
                                    frequency pg_catalog.float8, monetary pg_catalog.float8)
    RETURNS c360.rfm_sample
    AS 'MODULE_PATHNAME', 'c360_rfm_breaks_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.cluster_pairs_query(query pg_catalog.text)
    RETURNS TABLE (record_id pg_catalog.int8, cluster_id pg_catalog.int8)
    AS 'MODULE_PATHNAME', 'c360_cluster_pairs_query'
    LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
CREATE OR REPLACE FUNCTION c360.pareto_nbd_add(state c360.clv_sample, x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8)
    RETURNS c360.clv_sample AS 'MODULE_PATHNAME', 'c360_pareto_nbd_add' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.gamma_gamma_add(state c360.clv_sample, x pg_catalog.float8, mean_value pg_catalog.float8)
    RETURNS c360.clv_sample AS 'MODULE_PATHNAME', 'c360_gamma_gamma_add' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.pareto_nbd_final(state c360.clv_sample) RETURNS c360.pareto_nbd_model
    AS 'MODULE_PATHNAME', 'c360_pareto_nbd_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.gamma_gamma_final(state c360.clv_sample) RETURNS c360.gamma_gamma_model
    AS 'MODULE_PATHNAME', 'c360_gamma_gamma_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.pareto_nbd_expected(model c360.pareto_nbd_model, t pg_catalog.float8, x pg_catalog.float8,
                                         t_x pg_catalog.float8, "T" pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_pareto_nbd_expected' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.pareto_nbd_p_alive(model c360.pareto_nbd_model, x pg_catalog.float8, t_x pg_catalog.float8,
                                        "T" pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_pareto_nbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.pareto_nbd_unconditional(model c360.pareto_nbd_model, t pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_pareto_nbd_unconditional' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.gamma_gamma_expected(model c360.gamma_gamma_model, x pg_catalog.float8,
                                          mean_value pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_gamma_gamma_expected' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.clv(model c360.pareto_nbd_model, spend_model c360.gamma_gamma_model,
                         x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8,
                         mean_value pg_catalog.float8, horizon_months pg_catalog.int4 DEFAULT 12,
                         monthly_discount_rate pg_catalog.float8 DEFAULT 0.01,
                         model_units_per_month pg_catalog.float8 DEFAULT 4.345)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_clv_pareto_nbd'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;

-- ---- send/recv for every state type (issue 14)
-- Binary input/output (binary COPY, the binary protocol Citus uses) for the state types that had none;
-- the values and their text forms are unchanged.
CREATE FUNCTION c360.slowdown_state_recv(pg_catalog.internal) RETURNS c360.slowdown_state
    AS 'MODULE_PATHNAME', 'c360_slowdown_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.slowdown_state_send(c360.slowdown_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_slowdown_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
ALTER TYPE c360.slowdown_state SET (RECEIVE = c360.slowdown_state_recv, SEND = c360.slowdown_state_send);
COMMENT ON FUNCTION c360.slowdown_state_recv(pg_catalog.internal) IS
    'Binary input of c360.slowdown_state (COPY ... FORMAT binary, binary protocol): versioned, network byte order, validated like the text input';
COMMENT ON FUNCTION c360.slowdown_state_send(c360.slowdown_state) IS 'Binary output of c360.slowdown_state (COPY ... FORMAT binary, binary protocol)';
CREATE FUNCTION c360.basket_state_recv(pg_catalog.internal) RETURNS c360.basket_state
    AS 'MODULE_PATHNAME', 'c360_basket_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.basket_state_send(c360.basket_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_basket_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
ALTER TYPE c360.basket_state SET (RECEIVE = c360.basket_state_recv, SEND = c360.basket_state_send);
COMMENT ON FUNCTION c360.basket_state_recv(pg_catalog.internal) IS
    'Binary input of c360.basket_state (COPY ... FORMAT binary, binary protocol): versioned, network byte order, validated like the text input';
COMMENT ON FUNCTION c360.basket_state_send(c360.basket_state) IS 'Binary output of c360.basket_state (COPY ... FORMAT binary, binary protocol)';
CREATE FUNCTION c360.uplift_sample_recv(pg_catalog.internal) RETURNS c360.uplift_sample
    AS 'MODULE_PATHNAME', 'c360_uplift_sample_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_sample_send(c360.uplift_sample) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_uplift_sample_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
ALTER TYPE c360.uplift_sample SET (RECEIVE = c360.uplift_sample_recv, SEND = c360.uplift_sample_send);
COMMENT ON FUNCTION c360.uplift_sample_recv(pg_catalog.internal) IS
    'Binary input of c360.uplift_sample (COPY ... FORMAT binary, binary protocol): versioned, network byte order, validated like the text input';
COMMENT ON FUNCTION c360.uplift_sample_send(c360.uplift_sample) IS 'Binary output of c360.uplift_sample (COPY ... FORMAT binary, binary protocol)';
CREATE FUNCTION c360.clv_sample_recv(pg_catalog.internal) RETURNS c360.clv_sample
    AS 'MODULE_PATHNAME', 'c360_clv_sample_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.clv_sample_send(c360.clv_sample) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_clv_sample_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
ALTER TYPE c360.clv_sample SET (RECEIVE = c360.clv_sample_recv, SEND = c360.clv_sample_send);
COMMENT ON FUNCTION c360.clv_sample_recv(pg_catalog.internal) IS
    'Binary input of c360.clv_sample (COPY ... FORMAT binary, binary protocol): versioned, network byte order, validated like the text input';
COMMENT ON FUNCTION c360.clv_sample_send(c360.clv_sample) IS 'Binary output of c360.clv_sample (COPY ... FORMAT binary, binary protocol)';
-- ---- comments on every object (issue 14)
-- Every COMMENT added to src/sql by this change, in install order (extracted from the diff of
-- src/sql: git diff -U0 <base> -- src/sql/<capability>.sql, added lines).

-- src/sql/rfm.sql
COMMENT ON FUNCTION c360.rfm_state_in(pg_catalog.cstring) IS 'Text input of type c360.rfm_state';
COMMENT ON FUNCTION c360.rfm_state_out(c360.rfm_state) IS 'Text output of type c360.rfm_state';
COMMENT ON FUNCTION c360.rfm_state_recv(pg_catalog.internal) IS 'Binary input of type c360.rfm_state (binary COPY, binary protocol)';
COMMENT ON FUNCTION c360.rfm_state_send(c360.rfm_state) IS 'Binary output of type c360.rfm_state (binary COPY, binary protocol)';
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
COMMENT ON AGGREGATE c360.rfm_partial(pg_catalog.date, pg_catalog.float8, pg_catalog.date) IS
    'Like the date form of c360.rfm but returns the mergeable c360.rfm_state (store it, roll it up with c360.rfm_rollup)';
COMMENT ON FUNCTION c360.rfm_sample_in(pg_catalog.cstring) IS 'Text input of type c360.rfm_sample';
COMMENT ON FUNCTION c360.rfm_sample_out(c360.rfm_sample) IS 'Text output of type c360.rfm_sample';
COMMENT ON FUNCTION c360.rfm_sample_recv(pg_catalog.internal) IS 'Binary input of type c360.rfm_sample (binary COPY, binary protocol)';
COMMENT ON FUNCTION c360.rfm_sample_send(c360.rfm_sample) IS 'Binary output of type c360.rfm_sample (binary COPY, binary protocol)';
COMMENT ON COLUMN c360.rfm_breaks.bins IS 'Number of score bins (1 to 100); each dimension has bins - 1 thresholds';
COMMENT ON COLUMN c360.rfm_breaks.customers IS 'Customers the breakpoints were computed from (rows without a NULL)';
COMMENT ON COLUMN c360.rfm_breaks.recency IS
    'Recency thresholds in days, decreasing: R = 1 + number of thresholds greater than recency_days';
COMMENT ON COLUMN c360.rfm_breaks.frequency IS
    'Frequency thresholds, increasing: F = 1 + number of thresholds less than frequency';
COMMENT ON COLUMN c360.rfm_breaks.monetary IS
    'Monetary thresholds, increasing: M = 1 + number of thresholds less than monetary';
COMMENT ON COLUMN c360.rfm_score.r IS 'Recency score: 1 (oldest last order) to bins (most recent)';
COMMENT ON COLUMN c360.rfm_score.f IS 'Frequency score: 1 (fewest orders) to bins';
COMMENT ON COLUMN c360.rfm_score.m IS 'Monetary score: 1 (lowest spend) to bins';
COMMENT ON COLUMN c360.rfm_score.rfm_cell IS 'The three scores as text, e.g. ''545'' (separated by dots when bins > 9)';
COMMENT ON COLUMN c360.rfm_score.segment IS 'Segment name of c360.rfm_segment(r, f, m) (NULL unless bins = 5)';
COMMENT ON FUNCTION c360.rfm_breaks_add(c360.rfm_sample, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4) IS
    'Transition function of aggregate c360.rfm_breaks: adds one customer''s (recency, frequency, monetary); a row with a NULL value is skipped';
COMMENT ON FUNCTION c360.rfm_breaks_add(c360.rfm_sample, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.rfm_breaks with 5 bins: adds one customer''s (recency, frequency, monetary); a row with a NULL value is skipped';
COMMENT ON FUNCTION c360.rfm_sample_merge(c360.rfm_sample, c360.rfm_sample) IS
    'Combine function of aggregate c360.rfm_breaks: the customers of both samples (same bins)';
COMMENT ON FUNCTION c360.rfm_breaks_final(c360.rfm_sample) IS
    'Final function of aggregate c360.rfm_breaks: the tie-stable quantile breakpoints of the sample';

-- src/sql/match.sql
COMMENT ON FUNCTION c360.fs_patterns_add(pg_catalog.float8[], pg_catalog.int4[], pg_catalog.int4[]) IS
    'Transition function of aggregate c360.fs_patterns (aggregate use only): counts one comparison vector; a row with NULL levels or nlevels is skipped';
COMMENT ON FUNCTION c360.fs_patterns_merge(pg_catalog.float8[], pg_catalog.float8[]) IS
    'Combine function of aggregate c360.fs_patterns (aggregate use only): adds two pattern tables of the same fields and levels';
COMMENT ON FUNCTION c360._blocking_sql(pg_catalog.regclass, pg_catalog.name, pg_catalog.text[]) IS
    'Internal: the query (text) of the candidate pairs (id_l < id_r) of a table under blocking rules, identifiers quoted; used by the matching functions';
COMMENT ON FUNCTION c360._levels_sql(pg_catalog.name[], pg_catalog.text[], pg_catalog.bool[]) IS
    'Internal: the SQL expression (text) of the comparison vector of fields l and r with one method each; masked fields give level -1';
COMMENT ON FUNCTION c360._floor_normalise(pg_catalog.float8[], pg_catalog.float8) IS
    'Internal: every value of p raised to at least floor, then rescaled to sum to 1 (model probabilities of c360.match_train)';
COMMENT ON TYPE c360.survivor_state IS
    'State of the survivorship aggregates c360.survivor, c360.most_recent, c360.most_complete: the best value so far, its rank (lower wins) and ts';
COMMENT ON FUNCTION c360.survivor_better(c360.survivor_state, c360.survivor_state) IS
    'Survivorship order: true when state a wins over b (b has no value, or a has a lower rank, then a later ts, then a value first in byte order)';
COMMENT ON FUNCTION c360.survivor_add(c360.survivor_state, pg_catalog.text, pg_catalog.float8, pg_catalog.timestamptz) IS
    'Transition function of aggregate c360.survivor: NULL and blank values are ignored, a NULL priority ranks last, NaN is an error (22023)';
COMMENT ON FUNCTION c360.survivor_merge(c360.survivor_state, c360.survivor_state) IS
    'Combine function of aggregates c360.survivor, c360.most_recent and c360.most_complete: the better of two states';
COMMENT ON FUNCTION c360.survivor_final(c360.survivor_state) IS
    'Final function of aggregates c360.survivor, c360.most_recent and c360.most_complete: the winning value';
COMMENT ON FUNCTION c360.most_recent_add(c360.survivor_state, pg_catalog.text, pg_catalog.timestamptz) IS
    'Transition function of aggregate c360.most_recent: c360.survivor_add with the same priority for every value';
COMMENT ON FUNCTION c360.most_complete_add(c360.survivor_state, pg_catalog.text) IS
    'Transition function of aggregate c360.most_complete: c360.survivor_add with priority = minus the length of the trimmed value';
COMMENT ON TYPE c360.frequency_state IS 'State of aggregate c360.most_frequent: the distinct non-blank values of a group and their counts';
COMMENT ON FUNCTION c360.frequency_add(c360.frequency_state, pg_catalog.text, pg_catalog.int8) IS
    'Adds n occurrences of a value to a c360.most_frequent state; NULL and blank values and a NULL or 0 n add nothing; more than 10000 distinct values is an error (54000); a damaged state (counts not one per value) is 22023';
COMMENT ON FUNCTION c360.frequency_add1(c360.frequency_state, pg_catalog.text) IS
    'Transition function of aggregate c360.most_frequent: one occurrence of the value';
COMMENT ON FUNCTION c360.frequency_merge(c360.frequency_state, c360.frequency_state) IS
    'Combine function of aggregate c360.most_frequent: adds the counts of two states';
COMMENT ON FUNCTION c360.frequency_final(c360.frequency_state) IS
    'Final function of aggregate c360.most_frequent: the most frequent value, ties to the first in byte order (NULL when none)';


-- The survivorship support functions in C (src/pg/match_survivor_pg.cpp): same signatures, states and results
CREATE OR REPLACE FUNCTION c360.survivor_add(state c360.survivor_state, value pg_catalog.text, priority pg_catalog.float8,
                                  ts pg_catalog.timestamptz) RETURNS c360.survivor_state
    AS 'MODULE_PATHNAME', 'c360_survivor_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.survivor_merge(a c360.survivor_state, b c360.survivor_state) RETURNS c360.survivor_state
    AS 'MODULE_PATHNAME', 'c360_survivor_merge' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.survivor_final(state c360.survivor_state) RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_survivor_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.most_recent_add(state c360.survivor_state, value pg_catalog.text, ts pg_catalog.timestamptz)
    RETURNS c360.survivor_state
    AS 'MODULE_PATHNAME', 'c360_most_recent_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.most_complete_add(state c360.survivor_state, value pg_catalog.text)
    RETURNS c360.survivor_state
    AS 'MODULE_PATHNAME', 'c360_most_complete_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.frequency_add(state c360.frequency_state, value pg_catalog.text, n pg_catalog.int8)
    RETURNS c360.frequency_state
    AS 'MODULE_PATHNAME', 'c360_frequency_add' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.frequency_add1(state c360.frequency_state, value pg_catalog.text)
    RETURNS c360.frequency_state
    AS 'MODULE_PATHNAME', 'c360_frequency_add1' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.frequency_merge(a c360.frequency_state, b c360.frequency_state)
    RETURNS c360.frequency_state
    AS 'MODULE_PATHNAME', 'c360_frequency_merge' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.frequency_final(state c360.frequency_state) RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_frequency_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- src/sql/events.sql
COMMENT ON FUNCTION c360.slowdown_state_in(pg_catalog.cstring) IS 'Text input of type c360.slowdown_state';
COMMENT ON FUNCTION c360.slowdown_state_out(c360.slowdown_state) IS 'Text output of type c360.slowdown_state';
COMMENT ON TYPE c360.slowdown_state IS
    'State of aggregate c360.purchase_slowdown (56 bytes): as_of, window, first and last order, orders before and in the recent window, rows ignored';
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
COMMENT ON FUNCTION c360.slowdown_add(c360.slowdown_state, pg_catalog.timestamptz, pg_catalog.timestamptz, pg_catalog.int4) IS
    'Transition function of aggregate c360.purchase_slowdown: adds one order (NULL order_ts or after as_of: ignored; NULL as_of or recent_days: error)';
COMMENT ON FUNCTION c360.slowdown_merge(c360.slowdown_state, c360.slowdown_state) IS
    'Combine function of aggregate c360.purchase_slowdown (same as_of and recent_days)';
COMMENT ON FUNCTION c360.slowdown_final(c360.slowdown_state) IS
    'Final function of aggregate c360.purchase_slowdown: the Poisson tests of the state, as c360.slowdown';
COMMENT ON FUNCTION c360.basket_state_in(pg_catalog.cstring) IS 'Text input of type c360.basket_state';
COMMENT ON FUNCTION c360.basket_state_out(c360.basket_state) IS 'Text output of type c360.basket_state';
COMMENT ON TYPE c360.basket_state IS
    'State of aggregate c360.basket_shift (112 bytes): number of categories and compensated sums of the past and recent counts';
COMMENT ON TYPE c360.basket_change IS 'Result of aggregate c360.basket_shift: how the category mix changed between two windows';
COMMENT ON COLUMN c360.basket_change.categories IS 'Categories (rows) aggregated';
COMMENT ON COLUMN c360.basket_change.past_total IS 'Sum of past_count over the categories';
COMMENT ON COLUMN c360.basket_change.recent_total IS 'Sum of recent_count over the categories';
COMMENT ON COLUMN c360.basket_change.hellinger IS
    'Hellinger distance of the two category distributions: 0 = same mix, 1 = nothing in common (NULL unless both windows have purchases)';
COMMENT ON COLUMN c360.basket_change.chi2 IS 'Chi-square statistic of the test of homogeneity (NULL unless both windows have purchases)';
COMMENT ON COLUMN c360.basket_change.df IS 'Degrees of freedom of the test: categories - 1 (NULL when below 1 or undefined)';
COMMENT ON COLUMN c360.basket_change.p_value IS 'p-value of the chi-square test (NULL when df is NULL)';
COMMENT ON FUNCTION c360.basket_add(c360.basket_state, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.basket_shift: adds one category''s past and recent counts (a NULL count is 0)';
COMMENT ON FUNCTION c360.basket_merge(c360.basket_state, c360.basket_state) IS 'Combine function of aggregate c360.basket_shift';
COMMENT ON FUNCTION c360.basket_final(c360.basket_state) IS
    'Final function of aggregate c360.basket_shift: Hellinger distance and chi-square test, as c360.basket_change';
COMMENT ON TYPE c360.customer_event IS
    'One customer event, as returned by the batch event functions (c360.inactive_customers, c360.snapshot_segments...)';
COMMENT ON COLUMN c360.customer_event.customer_id IS 'Customer id, as text';
COMMENT ON COLUMN c360.customer_event.event_type IS
    'Kind of event: inactivity, spend_threshold, contract_end, segment_change, or the event_type given to c360.upcoming_anniversaries';
COMMENT ON COLUMN c360.customer_event.event_time IS 'When the event happened or falls due (defined by each function)';
COMMENT ON COLUMN c360.customer_event.details IS 'Values behind the event (jsonb object), e.g. days_inactive, cumulative_spend, from and to segments';
COMMENT ON FUNCTION c360.next_anniversary(pg_catalog.date, pg_catalog.date) IS
    'The first anniversary of date d on or after as_of; 29 February falls on 28 February in common years';
COMMENT ON TABLE c360.segment_snapshots IS
    'RFM segments stored by c360.snapshot_segments: one row per snapshot series, run (as_of) and customer';
COMMENT ON COLUMN c360.segment_snapshots.snapshot_name IS 'Name of the snapshot series (argument snapshot_name, default ''default'')';
COMMENT ON COLUMN c360.segment_snapshots.taken_at IS 'as_of of the run that stored the row';
COMMENT ON COLUMN c360.segment_snapshots.customer_id IS 'Customer id, as text';
COMMENT ON COLUMN c360.segment_snapshots.segment IS 'RFM segment name at taken_at (c360.rfm_segment)';
COMMENT ON COLUMN c360.segment_snapshots.r IS 'Recency score, 1 to 5';
COMMENT ON COLUMN c360.segment_snapshots.f IS 'Frequency score, 1 to 5';
COMMENT ON COLUMN c360.segment_snapshots.m IS 'Monetary score, 1 to 5';
COMMENT ON FUNCTION c360.transitions_add(pg_catalog.jsonb, pg_catalog.text, pg_catalog.text) IS
    'Transition function of aggregate c360.segment_transitions: counts one (from, to) pair in a jsonb object';
COMMENT ON FUNCTION c360.transitions_merge(pg_catalog.jsonb, pg_catalog.jsonb) IS
    'Combine function of aggregate c360.segment_transitions: adds the counts of two states';
COMMENT ON FUNCTION c360.transitions_final(pg_catalog.jsonb) IS
    'Final function of aggregate c360.segment_transitions: jsonb array of {from, to, customers, rate}, ordered by from and to';
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
COMMENT ON FUNCTION c360.validate_event_rule() IS
    'Trigger function on c360.event_rules: checks rule_type and its params before each INSERT or UPDATE (22023 with a hint)';
COMMENT ON FUNCTION c360._event_rules_changed() IS
    'Statement trigger function on c360.event_rules: a relcache invalidation drops the per-backend copies of the rules';
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
COMMENT ON TABLE c360.tracked_tables IS 'Orders tables tracked by c360.track_orders, with their column names';
COMMENT ON COLUMN c360.tracked_tables.source IS 'The tracked orders table';
COMMENT ON COLUMN c360.tracked_tables.customer_col IS 'Its customer id column';
COMMENT ON COLUMN c360.tracked_tables.ts_col IS 'Its order timestamp column';
COMMENT ON COLUMN c360.tracked_tables.amount_col IS 'Its order amount column';
COMMENT ON COLUMN c360.tracked_tables.trigger_function IS
    'The generated UPDATE/DELETE trigger function of the table (c360.track_<oid>), dropped by c360.untrack_orders';
COMMENT ON COLUMN c360.tracked_tables.tracked_at IS 'When c360.track_orders was last called for the table';
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
COMMENT ON TABLE c360.segment_breaks IS 'RFM breakpoints of each tracked orders table, stored by c360.refresh_segments';
COMMENT ON COLUMN c360.segment_breaks.source IS 'The tracked orders table';
COMMENT ON COLUMN c360.segment_breaks.breaks IS
    'Breakpoints from c360.customer_state at computed_at (recency in days); each order re-scores its customer against them';
COMMENT ON COLUMN c360.segment_breaks.computed_at IS 'When c360.refresh_segments computed them';
COMMENT ON FUNCTION c360._fire_rules(pg_catalog.regclass, pg_catalog.text, pg_catalog.int8, pg_catalog.int8, pg_catalog.numeric,
                                     pg_catalog.numeric, pg_catalog.text, pg_catalog.timestamptz, pg_catalog.timestamptz) IS
    'Internal (UPDATE/DELETE tracking path): re-scores one customer''s segment and queues the events of the enabled rules that fire for its change';
COMMENT ON FUNCTION c360._segment_of(pg_catalog.regclass, pg_catalog.timestamptz, pg_catalog.int8, pg_catalog.numeric) IS
    'Internal: RFM segment of one customer against the stored breakpoints of a tracked table (NULL when there are none)';
COMMENT ON FUNCTION c360._customer_recomputed(pg_catalog.regclass, pg_catalog.text, pg_catalog.int8, pg_catalog.numeric,
                                              pg_catalog.timestamptz, pg_catalog.timestamptz) IS
    'Internal (UPDATE/DELETE tracking triggers): replaces one customer''s c360.customer_state row (deleted when no order is left) and fires the rules';
COMMENT ON FUNCTION c360.untrack_orders(pg_catalog.regclass) IS
    'Stops tracking an orders table: drops its triggers and generated function, deletes its c360.customer_state, c360.segment_breaks and c360.tracked_tables rows';
COMMENT ON FUNCTION c360.enqueue_inactivity(pg_catalog.timestamptz) IS
    'Queues an event for each tracked customer whose last order is at least the days of an enabled inactivity rule before as_of, once per silence; returns the number queued';
COMMENT ON FUNCTION c360.verify_customer_state(pg_catalog.regclass) IS
    'Number of customers whose c360.customer_state row differs from a full recomputation from the tracked table (0 expected)';

-- src/sql/scoring.sql
COMMENT ON FUNCTION c360.logit_model_in(pg_catalog.cstring) IS 'Text input of type c360.logit_model';
COMMENT ON FUNCTION c360.logit_model_out(c360.logit_model) IS 'Text output of type c360.logit_model';
COMMENT ON FUNCTION c360.logit_model_recv(pg_catalog.internal) IS 'Binary input of type c360.logit_model (binary COPY, binary protocol)';
COMMENT ON FUNCTION c360.logit_model_send(c360.logit_model) IS 'Binary output of type c360.logit_model (binary COPY, binary protocol)';
COMMENT ON FUNCTION c360.logit_rows_in(pg_catalog.cstring) IS 'Text input of type c360.logit_rows';
COMMENT ON FUNCTION c360.logit_rows_out(c360.logit_rows) IS 'Text output of type c360.logit_rows';
COMMENT ON FUNCTION c360.logit_rows_recv(pg_catalog.internal) IS 'Binary input of type c360.logit_rows (binary COPY, binary protocol)';
COMMENT ON FUNCTION c360.logit_rows_send(c360.logit_rows) IS 'Binary output of type c360.logit_rows (binary COPY, binary protocol)';
COMMENT ON FUNCTION c360.logit_stats_in(pg_catalog.cstring) IS 'Text input of type c360.logit_stats';
COMMENT ON FUNCTION c360.logit_stats_out(c360.logit_stats) IS 'Text output of type c360.logit_stats';
COMMENT ON FUNCTION c360.logit_stats_recv(pg_catalog.internal) IS 'Binary input of type c360.logit_stats (binary COPY, binary protocol)';
COMMENT ON FUNCTION c360.logit_stats_send(c360.logit_stats) IS 'Binary output of type c360.logit_stats (binary COPY, binary protocol)';
COMMENT ON FUNCTION c360.score_sample_in(pg_catalog.cstring) IS 'Text input of type c360.score_sample';
COMMENT ON FUNCTION c360.score_sample_out(c360.score_sample) IS 'Text output of type c360.score_sample';
COMMENT ON FUNCTION c360.score_sample_recv(pg_catalog.internal) IS 'Binary input of type c360.score_sample (binary COPY, binary protocol)';
COMMENT ON FUNCTION c360.score_sample_send(c360.score_sample) IS 'Binary output of type c360.score_sample (binary COPY, binary protocol)';
COMMENT ON FUNCTION c360.score_bins_in(pg_catalog.cstring) IS 'Text input of type c360.score_bins';
COMMENT ON FUNCTION c360.score_bins_out(c360.score_bins) IS 'Text output of type c360.score_bins';
COMMENT ON FUNCTION c360.score_bins_recv(pg_catalog.internal) IS 'Binary input of type c360.score_bins (binary COPY, binary protocol)';
COMMENT ON FUNCTION c360.score_bins_send(c360.score_bins) IS 'Binary output of type c360.score_bins (binary COPY, binary protocol)';
COMMENT ON TYPE c360.logit_options IS 'Training options of c360.logit_fit and c360.logit_train (build them with c360.logit_options())';
COMMENT ON COLUMN c360.logit_options.intercept IS 'Add an intercept term (default true)';
COMMENT ON COLUMN c360.logit_options.l2 IS 'Ridge penalty l2/2 x sum of squared coefficients, intercept not penalised (default 0)';
COMMENT ON COLUMN c360.logit_options.max_iterations IS 'Newton iterations at most (default 100)';
COMMENT ON COLUMN c360.logit_options.tolerance IS 'Stop when the Newton decrement / (|objective| + 0.1) <= tolerance (default 1e-18)';
COMMENT ON COLUMN c360.logit_options.standardize IS 'Centre and scale the features, the scaling kept in the model (default false)';
COMMENT ON FUNCTION c360.logit_fit_add(c360.logit_rows, pg_catalog.bool, pg_catalog.float8[]) IS
    'Transition function of aggregate c360.logit_fit: keeps one row; a NULL label, NULL array or NULL/NaN element counts it as skipped';
COMMENT ON FUNCTION c360.logit_fit_add(c360.logit_rows, pg_catalog.bool, pg_catalog.float8[], c360.logit_options) IS
    'Transition function of aggregate c360.logit_fit with options: keeps one row; a NULL label, NULL array or NULL/NaN element counts it as skipped';
COMMENT ON FUNCTION c360.logit_rows_merge(c360.logit_rows, c360.logit_rows) IS
    'Combine function of aggregate c360.logit_fit: the rows of both states';
COMMENT ON FUNCTION c360.logit_fit_final(c360.logit_rows) IS
    'Final function of aggregate c360.logit_fit: Newton/IRLS fit of the kept rows (a WARNING for separation, aliasing or no convergence)';
COMMENT ON FUNCTION c360.logit_step_add(c360.logit_stats, pg_catalog.bool, pg_catalog.float8[], c360.logit_model) IS
    'Transition function of aggregate c360.logit_step: adds one row to X''WX, gradient and log-likelihood at the model''s coefficients (unusable rows counted as skipped)';
COMMENT ON FUNCTION c360.logit_stats_merge(c360.logit_stats, c360.logit_stats) IS
    'Combine function of aggregates c360.logit_step and c360.logit_stats_rollup: adds two pass statistics';
COMMENT ON TYPE c360.logit_info IS 'Model-level statistics of a trained c360.logit_model (result of c360.logit_info)';
COMMENT ON COLUMN c360.logit_info.features IS 'Number of features (length of x)';
COMMENT ON COLUMN c360.logit_info.intercept IS 'true when the model has an intercept';
COMMENT ON COLUMN c360.logit_info.standardized IS 'true when the features were centred and scaled (coefficients per standard deviation)';
COMMENT ON COLUMN c360.logit_info.l2 IS 'Ridge penalty the model was trained with';
COMMENT ON COLUMN c360.logit_info.status IS '''converged'' or ''max_iterations''';
COMMENT ON COLUMN c360.logit_info.converged IS 'true when Newton converged before max_iterations';
COMMENT ON COLUMN c360.logit_info.iterations IS 'Newton iterations taken';
COMMENT ON COLUMN c360.logit_info.n_used IS 'Rows used in the fit';
COMMENT ON COLUMN c360.logit_info.n_skipped IS 'Rows skipped: NULL label, NULL feature array, or a NULL or NaN feature';
COMMENT ON COLUMN c360.logit_info.n_positive IS 'Rows used with y true';
COMMENT ON COLUMN c360.logit_info.log_likelihood IS 'Log-likelihood at the last pass';
COMMENT ON COLUMN c360.logit_info.null_deviance IS 'Deviance of the intercept-only model (2 n ln 2 without an intercept)';
COMMENT ON COLUMN c360.logit_info.deviance IS '-2 x log_likelihood';
COMMENT ON COLUMN c360.logit_info.aic IS 'deviance + 2 x number of non-aliased coefficients (not adjusted for an L2 penalty)';
COMMENT ON COLUMN c360.logit_info.condition_number IS 'sqrt(largest / smallest eigenvalue) of X''WX at the last pass';
COMMENT ON COLUMN c360.logit_info.n_aliased IS 'Coefficients fixed at 0 because their column is a linear combination of earlier ones';
COMMENT ON COLUMN c360.logit_info.warnings IS 'Warnings of the fit (separation, aliasing, no convergence) separated by ''; '' (NULL when none)';
COMMENT ON FUNCTION c360.score_sample_add(c360.score_sample, pg_catalog.float8, pg_catalog.bool) IS
    'Transition function of aggregate c360.auc: keeps one (score, label) pair; a NULL score or label counts the row as skipped';
COMMENT ON FUNCTION c360.score_sample_add(c360.score_sample, pg_catalog.float8, pg_catalog.bool, pg_catalog.int4) IS
    'Transition function of aggregate c360.gains: keeps one (score, label) pair; a NULL score or label counts the row as skipped';
COMMENT ON FUNCTION c360.score_sample_merge(c360.score_sample, c360.score_sample) IS
    'Combine function of aggregates c360.auc and c360.gains: the pairs of both states (same kind and bins)';
COMMENT ON FUNCTION c360.auc_final(c360.score_sample) IS
    'Final function of aggregate c360.auc: the exact ROC AUC (NULL without both a positive and a negative label)';
COMMENT ON TYPE c360.gain_row IS 'One bin of the gains / lift table of aggregate c360.gains';
COMMENT ON COLUMN c360.gain_row.bin IS 'Bin number: 1 = highest scores';
COMMENT ON COLUMN c360.gain_row.customers IS 'Rows in the bin';
COMMENT ON COLUMN c360.gain_row.responders IS 'Rows of the bin with label true';
COMMENT ON COLUMN c360.gain_row.response_rate IS 'responders / customers (NULL when the bin is empty)';
COMMENT ON COLUMN c360.gain_row.lift IS 'response_rate / overall response rate (NULL without responders or when the bin is empty)';
COMMENT ON COLUMN c360.gain_row.cumulative_customers IS 'Rows in bins 1 to bin';
COMMENT ON COLUMN c360.gain_row.cumulative_responders IS 'Responders in bins 1 to bin';
COMMENT ON COLUMN c360.gain_row.cumulative_response_rate IS 'cumulative_responders / cumulative_customers';
COMMENT ON COLUMN c360.gain_row.cumulative_lift IS 'cumulative_response_rate / overall response rate (NULL without responders)';
COMMENT ON COLUMN c360.gain_row.cumulative_gain IS 'Share of all responders in bins 1 to bin (NULL without responders)';
COMMENT ON COLUMN c360.gain_row.min_score IS 'Lowest score in the bin (NULL when the bin is empty)';
COMMENT ON COLUMN c360.gain_row.max_score IS 'Highest score in the bin (NULL when the bin is empty)';
COMMENT ON FUNCTION c360.gains_final(c360.score_sample) IS
    'Final function of aggregate c360.gains: the rows sorted by descending score (ties: non-responders first) cut like ntile(bins)';
COMMENT ON FUNCTION c360.log_loss_add(c360.score_bins, pg_catalog.float8, pg_catalog.bool) IS
    'Transition function of aggregate c360.log_loss: adds one row''s loss (score clipped to [1e-15, 1 - 1e-15]); a NULL score or label is skipped, a score outside [0, 1] is an error';
COMMENT ON FUNCTION c360.brier_add(c360.score_bins, pg_catalog.float8, pg_catalog.bool) IS
    'Transition function of aggregate c360.brier: adds one row''s squared error; a NULL score or label is skipped, a score outside [0, 1] is an error';
COMMENT ON FUNCTION c360.calibration_add(c360.score_bins, pg_catalog.float8, pg_catalog.bool, pg_catalog.int4) IS
    'Transition function of aggregate c360.calibration: counts one row in its probability bin; a NULL score or label is skipped, a score outside [0, 1] is an error';
COMMENT ON FUNCTION c360.score_bins_merge(c360.score_bins, c360.score_bins) IS
    'Combine function of aggregates c360.log_loss, c360.brier and c360.calibration (same kind and bins)';
COMMENT ON FUNCTION c360.score_bins_mean(c360.score_bins) IS
    'Final function of aggregates c360.log_loss and c360.brier: the mean loss of the rows (NULL when no row counted)';
COMMENT ON TYPE c360.calibration_row IS 'One probability bin of the calibration table of aggregate c360.calibration';
COMMENT ON COLUMN c360.calibration_row.bin IS 'Bin number, 1 = lowest probabilities';
COMMENT ON COLUMN c360.calibration_row.lower_bound IS 'Lower bound of the bin, (bin - 1) / bins (included)';
COMMENT ON COLUMN c360.calibration_row.upper_bound IS 'Upper bound of the bin, bin / bins (excluded, except for the last bin)';
COMMENT ON COLUMN c360.calibration_row.customers IS 'Rows whose score falls in the bin';
COMMENT ON COLUMN c360.calibration_row.responders IS 'Rows of the bin with label true';
COMMENT ON COLUMN c360.calibration_row.mean_score IS 'Mean predicted probability in the bin (NULL when the bin is empty)';
COMMENT ON COLUMN c360.calibration_row.observed_rate IS 'responders / customers (NULL when the bin is empty)';
COMMENT ON FUNCTION c360.calibration_final(c360.score_bins) IS
    'Final function of aggregate c360.calibration: one c360.calibration_row per equal-width probability bin';

-- src/sql/uplift.sql
COMMENT ON FUNCTION c360.ab_state_in(pg_catalog.cstring) IS 'Text input of type c360.ab_state';
COMMENT ON FUNCTION c360.ab_state_out(c360.ab_state) IS 'Text output of type c360.ab_state';
COMMENT ON FUNCTION c360.ab_state_recv(pg_catalog.internal) IS 'Binary input of type c360.ab_state (binary COPY, binary protocol)';
COMMENT ON FUNCTION c360.ab_state_send(c360.ab_state) IS 'Binary output of type c360.ab_state (binary COPY, binary protocol)';
COMMENT ON TYPE c360.lift_binary_result IS 'Result of aggregate c360.lift_binary: conversion rates of the two arms and the lift with its tests and intervals';
COMMENT ON COLUMN c360.lift_binary_result.n_control IS 'Rows of the control arm (treated = false)';
COMMENT ON COLUMN c360.lift_binary_result.n_treatment IS 'Rows of the treatment arm (treated = true)';
COMMENT ON COLUMN c360.lift_binary_result.conversions_control IS 'Converted rows of the control arm';
COMMENT ON COLUMN c360.lift_binary_result.conversions_treatment IS 'Converted rows of the treatment arm';
COMMENT ON COLUMN c360.lift_binary_result.rate_control IS 'conversions_control / n_control';
COMMENT ON COLUMN c360.lift_binary_result.rate_treatment IS 'conversions_treatment / n_treatment';
COMMENT ON COLUMN c360.lift_binary_result.abs_lift IS 'rate_treatment - rate_control';
COMMENT ON COLUMN c360.lift_binary_result.rel_lift IS 'rate_treatment / rate_control - 1 (NULL when rate_control is 0)';
COMMENT ON COLUMN c360.lift_binary_result.z IS 'Pooled two-proportion z statistic';
COMMENT ON COLUMN c360.lift_binary_result.p_value IS 'Two-sided p-value of the z test';
COMMENT ON COLUMN c360.lift_binary_result.wald_lower IS 'Lower limit of the Wald interval of abs_lift (unpooled standard error)';
COMMENT ON COLUMN c360.lift_binary_result.wald_upper IS 'Upper limit of the Wald interval of abs_lift (unpooled standard error)';
COMMENT ON COLUMN c360.lift_binary_result.newcombe_lower IS 'Lower limit of the Newcombe-Wilson interval of abs_lift (Newcombe 1998, method 10)';
COMMENT ON COLUMN c360.lift_binary_result.newcombe_upper IS 'Upper limit of the Newcombe-Wilson interval of abs_lift (Newcombe 1998, method 10)';
COMMENT ON COLUMN c360.lift_binary_result.rel_lower IS 'Lower limit of the interval of rel_lift (delta method, Welch df)';
COMMENT ON COLUMN c360.lift_binary_result.rel_upper IS 'Upper limit of the interval of rel_lift (delta method, Welch df)';
COMMENT ON COLUMN c360.lift_binary_result.rel_p_value IS 'Two-sided p-value of rel_lift (delta method)';
COMMENT ON COLUMN c360.lift_binary_result.incremental_conversions IS 'n_treatment x abs_lift: conversions due to the treatment';
COMMENT ON COLUMN c360.lift_binary_result.incremental_lower IS 'n_treatment x newcombe_lower';
COMMENT ON COLUMN c360.lift_binary_result.incremental_upper IS 'n_treatment x newcombe_upper';
COMMENT ON COLUMN c360.lift_binary_result.confidence IS 'Confidence level of the intervals (default 0.95)';
COMMENT ON COLUMN c360.lift_binary_result.skipped IS 'Rows with a NULL group or outcome, not counted';
COMMENT ON TYPE c360.lift_mean_result IS
    'Result of aggregates c360.lift_mean and c360.lift_cuped: the difference of mean outcomes of the two arms with its Welch test and intervals';
COMMENT ON COLUMN c360.lift_mean_result.n_control IS 'Rows of the control arm (treated = false)';
COMMENT ON COLUMN c360.lift_mean_result.n_treatment IS 'Rows of the treatment arm (treated = true)';
COMMENT ON COLUMN c360.lift_mean_result.mean_control IS 'Mean outcome of the control arm (unadjusted)';
COMMENT ON COLUMN c360.lift_mean_result.mean_treatment IS 'Mean outcome of the treatment arm (unadjusted)';
COMMENT ON COLUMN c360.lift_mean_result.sd_control IS 'Sample standard deviation of the outcome, control arm (unadjusted)';
COMMENT ON COLUMN c360.lift_mean_result.sd_treatment IS 'Sample standard deviation of the outcome, treatment arm (unadjusted)';
COMMENT ON COLUMN c360.lift_mean_result.diff IS 'mean_treatment - mean_control (CUPED-adjusted for c360.lift_cuped)';
COMMENT ON COLUMN c360.lift_mean_result.std_err IS 'Standard error of diff (NULL when an arm has fewer than 2 rows)';
COMMENT ON COLUMN c360.lift_mean_result.t IS 'Welch t statistic of diff';
COMMENT ON COLUMN c360.lift_mean_result.df IS 'Welch-Satterthwaite degrees of freedom';
COMMENT ON COLUMN c360.lift_mean_result.p_value IS 'Two-sided p-value of the Welch t test';
COMMENT ON COLUMN c360.lift_mean_result.lower IS 'Lower limit of the interval of diff';
COMMENT ON COLUMN c360.lift_mean_result.upper IS 'Upper limit of the interval of diff';
COMMENT ON COLUMN c360.lift_mean_result.rel_lift IS 'diff / mean_control (NULL when mean_control is 0)';
COMMENT ON COLUMN c360.lift_mean_result.rel_lower IS 'Lower limit of the interval of rel_lift (delta method)';
COMMENT ON COLUMN c360.lift_mean_result.rel_upper IS 'Upper limit of the interval of rel_lift (delta method)';
COMMENT ON COLUMN c360.lift_mean_result.rel_p_value IS 'Two-sided p-value of rel_lift (delta method)';
COMMENT ON COLUMN c360.lift_mean_result.incremental_total IS 'n_treatment x diff, e.g. incremental revenue';
COMMENT ON COLUMN c360.lift_mean_result.incremental_lower IS 'n_treatment x lower';
COMMENT ON COLUMN c360.lift_mean_result.incremental_upper IS 'n_treatment x upper';
COMMENT ON COLUMN c360.lift_mean_result.theta IS 'CUPED coefficient cov(outcome, pre_value) / var(pre_value), both arms pooled (c360.lift_cuped only)';
COMMENT ON COLUMN c360.lift_mean_result.variance_reduction IS '1 - Var(adjusted diff) / Var(raw diff) (c360.lift_cuped only)';
COMMENT ON COLUMN c360.lift_mean_result.confidence IS 'Confidence level of the intervals (default 0.95)';
COMMENT ON COLUMN c360.lift_mean_result.skipped IS 'Rows not counted: NULL group or outcome (or pre_value, c360.lift_cuped)';
COMMENT ON FUNCTION c360.ab_add_binary(c360.ab_state, pg_catalog.bool, pg_catalog.bool) IS
    'Transition function of aggregate c360.lift_binary: adds one row (NULL treated or converted: counted in skipped)';
COMMENT ON FUNCTION c360.ab_add_binary(c360.ab_state, pg_catalog.bool, pg_catalog.bool, pg_catalog.float8) IS
    'Transition function of aggregate c360.lift_binary with a confidence level (the same for every row of a group)';
COMMENT ON FUNCTION c360.ab_add_mean(c360.ab_state, pg_catalog.bool, pg_catalog.float8) IS
    'Transition function of aggregate c360.lift_mean: adds one row (NULL treated or value: counted in skipped)';
COMMENT ON FUNCTION c360.ab_add_mean(c360.ab_state, pg_catalog.bool, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.lift_mean with a confidence level (the same for every row of a group)';
COMMENT ON FUNCTION c360.ab_add_cuped(c360.ab_state, pg_catalog.bool, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.lift_cuped: adds one row (NULL treated, value or pre_value: counted in skipped)';
COMMENT ON FUNCTION c360.ab_add_cuped(c360.ab_state, pg_catalog.bool, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.lift_cuped with a confidence level (the same for every row of a group)';
COMMENT ON FUNCTION c360.ab_merge(c360.ab_state, c360.ab_state) IS
    'Combine function of aggregates c360.lift_binary, c360.lift_mean and c360.lift_cuped (Chan''s formulas for the moments)';
COMMENT ON FUNCTION c360.lift_binary_final(c360.ab_state) IS 'Final function of aggregate c360.lift_binary: the c360.lift_binary_result of the state';
COMMENT ON FUNCTION c360.lift_mean_final(c360.ab_state) IS 'Final function of aggregate c360.lift_mean: the c360.lift_mean_result of the state';
COMMENT ON FUNCTION c360.lift_cuped_final(c360.ab_state) IS
    'Final function of aggregate c360.lift_cuped: the CUPED-adjusted c360.lift_mean_result of the state';
COMMENT ON AGGREGATE c360.lift_binary(pg_catalog.bool, pg_catalog.bool, pg_catalog.float8) IS
    'c360.lift_binary at a given confidence level in (0, 1), the same for every row of a group';
COMMENT ON AGGREGATE c360.lift_mean(pg_catalog.bool, pg_catalog.float8, pg_catalog.float8) IS
    'c360.lift_mean at a given confidence level in (0, 1), the same for every row of a group';
COMMENT ON AGGREGATE c360.lift_cuped(pg_catalog.bool, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'c360.lift_cuped at a given confidence level in (0, 1), the same for every row of a group';
COMMENT ON TYPE c360.srm_result IS 'Result of c360.srm_test: chi-square goodness of fit of the arm sizes';
COMMENT ON COLUMN c360.srm_result.chi2 IS 'Chi-square statistic: sum of (observed - expected)^2 / expected';
COMMENT ON COLUMN c360.srm_result.df IS 'Degrees of freedom: number of arms - 1';
COMMENT ON COLUMN c360.srm_result.p_value IS 'p-value of the statistic; a small value means the split differs from the design';
COMMENT ON TYPE c360.roi_result IS 'Result of c360.campaign_roi: incremental revenue and return on investment with intervals';
COMMENT ON COLUMN c360.roi_result.incremental_revenue IS 'incremental_total of the c360.lift_mean_result';
COMMENT ON COLUMN c360.roi_result.revenue_lower IS 'Lower limit of incremental_revenue (incremental_lower)';
COMMENT ON COLUMN c360.roi_result.revenue_upper IS 'Upper limit of incremental_revenue (incremental_upper)';
COMMENT ON COLUMN c360.roi_result.cost IS 'Cost of the campaign, as given';
COMMENT ON COLUMN c360.roi_result.margin IS 'Share of revenue that is margin, as given (0 to 1)';
COMMENT ON COLUMN c360.roi_result.roi IS '(incremental_revenue x margin - cost) / cost';
COMMENT ON COLUMN c360.roi_result.roi_lower IS '(revenue_lower x margin - cost) / cost';
COMMENT ON COLUMN c360.roi_result.roi_upper IS '(revenue_upper x margin - cost) / cost';
COMMENT ON FUNCTION c360.uplift_sample_in(pg_catalog.cstring) IS 'Text input of type c360.uplift_sample';
COMMENT ON FUNCTION c360.uplift_sample_out(c360.uplift_sample) IS 'Text output of type c360.uplift_sample';
COMMENT ON TYPE c360.uplift_sample IS
    'State of the uplift-evaluation aggregates (c360.qini_auc, c360.uplift_curve...): the (score, treated, converted) rows, 24 bytes each';
COMMENT ON FUNCTION c360.uplift_add(c360.uplift_sample, pg_catalog.float8, pg_catalog.bool, pg_catalog.bool) IS
    'Transition function of aggregates c360.qini_auc and c360.uplift_auc: keeps one row (a NULL score, group or outcome: not evaluated)';
COMMENT ON FUNCTION c360.uplift_add(c360.uplift_sample, pg_catalog.float8, pg_catalog.bool, pg_catalog.bool, pg_catalog.float8) IS
    'Transition function of aggregate c360.uplift_at_k: keeps one row (a NULL score, group or outcome: not evaluated); k the same for every row';
COMMENT ON FUNCTION c360.uplift_add(c360.uplift_sample, pg_catalog.float8, pg_catalog.bool, pg_catalog.bool, pg_catalog.int4) IS
    'Transition function of aggregates c360.uplift_by_percentile and c360.uplift_curve: keeps one row; bins or points the same for every row';
COMMENT ON FUNCTION c360.uplift_merge(c360.uplift_sample, c360.uplift_sample) IS
    'Combine function of the uplift-evaluation aggregates: the rows of both states';
COMMENT ON FUNCTION c360.qini_auc_final(c360.uplift_sample) IS 'Final function of aggregate c360.qini_auc';
COMMENT ON FUNCTION c360.uplift_auc_final(c360.uplift_sample) IS 'Final function of aggregate c360.uplift_auc';
COMMENT ON FUNCTION c360.uplift_at_k_final(c360.uplift_sample) IS 'Final function of aggregate c360.uplift_at_k';
COMMENT ON TYPE c360.uplift_bin IS
    'One score bin of aggregate c360.uplift_by_percentile; counts are fractional when a bin boundary splits a run of tied scores';
COMMENT ON COLUMN c360.uplift_bin.bin IS 'Bin number: 1 = highest scores';
COMMENT ON COLUMN c360.uplift_bin.n_treatment IS 'Treated rows in the bin';
COMMENT ON COLUMN c360.uplift_bin.n_control IS 'Control rows in the bin';
COMMENT ON COLUMN c360.uplift_bin.conversions_treatment IS 'Converted treated rows in the bin';
COMMENT ON COLUMN c360.uplift_bin.conversions_control IS 'Converted control rows in the bin';
COMMENT ON COLUMN c360.uplift_bin.rate_treatment IS 'conversions_treatment / n_treatment (NULL without treated rows)';
COMMENT ON COLUMN c360.uplift_bin.rate_control IS 'conversions_control / n_control (NULL without control rows)';
COMMENT ON COLUMN c360.uplift_bin.uplift IS 'rate_treatment - rate_control';
COMMENT ON COLUMN c360.uplift_bin.std_err IS 'Standard error of uplift: sqrt of the sum of the two binomial variances';
COMMENT ON COLUMN c360.uplift_bin.customers IS 'n_treatment + n_control';
COMMENT ON TYPE c360.uplift_point IS
    'One point of the Qini and uplift curves of aggregate c360.uplift_curve: the counts among the top-scored rows';
COMMENT ON COLUMN c360.uplift_point.point IS 'Point number, 0 to points';
COMMENT ON COLUMN c360.uplift_point.share IS 'Share of the rows taken from the top, 0 to 1';
COMMENT ON COLUMN c360.uplift_point.customers IS 'Rows taken from the top: round(n x point / points)';
COMMENT ON COLUMN c360.uplift_point.n_treatment IS 'Treated rows among them';
COMMENT ON COLUMN c360.uplift_point.n_control IS 'Control rows among them';
COMMENT ON COLUMN c360.uplift_point.conversions_treatment IS 'Converted treated rows among them';
COMMENT ON COLUMN c360.uplift_point.conversions_control IS 'Converted control rows among them';
COMMENT ON COLUMN c360.uplift_point.qini IS 'Qini: conversions_treatment - conversions_control x n_treatment / n_control';
COMMENT ON COLUMN c360.uplift_point.uplift_gain IS 'Uplift curve: (treated rate - control rate) x customers';
COMMENT ON COLUMN c360.uplift_point.random_qini IS 'Qini of a random targeting: the final Qini x share';
COMMENT ON FUNCTION c360.uplift_by_percentile_final(c360.uplift_sample) IS
    'Final function of aggregate c360.uplift_by_percentile: bins rows of c360.uplift_bin (NULL without rows)';
COMMENT ON FUNCTION c360.uplift_curve_final(c360.uplift_sample) IS
    'Final function of aggregate c360.uplift_curve: points + 1 rows of c360.uplift_point (NULL without rows)';

-- src/sql/ltv.sql
COMMENT ON FUNCTION c360.clv_sample_in(pg_catalog.cstring) IS 'Text input of type c360.clv_sample';
COMMENT ON FUNCTION c360.clv_sample_out(c360.clv_sample) IS 'Text output of type c360.clv_sample';
COMMENT ON TYPE c360.bgnbd_model IS 'A fitted BG/NBD model (result of aggregate c360.bgnbd_fit), in the time unit of its summaries';
COMMENT ON COLUMN c360.bgnbd_model.r IS 'Shape r of the gamma distribution of the purchase rates';
COMMENT ON COLUMN c360.bgnbd_model.alpha IS 'Parameter alpha (rate, per time unit) of the gamma distribution of the purchase rates';
COMMENT ON COLUMN c360.bgnbd_model.a IS 'Parameter a of the beta distribution of the dropout probability after a purchase';
COMMENT ON COLUMN c360.bgnbd_model.b IS 'Parameter b of the beta distribution of the dropout probability after a purchase';
COMMENT ON COLUMN c360.bgnbd_model.log_likelihood IS 'Log-likelihood at the fitted parameters';
COMMENT ON COLUMN c360.bgnbd_model.converged IS 'false when the optimiser did not converge or stopped on a parameter bound (1e-5 or 1e5)';
COMMENT ON COLUMN c360.bgnbd_model.iterations IS 'BFGS iterations of the fit';
COMMENT ON COLUMN c360.bgnbd_model.customers IS 'Customers used by the fit';
COMMENT ON COLUMN c360.bgnbd_model.distinct_summaries IS 'Distinct customer summaries the likelihood was computed over (identical ones are merged)';
COMMENT ON TYPE c360.pareto_nbd_model IS 'A fitted Pareto/NBD model (result of aggregate c360.pareto_nbd_fit), in the time unit of its summaries';
COMMENT ON COLUMN c360.pareto_nbd_model.r IS 'Shape r of the gamma distribution of the purchase rates';
COMMENT ON COLUMN c360.pareto_nbd_model.alpha IS 'Parameter alpha (rate, per time unit) of the gamma distribution of the purchase rates';
COMMENT ON COLUMN c360.pareto_nbd_model.s IS 'Shape s of the gamma distribution of the dropout rates';
COMMENT ON COLUMN c360.pareto_nbd_model.beta IS 'Parameter beta (rate, per time unit) of the gamma distribution of the dropout rates';
COMMENT ON COLUMN c360.pareto_nbd_model.log_likelihood IS 'Log-likelihood at the fitted parameters';
COMMENT ON COLUMN c360.pareto_nbd_model.converged IS 'false when the optimiser did not converge or stopped on a parameter bound (1e-5 or 1e5)';
COMMENT ON COLUMN c360.pareto_nbd_model.iterations IS 'BFGS iterations of the fit';
COMMENT ON COLUMN c360.pareto_nbd_model.customers IS 'Customers used by the fit';
COMMENT ON COLUMN c360.pareto_nbd_model.distinct_summaries IS 'Distinct customer summaries the likelihood was computed over (identical ones are merged)';
COMMENT ON TYPE c360.gamma_gamma_model IS 'A fitted Gamma-Gamma spend model (result of aggregate c360.gamma_gamma_fit)';
COMMENT ON COLUMN c360.gamma_gamma_model.p IS 'Shape p of the gamma distribution of a customer''s transaction values';
COMMENT ON COLUMN c360.gamma_gamma_model.q IS 'Shape q of the gamma distribution of the customers'' scale parameter';
COMMENT ON COLUMN c360.gamma_gamma_model.gamma IS 'Parameter gamma of the gamma distribution of the customers'' scale parameter';
COMMENT ON COLUMN c360.gamma_gamma_model.log_likelihood IS 'Log-likelihood at the fitted parameters';
COMMENT ON COLUMN c360.gamma_gamma_model.converged IS 'false when the optimiser did not converge or stopped on a parameter bound (1e-5 or 1e5)';
COMMENT ON COLUMN c360.gamma_gamma_model.iterations IS 'BFGS iterations of the fit';
COMMENT ON COLUMN c360.gamma_gamma_model.customers IS 'Customers used by the fit (repeat customers, x >= 1)';
COMMENT ON COLUMN c360.gamma_gamma_model.distinct_summaries IS 'Distinct customer summaries the likelihood was computed over (identical ones are merged)';
COMMENT ON FUNCTION c360.bgnbd_add(c360.clv_sample, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.bgnbd_fit: keeps one customer''s (x, t_x, T); a NULL value skips the customer, an invalid summary is an error (22023)';
COMMENT ON FUNCTION c360.pareto_nbd_add(c360.clv_sample, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.pareto_nbd_fit: keeps one customer''s (x, t_x, T); a NULL value skips the customer, an invalid summary is an error (22023)';
COMMENT ON FUNCTION c360.gamma_gamma_add(c360.clv_sample, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.gamma_gamma_fit: keeps one repeat customer''s (x, mean_value); x = 0 or a NULL value skips it, mean_value <= 0 is an error';
COMMENT ON FUNCTION c360.clv_merge(c360.clv_sample, c360.clv_sample) IS
    'Combine function of the lifetime-value fit aggregates: the customers of both states (same model)';
COMMENT ON FUNCTION c360.bgnbd_final(c360.clv_sample) IS
    'Final function of aggregate c360.bgnbd_fit: the maximum-likelihood c360.bgnbd_model (NULL without customers)';
COMMENT ON FUNCTION c360.pareto_nbd_final(c360.clv_sample) IS
    'Final function of aggregate c360.pareto_nbd_fit: the maximum-likelihood c360.pareto_nbd_model (NULL without customers)';
COMMENT ON FUNCTION c360.gamma_gamma_final(c360.clv_sample) IS
    'Final function of aggregate c360.gamma_gamma_fit: the maximum-likelihood c360.gamma_gamma_model (NULL without customers)';
COMMENT ON FUNCTION c360.pareto_nbd_expected(c360.pareto_nbd_model, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Pareto/NBD: expected purchases in the next t time units of a customer with summary (x, t_x, T)';
COMMENT ON FUNCTION c360.pareto_nbd_p_alive(c360.pareto_nbd_model, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Pareto/NBD: probability that the customer with summary (x, t_x, T) is still active';
COMMENT ON FUNCTION c360.pareto_nbd_unconditional(c360.pareto_nbd_model, pg_catalog.float8) IS
    'Pareto/NBD E[X(t)]: expected purchases in t time units of a new customer';
COMMENT ON FUNCTION c360.clv(c360.pareto_nbd_model, c360.gamma_gamma_model, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4, pg_catalog.float8, pg_catalog.float8) IS
    'Discounted expected value over horizon_months with a Pareto/NBD model: sum_k spend x (E[Y(k u)] - E[Y((k-1) u)]) / (1 + monthly rate)^k, u = model units per month';

-- ---- layouts and rule kinds defined once (issue 14)
-- The Fellegi-Sunter model layout is src/core/match/fs.hpp's only: c360.match_train's random-pairs
-- model comes from c360._fs_combine_rules (c360._floor_normalise is gone), c360.match_parameters
-- reads the model's header through c360.match_model_info. The event rule kinds are
-- src/core/events/rules.hpp's: the validation trigger asks c360._event_rule_problem, users
-- c360.event_rule_kinds().
CREATE FUNCTION c360.match_model_info(model pg_catalog.float8[], OUT fields pg_catalog.int4, OUT levels pg_catalog.int4[],
                                      OUT lambda pg_catalog.float8, OUT iterations pg_catalog.int4)
    AS 'MODULE_PATHNAME', 'c360_match_model_info'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.match_model_info(pg_catalog.float8[]) IS
    'The header of a Fellegi-Sunter model: number of fields, levels of each field, prior lambda, EM iterations';

CREATE OR REPLACE FUNCTION c360.match_parameters(model pg_catalog.float8[], fields pg_catalog.text[] DEFAULT NULL)
    RETURNS TABLE (field pg_catalog.int4, name pg_catalog.text, level pg_catalog.int4,
                   m pg_catalog.float8, u pg_catalog.float8, weight pg_catalog.float8)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
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

-- match_train gained tf_fields, tf_weight, tf_min_u (term frequencies, issue 13): a new signature
DROP FUNCTION c360.match_train(pg_catalog.regclass, pg_catalog.name, pg_catalog.name[], pg_catalog.text[],
                               pg_catalog.text[], pg_catalog.int4, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4);
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


DROP FUNCTION c360._floor_normalise(pg_catalog.float8[], pg_catalog.float8);

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

CREATE OR REPLACE FUNCTION c360.validate_event_rule() RETURNS trigger
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

-- Issue 12: every SQL and PL/pgSQL function pins its search_path (a planted public operator never resolves inside).
ALTER FUNCTION c360.match_parameters(pg_catalog.float8[], pg_catalog.text[]) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION c360.survivor_better(c360.survivor_state, c360.survivor_state) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION c360.next_anniversary(pg_catalog.date, pg_catalog.date) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION c360.transitions_add(pg_catalog.jsonb, pg_catalog.text, pg_catalog.text) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION c360.transitions_merge(pg_catalog.jsonb, pg_catalog.jsonb) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION c360.transitions_final(pg_catalog.jsonb) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION c360.claim_events(pg_catalog.int4) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION c360.logit_options(pg_catalog.bool, pg_catalog.float8, pg_catalog.int4, pg_catalog.float8, pg_catalog.bool) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION c360.logit_summary(c360.logit_model, pg_catalog.text[]) SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION c360.one_hot_names(pg_catalog.text, pg_catalog.text[], pg_catalog.bool) SET search_path = pg_catalog, pg_temp;

-- Issue 12: logit_train runs the caller's SQL text under the caller's search_path, one statement only; the rest pinned.

-- true when SQL text holds a ";" outside string literals, quoted identifiers, dollar quotes and comments
-- (an E'' string's backslash escapes are not followed: a "\'" there may make a ";" look quoted, and then
-- EXECUTE itself refuses the second statement with 42601).
CREATE FUNCTION c360._sql_has_semicolon(sql pg_catalog.text) RETURNS pg_catalog.bool
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    i pg_catalog.int4 := 1;
    n pg_catalog.int4 := pg_catalog.length(sql);
    c pg_catalog.text;
    tag pg_catalog.text;
    j pg_catalog.int4;
BEGIN
    -- no ";" at all: false in O(n) (the scan below reads characters by position, quadratic in a long text)
    IF pg_catalog.strpos(sql, ';') = 0 THEN
        RETURN false;
    END IF;
    WHILE i <= n LOOP
        c := pg_catalog.substr(sql, i, 1);
        IF c = ';' THEN
            RETURN true;
        ELSIF c = '''' OR c = '"' THEN
            -- up to the closing quote; a doubled quote is part of the text
            j := i + 1;
            LOOP
                EXIT WHEN j > n;
                IF pg_catalog.substr(sql, j, 1) = c THEN
                    EXIT WHEN pg_catalog.substr(sql, j + 1, 1) <> c;
                    j := j + 1;
                END IF;
                j := j + 1;
            END LOOP;
            i := j + 1;
        ELSIF c = '-' AND pg_catalog.substr(sql, i + 1, 1) = '-' THEN
            j := pg_catalog.strpos(pg_catalog.substr(sql, i), E'\n');
            IF j = 0 THEN RETURN false; END IF;
            i := i + j;
        ELSIF c = '/' AND pg_catalog.substr(sql, i + 1, 1) = '*' THEN
            j := pg_catalog.strpos(pg_catalog.substr(sql, i + 2), '*/');
            IF j = 0 THEN RETURN false; END IF;
            i := i + j + 3;
        ELSIF c = '$' AND pg_catalog.substring(pg_catalog.substr(sql, i), '^\$[A-Za-z_]?[A-Za-z_0-9]*\$') IS NOT NULL THEN
            tag := pg_catalog.substring(pg_catalog.substr(sql, i), '^\$[A-Za-z_]?[A-Za-z_0-9]*\$');
            j := pg_catalog.strpos(pg_catalog.substr(sql, i + pg_catalog.length(tag)), tag);
            IF j = 0 THEN RETURN false; END IF;
            i := i + pg_catalog.length(tag) + j - 1 + pg_catalog.length(tag);
        ELSE
            i := i + 1;
        END IF;
    END LOOP;
    RETURN false;
END
$function$;
COMMENT ON FUNCTION c360._sql_has_semicolon(pg_catalog.text) IS
    'true when SQL text holds a ";" outside literals, quoted identifiers and comments (used by c360.logit_train)';

-- The FROM item of a training source: a query in parentheses, or a table or view name resolved as the
-- caller sees it (under the caller's search_path; the regclass text is schema-qualified when needed).
-- VOLATILE PARALLEL UNSAFE: it sets search_path (set_config), which a parallel worker may not do.
-- A NULL source gives NULL (the train functions refuse NULL arguments before calling it).
CREATE FUNCTION c360._train_source(source pg_catalog.text, caller_search_path pg_catalog.text) RETURNS pg_catalog.text
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF source ~* '^\s*(select|with|values|table)\M' OR source ~ '^\s*\(' THEN
        RETURN '(' || source || ')';
    END IF;
    PERFORM pg_catalog.set_config('search_path', caller_search_path, true);
    RETURN source::pg_catalog.regclass::pg_catalog.text;
END
$function$;
COMMENT ON FUNCTION c360._train_source(pg_catalog.text, pg_catalog.text) IS
    'FROM item of the source of c360.logit_train and c360.bgnbd_train & co.: a query in parentheses, or the table or view the caller names';

-- source, label and features are SQL text run as the caller, under the caller's search_path (trusted input:
-- they name the caller's tables and functions); the rest of the body runs under the pinned search_path.
-- c360.logit_train is the one SQL function without a pinned search_path: it only captures the caller's
-- search_path, and its body has no operator and only schema-qualified names.
CREATE FUNCTION c360._logit_train(source pg_catalog.text, label pg_catalog.text, features pg_catalog.text,
                                  options c360.logit_options, caller_search_path pg_catalog.text)
    RETURNS c360.logit_model
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
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
    IF c360._sql_has_semicolon(source) OR c360._sql_has_semicolon(label) OR c360._sql_has_semicolon(features) THEN
        RAISE EXCEPTION 'c360.logit_train: source, label and features must each be one SQL expression or query, without ";"'
            USING ERRCODE = '22023';
    END IF;
    -- a table or view name, or a query; the caller's names resolve as the caller sees them
    rel := c360._train_source(source, caller_search_path);
    query := pg_catalog.format('SELECT c360.logit_step((%s)::pg_catalog.bool, (%s)::pg_catalog.float8[], $1) FROM %s AS c360_source',
                               label, features, rel);
    model := c360.logit_start(options);
    LOOP
        PERFORM pg_catalog.set_config('search_path', caller_search_path, true);
        EXECUTE query INTO stats USING model;
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
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
COMMENT ON FUNCTION c360._logit_train(pg_catalog.text, pg_catalog.text, pg_catalog.text, c360.logit_options, pg_catalog.text) IS
    'Body of c360.logit_train: runs the caller''s source, label and features under the caller''s search_path, the rest pinned';
CREATE OR REPLACE FUNCTION c360.logit_train(source pg_catalog.text, label pg_catalog.text, features pg_catalog.text,
                                 options c360.logit_options DEFAULT c360.logit_options())
    RETURNS c360.logit_model
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN c360._logit_train(source, label, features, options, pg_catalog.current_setting('search_path'));
COMMENT ON FUNCTION c360.logit_train(pg_catalog.text, pg_catalog.text, pg_catalog.text, c360.logit_options) IS
    'Logistic regression over a table, view or query of any size: one parallel-safe aggregate pass per Newton step';

-- Issue 12: btyd_summary refuses a NULL time_unit (22004) like every other NULL argument. Issue 15: it
-- groups by the customer column itself, not by its text, so that Citus pushes the grouping down to the shards.
CREATE OR REPLACE FUNCTION c360.btyd_summary(orders pg_catalog.regclass, customer_col pg_catalog.name,
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
    IF orders IS NULL OR customer_col IS NULL OR ts_col IS NULL OR amount_col IS NULL OR calibration_end IS NULL
       OR time_unit IS NULL THEN
        RAISE EXCEPTION 'c360.btyd_summary: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF NOT (unit_days > 0) THEN
        RAISE EXCEPTION 'c360.btyd_summary: time_unit must be a positive interval, e.g. ''7 days''' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY EXECUTE format($q$
        SELECT d.cid::text, (s).frequency - 1, (last_day - first_day) / $2, ($1 - first_day) / $2,
               (s).avg_repeat_value, first_day, last_day
        FROM (SELECT cid, c360.rfm(day, amount, $1) AS s, min(day) AS first_day, max(day) AS last_day
              FROM (SELECT %1$I AS cid, %2$I::date AS day, sum(coalesce(%3$I::float8, 0)) AS amount
                    FROM %4$s WHERE %1$I IS NOT NULL AND pg_catalog.isfinite(%2$I) AND %2$I::date <= $1
                    GROUP BY 1, 2) days
              GROUP BY cid) d
    $q$, customer_col, ts_col, amount_col, orders) USING calibration_end, unit_days;
END
$function$;
-- c360.track_orders: a c360.track_<oid> planted by another role is dropped, not replaced in place
-- (CREATE OR REPLACE kept its owner); the generated body is a quoted literal (a $t$ in a column name).
CREATE OR REPLACE FUNCTION c360.track_orders(orders pg_catalog.regclass, customer_col pg_catalog.name,
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
    -- The triggers go first, then any function of that name: one planted by another role with
    -- CREATE on c360 is dropped, never replaced in place (CREATE OR REPLACE keeps its owner, who
    -- could rewrite the body later). The body is a quoted literal (%L), whatever the column names.
    FOR col IN SELECT t.tgname FROM pg_trigger t WHERE t.tgrelid = orders AND t.tgname IN ('c360_track', 'c360_track_changes') LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', col, orders);
    END LOOP;
    IF pg_catalog.to_regprocedure(fn || '()') IS NOT NULL THEN
        EXECUTE format('DROP FUNCTION %s()', fn);
    END IF;
    EXECUTE format($body$
        CREATE FUNCTION %1$s() RETURNS trigger
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS %2$L $body$, fn, format($t$
        DECLARE
            agg record;
        BEGIN
            -- UPDATE and DELETE (INSERT is c360._track_insert): the customers concerned are
            -- recomputed from the table
            IF OLD.%2$I IS NOT NULL THEN
                SELECT count(*) AS n, sum(coalesce(%4$I::numeric, 0)) AS m, min(%3$I) AS f, max(%3$I) AS l INTO agg
                FROM %5$s WHERE %2$I = OLD.%2$I AND %3$I IS NOT NULL;
                PERFORM c360._customer_recomputed(%1$s::oid::regclass, OLD.%2$I::text, agg.n, agg.m, agg.f, agg.l);
            END IF;
            IF TG_OP = 'UPDATE' AND NEW.%2$I IS NOT NULL AND NEW.%2$I IS DISTINCT FROM OLD.%2$I THEN
                SELECT count(*) AS n, sum(coalesce(%4$I::numeric, 0)) AS m, min(%3$I) AS f, max(%3$I) AS l INTO agg
                FROM %5$s WHERE %2$I = NEW.%2$I AND %3$I IS NOT NULL;
                PERFORM c360._customer_recomputed(%1$s::oid::regclass, NEW.%2$I::text, agg.n, agg.m, agg.f, agg.l);
            END IF;
            RETURN NULL;
        END
        $t$, orders::oid, customer_col, ts_col, amount_col, orders));
    IF (SELECT p.proowner FROM pg_proc p WHERE p.oid = (fn || '()')::regprocedure)
       IS DISTINCT FROM (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user) THEN
        RAISE EXCEPTION 'c360.track_orders: % is not owned by %', fn, current_user USING ERRCODE = '42501';
    END IF;
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

-- Tracking without generated functions (issue 12): c360._track notes each change, the deferred
-- c360._track_apply applies them at commit in a fixed lock order as the extension's owner;
-- track_orders / untrack_orders / refresh_segments are C gates (the caller must own the table)
-- over internal functions; predefined roles, grants and row-level security on the state.
CREATE FUNCTION c360._track() RETURNS trigger AS 'MODULE_PATHNAME', 'c360_track' LANGUAGE C;
COMMENT ON FUNCTION c360._track() IS
    'Row trigger of c360.track_orders (arguments: customer, timestamp and amount columns): notes each change of a tracked table for the commit-time apply';
CREATE FUNCTION c360._track_apply() RETURNS trigger AS 'MODULE_PATHNAME', 'c360_track_apply' LANGUAGE C;
COMMENT ON FUNCTION c360._track_apply() IS
    'Deferred constraint trigger of c360.track_orders: applies the transaction''s noted changes to c360.customer_state at commit, customers in a fixed lock order';
-- only c360.track_orders (as the extension's owner) attaches them to a table
REVOKE EXECUTE ON FUNCTION c360._track(), c360._track_apply() FROM PUBLIC;

COMMENT ON COLUMN c360.tracked_tables.trigger_function IS
    'The tracking trigger function of the table: c360._track (0.1.0 generated c360.track_<oid>)';
CREATE TRIGGER tracked_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON c360.tracked_tables
    FOR EACH STATEMENT EXECUTE FUNCTION c360._event_rules_changed();
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

CREATE OR REPLACE FUNCTION c360.track_orders(orders pg_catalog.regclass, customer_col pg_catalog.name,
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

CREATE OR REPLACE FUNCTION c360.untrack_orders(orders pg_catalog.regclass)
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

CREATE OR REPLACE FUNCTION c360.refresh_segments(orders pg_catalog.regclass)
    RETURNS c360.rfm_breaks AS 'MODULE_PATHNAME', 'c360_refresh_segments' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION c360.refresh_segments(pg_catalog.regclass) IS
    'Recomputes the RFM breakpoints of a tracked table the caller owns and every customer''s segment (schedule it, e.g. nightly)';

-- the tables tracked by 0.1.0 get the new triggers; their generated functions and the 0.1.0
-- INSERT trigger function go
DO $upgrade$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tt.source, tt.customer_col, tt.ts_col, tt.amount_col, tt.trigger_function
             FROM c360.tracked_tables tt ORDER BY tt.source LOOP
        PERFORM c360._track_orders(t.source, t.customer_col, t.ts_col, t.amount_col);
        IF t.trigger_function <> 'c360._track' AND pg_catalog.to_regprocedure(t.trigger_function || '()') IS NOT NULL THEN
            EXECUTE pg_catalog.format('DROP FUNCTION %s()', t.trigger_function);
        END IF;
    END LOOP;
END
$upgrade$;
DROP FUNCTION c360._track_insert();
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

-- rfm_scores skips orders with an infinite timestamp, like NULL ones (one such order failed the whole
-- table: c360.rfm refuses it); btyd_summary's replacement above does the same
CREATE OR REPLACE FUNCTION c360.rfm_scores(orders pg_catalog.regclass, customer_col pg_catalog.name, ts_col pg_catalog.name,
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

-- ==== Single customer view: term frequencies, persons and households (issue 13) ====
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

-- candidate pairs read with both records, one self-join per rule (src/sql/match.sql)
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


CREATE OR REPLACE FUNCTION c360._blocking_sql(source pg_catalog.regclass, id_col pg_catalog.name, blocks pg_catalog.text[])
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


CREATE OR REPLACE FUNCTION c360.match_score(source pg_catalog.regclass, id_col pg_catalog.name, fields pg_catalog.name[],
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
-- ==== French postal addresses (issue 13, item 5) ====
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

-- Citus-style calls without an expression, for the emulated Citus checks (src/sql/common.sql)
CREATE FUNCTION c360._call_without_expression(fn pg_catalog.regprocedure, args pg_catalog.text[])
    RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_call_without_expression'
    LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION c360._call_without_expression(pg_catalog.regprocedure, pg_catalog.text[]) IS
    'Internal (tests): calls a c360 function the caller may execute, as Citus calls aggregate support functions (no call expression); arguments and result as text';

-- Issue 15: the matching functions read a Citus distributed table through c360._source_sql (its rows on the
-- coordinator): blocking self-joins, comparisons and random pairs give the local answer there.

CREATE OR REPLACE FUNCTION c360.compare_pairs(source pg_catalog.regclass, id_col pg_catalog.name, fields pg_catalog.name[],
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

-- ==== Iterated lifetime-value fits (issue 15, item 2; src/core/ltv/search.hpp, docs/ltv.md) ====

-- Fits over tables of any size (docs/ltv.md): the same maximum-likelihood search as the fit aggregates,
-- with the likelihood summed by one parallel-safe aggregate pass per request (src/core/ltv/search.hpp).
-- On a table distributed by Citus each pass runs on the shards and combines partial sums.
CREATE TYPE c360.clv_search;
CREATE FUNCTION c360.clv_search_in(pg_catalog.cstring) RETURNS c360.clv_search
    AS 'MODULE_PATHNAME', 'c360_clv_search_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_search_in(pg_catalog.cstring) IS 'Text input of type c360.clv_search';
CREATE FUNCTION c360.clv_search_out(c360.clv_search) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_clv_search_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_search_out(c360.clv_search) IS 'Text output of type c360.clv_search';
CREATE FUNCTION c360.clv_search_recv(pg_catalog.internal) RETURNS c360.clv_search
    AS 'MODULE_PATHNAME', 'c360_clv_search_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_search_recv(pg_catalog.internal) IS 'Binary input of c360.clv_search, validated like the text input';
CREATE FUNCTION c360.clv_search_send(c360.clv_search) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_clv_search_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_search_send(c360.clv_search) IS 'Binary output of c360.clv_search';
CREATE TYPE c360.clv_search (
    INTERNALLENGTH = VARIABLE, INPUT = c360.clv_search_in, OUTPUT = c360.clv_search_out,
    RECEIVE = c360.clv_search_recv, SEND = c360.clv_search_send, ALIGNMENT = double, STORAGE = extended);
COMMENT ON TYPE c360.clv_search IS
    'A lifetime-value fit between two passes: the optimiser''s state and the points whose likelihood the next pass sums';

CREATE TYPE c360.clv_pass;
CREATE FUNCTION c360.clv_pass_in(pg_catalog.cstring) RETURNS c360.clv_pass
    AS 'MODULE_PATHNAME', 'c360_clv_pass_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pass_in(pg_catalog.cstring) IS 'Text input of type c360.clv_pass';
CREATE FUNCTION c360.clv_pass_out(c360.clv_pass) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_clv_pass_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pass_out(c360.clv_pass) IS 'Text output of type c360.clv_pass';
CREATE FUNCTION c360.clv_pass_recv(pg_catalog.internal) RETURNS c360.clv_pass
    AS 'MODULE_PATHNAME', 'c360_clv_pass_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pass_recv(pg_catalog.internal) IS 'Binary input of c360.clv_pass, validated like the text input';
CREATE FUNCTION c360.clv_pass_send(c360.clv_pass) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_clv_pass_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pass_send(c360.clv_pass) IS 'Binary output of c360.clv_pass';
CREATE TYPE c360.clv_pass (
    INTERNALLENGTH = VARIABLE, INPUT = c360.clv_pass_in, OUTPUT = c360.clv_pass_out,
    RECEIVE = c360.clv_pass_recv, SEND = c360.clv_pass_send, ALIGNMENT = double, STORAGE = extended);
COMMENT ON TYPE c360.clv_pass IS
    'State of aggregate c360.clv_step: customers, weights and compensated log-likelihood sums at each requested point';

CREATE FUNCTION c360.clv_start(model pg_catalog.text) RETURNS c360.clv_search
    AS 'MODULE_PATHNAME', 'c360_clv_start' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_start(pg_catalog.text) IS
    'The first request of an iterated fit of model ''bgnbd'', ''pareto_nbd'' or ''gamma_gamma'' (see c360.bgnbd_train)';
CREATE FUNCTION c360.clv_step_add(state c360.clv_pass, x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8,
                                  weight pg_catalog.float8, search c360.clv_search)
    RETURNS c360.clv_pass AS 'MODULE_PATHNAME', 'c360_clv_step_add' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_step_add(c360.clv_pass, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, c360.clv_search) IS
    'Transition function of aggregate c360.clv_step (BG/NBD, Pareto/NBD): adds weight x log-likelihood of one customer at each requested point; NULL values skip the customer, T = 0 is skipped, an invalid summary is an error (22023)';
CREATE FUNCTION c360.clv_step_add(state c360.clv_pass, x pg_catalog.float8, mean_value pg_catalog.float8,
                                  weight pg_catalog.float8, search c360.clv_search)
    RETURNS c360.clv_pass AS 'MODULE_PATHNAME', 'c360_clv_step_add_spend' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_step_add(c360.clv_pass, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, c360.clv_search) IS
    'Transition function of aggregate c360.clv_step (Gamma-Gamma): adds one repeat customer (x = 0 and NULL values are skipped)';
CREATE FUNCTION c360.clv_pass_merge(a c360.clv_pass, b c360.clv_pass) RETURNS c360.clv_pass
    AS 'MODULE_PATHNAME', 'c360_clv_pass_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pass_merge(c360.clv_pass, c360.clv_pass) IS
    'Combine function of aggregate c360.clv_step: adds two partial passes of the same request';
CREATE FUNCTION c360.clv_pass_final(state c360.clv_pass) RETURNS c360.clv_pass
    AS 'MODULE_PATHNAME', 'c360_clv_pass_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pass_final(c360.clv_pass) IS
    'Final function of aggregate c360.clv_step: each compensated sum folded into one number (the same pass whatever the order rows and partial states came in)';
CREATE AGGREGATE c360.clv_step(x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8,
                               weight pg_catalog.float8, search c360.clv_search) (
    SFUNC = c360.clv_step_add, STYPE = c360.clv_pass, COMBINEFUNC = c360.clv_pass_merge, FINALFUNC = c360.clv_pass_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.clv_step(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, c360.clv_search) IS
    'One pass of an iterated BG/NBD or Pareto/NBD fit: the log-likelihood sums at the search''s requested points (search constant per group)';
CREATE AGGREGATE c360.clv_step(x pg_catalog.float8, mean_value pg_catalog.float8, weight pg_catalog.float8,
                               search c360.clv_search) (
    SFUNC = c360.clv_step_add, STYPE = c360.clv_pass, COMBINEFUNC = c360.clv_pass_merge, FINALFUNC = c360.clv_pass_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.clv_step(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, c360.clv_search) IS
    'One pass of an iterated Gamma-Gamma fit: the log-likelihood sums at the search''s requested points (search constant per group)';
CREATE FUNCTION c360.clv_update(search c360.clv_search, pass c360.clv_pass) RETURNS c360.clv_search
    AS 'MODULE_PATHNAME', 'c360_clv_update' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_update(c360.clv_search, c360.clv_pass) IS
    'The search after one pass: the next request, or done (a NULL pass, from a source without rows, is an error)';
CREATE FUNCTION c360.clv_done(search c360.clv_search) RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'c360_clv_done' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_done(c360.clv_search) IS 'true once the search has its fit (read it with c360.clv_bgnbd_model & co.)';
CREATE FUNCTION c360.clv_bgnbd_model(search c360.clv_search) RETURNS c360.bgnbd_model
    AS 'MODULE_PATHNAME', 'c360_clv_bgnbd_model' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_bgnbd_model(c360.clv_search) IS 'The BG/NBD model of a done search (distinct_summaries counts the rows used)';
CREATE FUNCTION c360.clv_pareto_nbd_model(search c360.clv_search) RETURNS c360.pareto_nbd_model
    AS 'MODULE_PATHNAME', 'c360_clv_pareto_nbd_model' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pareto_nbd_model(c360.clv_search) IS 'The Pareto/NBD model of a done search (distinct_summaries counts the rows used)';
CREATE FUNCTION c360.clv_gamma_gamma_model(search c360.clv_search) RETURNS c360.gamma_gamma_model
    AS 'MODULE_PATHNAME', 'c360_clv_gamma_gamma_model' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_gamma_gamma_model(c360.clv_search) IS 'The Gamma-Gamma model of a done search (distinct_summaries counts the rows used)';

-- source and the column expressions are SQL text run as the caller, under the caller's search_path
-- (trusted input, as for c360.logit_train); the rest of the body runs under the pinned search_path.
CREATE FUNCTION c360._clv_train(model pg_catalog.text, source pg_catalog.text, columns pg_catalog.text[],
                                caller_search_path pg_catalog.text)
    RETURNS c360.clv_search
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    fn pg_catalog.text := pg_catalog.format('c360.%s_train', model);
    rel pg_catalog.text;
    query pg_catalog.text;
    search c360.clv_search;
    pass c360.clv_pass;
    passes pg_catalog.int4 := 0;
    expected pg_catalog.int4 := CASE model WHEN 'gamma_gamma' THEN 3 ELSE 4 END;
BEGIN
    IF source IS NULL OR columns IS NULL OR pg_catalog.array_position(columns, NULL) IS NOT NULL THEN
        RAISE EXCEPTION '%: arguments must not be NULL', fn USING ERRCODE = '22004';
    END IF;
    IF pg_catalog.cardinality(columns) <> expected THEN
        RAISE EXCEPTION '%: expected % column expressions', fn, expected USING ERRCODE = '22023';
    END IF;
    IF c360._sql_has_semicolon(source) OR c360._sql_has_semicolon(pg_catalog.array_to_string(columns, ' ')) THEN
        RAISE EXCEPTION '%: source and the column expressions must each be one SQL expression or query, without ";"', fn
            USING ERRCODE = '22023';
    END IF;
    -- a table or view name, or a query; the caller's names resolve as the caller sees them
    rel := c360._train_source(source, caller_search_path);
    query := pg_catalog.format('SELECT c360.clv_step(%s, $1) FROM %s AS c360_source',
        (SELECT pg_catalog.string_agg(pg_catalog.format('(%s)::pg_catalog.float8', c), ', ' ORDER BY i)
         FROM pg_catalog.unnest(columns) WITH ORDINALITY AS u(c, i)), rel);
    search := c360.clv_start(model);
    LOOP
        PERFORM pg_catalog.set_config('search_path', caller_search_path, true);
        EXECUTE query INTO pass USING search;
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
        search := c360.clv_update(search, pass);
        passes := passes + 1;
        EXIT WHEN c360.clv_done(search);
        IF passes > 5000 THEN
            RAISE EXCEPTION '%: no convergence after % passes', fn, passes USING ERRCODE = 'XX000';
        END IF;
    END LOOP;
    RETURN search;
END
$function$;
COMMENT ON FUNCTION c360._clv_train(pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.text) IS
    'Body of c360.bgnbd_train & co.: runs the caller''s source and column expressions under the caller''s search_path, the rest pinned';
CREATE FUNCTION c360.bgnbd_train(source pg_catalog.text, x pg_catalog.text DEFAULT 'x', t_x pg_catalog.text DEFAULT 't_x',
                                 "T" pg_catalog.text DEFAULT '"T"', weight pg_catalog.text DEFAULT '1')
    RETURNS c360.bgnbd_model
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN c360.clv_bgnbd_model(c360._clv_train('bgnbd', source, ARRAY[x, t_x, "T", weight],
                                                pg_catalog.current_setting('search_path')));
COMMENT ON FUNCTION c360.bgnbd_train(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'BG/NBD fit over a table, view or query of (x, t_x, T) summaries of any size: one parallel-safe, Citus-pushable aggregate pass per optimiser request';
CREATE FUNCTION c360.pareto_nbd_train(source pg_catalog.text, x pg_catalog.text DEFAULT 'x', t_x pg_catalog.text DEFAULT 't_x',
                                      "T" pg_catalog.text DEFAULT '"T"', weight pg_catalog.text DEFAULT '1')
    RETURNS c360.pareto_nbd_model
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN c360.clv_pareto_nbd_model(c360._clv_train('pareto_nbd', source, ARRAY[x, t_x, "T", weight],
                                                     pg_catalog.current_setting('search_path')));
COMMENT ON FUNCTION c360.pareto_nbd_train(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Pareto/NBD fit over a table, view or query of (x, t_x, T) summaries of any size: one parallel-safe, Citus-pushable aggregate pass per optimiser request';
CREATE FUNCTION c360.gamma_gamma_train(source pg_catalog.text, x pg_catalog.text DEFAULT 'x',
                                       mean_value pg_catalog.text DEFAULT 'mean_value', weight pg_catalog.text DEFAULT '1')
    RETURNS c360.gamma_gamma_model
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN c360.clv_gamma_gamma_model(c360._clv_train('gamma_gamma', source, ARRAY[x, mean_value, weight],
                                                      pg_catalog.current_setting('search_path')));
COMMENT ON FUNCTION c360.gamma_gamma_train(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Gamma-Gamma fit over a table, view or query of (x, mean_value) of any size (x = 0 rows skipped): one aggregate pass per optimiser request';


-- ==== Blocking self-joins by hash (issue 13 item 6, speed): SET enable_mergejoin = off ====
CREATE OR REPLACE FUNCTION c360.candidate_pairs(source pg_catalog.regclass, id_col pg_catalog.name, blocks pg_catalog.text[])
    RETURNS TABLE (id_l pg_catalog.int8, id_r pg_catalog.int8)
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
    SET enable_mergejoin = off
AS $function$
BEGIN
    RETURN QUERY EXECUTE c360._pairs_sql(c360._source_sql(source), id_col, blocks, format('l.%1$I::bigint, r.%1$I::bigint', id_col));
END
$function$;

-- ==== Comparison method 'location' (issue 13 item 1: a move is one disagreement, not two) ====
COMMENT ON FUNCTION c360.compare_level(pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Comparison level of two values under a method (name, tokens, code, date, address, location: 3 to 0; exact: 1/0; docs/match.md); -1 when one is NULL or empty';
