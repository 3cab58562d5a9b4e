--
-- c360.rfm: the summary aggregate, its NULL / NaN / infinity handling, its state type.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

CREATE TABLE orders_basic (customer text, ts timestamptz, amount float8);
INSERT INTO orders_basic VALUES
    ('alice', '2024-01-10', 20),
    ('alice', '2024-02-09', 30),
    ('alice', '2024-03-10', NULL),          -- NULL amount: counted, value 0
    ('alice', '2024-05-01', 1000),          -- after as_of: ignored
    ('bob',   '2024-03-01 12:00', 15.5),
    ('bob',   NULL, 99),                    -- NULL timestamp: ignored
    ('carol', '2024-06-01', 10),            -- only orders after as_of
    ('dave',  '2024-03-31', 5),             -- two orders at as_of itself: counted
    ('dave',  '2024-03-31', 7),
    ('erin',  '2024-03-01', -40),           -- a refund counts as a negative amount
    ('erin',  '2024-02-01', 100);

-- alice: last order 2024-03-10, 21 days before as_of; first 2024-01-10, 81 days before
SELECT customer, (c360.rfm(ts, amount, '2024-03-31')).*
FROM orders_basic GROUP BY customer ORDER BY customer;

-- expanded view of one summary
\x on
SELECT (c360.rfm(ts, amount, '2024-03-31')).* FROM orders_basic WHERE customer = 'alice';
\x off

-- no rows at all: NULL (like sum); rows but none before as_of: frequency 0
SELECT c360.rfm(ts, amount, '2024-03-31') IS NULL AS empty_is_null FROM orders_basic WHERE false;
SELECT (c360.rfm(ts, amount, '2000-01-01')).* FROM orders_basic;

-- bad input: clear errors with SQLSTATEs, never a crash
SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('NULL as_of',       $$SELECT c360.rfm(ts, amount, NULL) FROM orders_basic$$),
    ('NaN amount',       $$SELECT c360.rfm(now(), 'NaN', now())$$),
    ('+Infinity amount', $$SELECT c360.rfm(now(), 'Infinity', now())$$),
    ('-Infinity amount', $$SELECT c360.rfm(now(), '-Infinity', now())$$),
    ('infinite order_ts',$$SELECT c360.rfm('infinity', 1, now())$$),
    ('-infinite order_ts',$$SELECT c360.rfm('-infinity', 1, now())$$),
    ('infinite as_of',   $$SELECT c360.rfm(now(), 1, 'infinity')$$),
    ('as_of varies',     $$SELECT c360.rfm(ts, amount, ts) FROM orders_basic WHERE customer = 'alice'$$)
) AS t(label, query);
SELECT 1 AS backend_alive;

-- the transition function is callable on its own (incremental maintenance)
SELECT c360.rfm_add(NULL, '2024-01-10', 20, '2024-03-31');
SELECT (c360.rfm_final(c360.rfm_add(c360.rfm_add(NULL, '2024-01-10', 20, '2024-03-31'),
                                    '2024-03-10', 5, '2024-03-31'))).*;

-- text form: exact round trip (it is the wire format between Citus nodes)
SELECT customer, s::text = s::text::c360.rfm_state::text AS round_trip
FROM (SELECT customer, c360.rfm_partial(ts, amount, '2024-03-31') AS s
      FROM orders_basic GROUP BY customer) t ORDER BY customer;
SELECT c360.rfm_partial(ts, amount * 0.1, '2024-03-31')::text AS state_text
FROM orders_basic WHERE customer = 'alice';

-- corrupted states are rejected
SELECT label, pg_temp.sqlstate_of(format('SELECT %L::c360.rfm_state', txt)) AS error FROM (VALUES
    ('garbage',          'garbage'),
    ('truncated',        'rfm1(1,0,10,5,5,1,1,0'),
    ('first after last', 'rfm1(1,0,10,20,5,1,1,0,1,0)'),
    ('last after as_of', 'rfm1(1,0,10,5,20,1,1,0,1,0)'),
    ('negative count',   'rfm1(-1,0,10,0,0,0,0,0,0,0)'),
    ('NaN money',        'rfm1(1,0,10,5,5,1,nan,0,1,0)'),
    ('trailing text',    'rfm1(0,0,10,0,0,0,0,0,0,0) x'),
    ('huge count',       'rfm1(99999999999999999999,0,10,0,0,0,0,0,0,0)')
) AS t(label, txt);

-- states merge: monthly partial states rolled up equal the direct aggregate
CREATE TABLE monthly_states AS
SELECT customer, date_trunc('month', ts) AS month, c360.rfm_partial(ts, amount, '2024-03-31') AS s
FROM orders_basic WHERE ts IS NOT NULL GROUP BY customer, date_trunc('month', ts);
SELECT r.customer, r.summary = d.summary AS rollup_equals_direct
FROM (SELECT customer, c360.rfm_final(c360.rfm_rollup(s)) AS summary FROM monthly_states GROUP BY customer) r
JOIN (SELECT customer, c360.rfm(ts, amount, '2024-03-31') AS summary FROM orders_basic
      WHERE ts IS NOT NULL GROUP BY customer) d USING (customer)
ORDER BY customer;
SELECT pg_temp.sqlstate_of($$SELECT c360.rfm_merge(c360.rfm_add(NULL, now(), 1, '2024-01-01'),
                                                  c360.rfm_add(NULL, now(), 1, '2024-02-01'))$$) AS merge_mixed_as_of;

-- binary COPY round trip (send/recv)
\getenv abs_builddir PG_ABS_BUILDDIR
\set state_file :abs_builddir '/results/rfm_states.bin'
CREATE TABLE states_out AS SELECT customer, c360.rfm_partial(ts, amount, '2024-03-31') AS s
FROM orders_basic GROUP BY customer;
COPY states_out TO :'state_file' (FORMAT binary);
CREATE TABLE states_in (LIKE states_out);
COPY states_in FROM :'state_file' (FORMAT binary);
SELECT o.customer, o.s::text = i.s::text AS binary_round_trip
FROM states_out o JOIN states_in i USING (customer) ORDER BY customer;

-- the aggregate is strict-free: a NULL amount with a NULL timestamp is just ignored
SELECT (c360.rfm(NULL::timestamptz, NULL::float8, '2024-03-31')).frequency,
       (c360.rfm(NULL::timestamptz, NULL::float8, '2024-03-31')).ignored_orders;

-- a window aggregate works too (running summary per customer)
SELECT customer, ts, (c360.rfm(ts, amount, '2024-03-31') OVER w).frequency AS running_frequency
FROM orders_basic WHERE customer IN ('alice', 'erin') AND ts IS NOT NULL
WINDOW w AS (PARTITION BY customer ORDER BY ts)
ORDER BY customer, ts;

-- the date form: whole days whatever the time zone (here one with daylight saving time)
SET TimeZone = 'Europe/Paris';
SELECT (c360.rfm(d, 10, DATE '1998-07-01')).recency_days AS date_form,
       (c360.rfm(d::timestamptz, 10, DATE '1998-07-01'::timestamptz)).recency_days AS timestamptz_cast
FROM (VALUES (DATE '1998-03-01')) AS v(d);
SET TimeZone = 'UTC';
SELECT customer, (c360.rfm(ts::date, amount, DATE '2024-03-31')).frequency,
       (c360.rfm(ts::date, amount, DATE '2024-03-31')).recency_days
FROM orders_basic GROUP BY customer ORDER BY customer;
SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('infinite order date', $$SELECT c360.rfm(DATE 'infinity', 1, DATE '2024-01-01')$$),
    ('infinite as_of date', $$SELECT c360.rfm(DATE '2024-01-01', 1, DATE 'infinity')$$),
    ('NULL as_of date',     $$SELECT c360.rfm(DATE '2024-01-01', 1, NULL::date)$$)
) AS t(label, query);

DROP TABLE orders_basic, monthly_states, states_out, states_in;
