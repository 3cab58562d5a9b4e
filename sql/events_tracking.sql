--
-- Customer events: behaviour change (validated on simulated customers), batch events,
-- segment transitions, rules as data, real-time tracking with an event queue.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

---------------------------------------------------------------------------------------------
-- 1. Purchase slowdown: one order every 10 days for 100 days, then silence for 30 days.
--    Historical rate 10/100 per day, 3 orders expected in 30 days, none seen:
--    p = P(Poisson(3) <= 0) = exp(-3) = 0.0497871, p_silence = exp(-0.1 * 30) = 0.0497871
---------------------------------------------------------------------------------------------
SELECT (s).history_orders, (s).history_days, (s).recent_orders, round((s).expected_recent::numeric, 6) AS expected,
       abs((s).p_value - exp(-3)) < 1e-12 AS p_ok, round((s).p_value::numeric, 7) AS p_value,
       abs((s).p_silence - exp(-3)) < 1e-12 AS silence_ok
FROM (SELECT c360.purchase_slowdown(TIMESTAMPTZ '2024-01-01' + d * interval '1 day', TIMESTAMPTZ '2024-01-01' + interval '130 days', 30) AS s
      FROM generate_series(0, 100, 10) d) t;

-- simulated customers, deterministic: 200 keep buying with probability 0.10 a day for 720 days;
-- 200 drop to 0.025 a day from day 540 on (the change point). Test window: the last 180 days.
CREATE TABLE sim_orders AS
SELECT c AS customer_id, c > 200 AS changed, TIMESTAMPTZ '2022-01-01' + d * interval '1 day' AS ts
FROM generate_series(1, 400) c, generate_series(0, 719) d
WHERE ((hashint8(c::int8 * 1000003 + d) & 2147483647)::float8 / 2147483648)
      < CASE WHEN c > 200 AND d >= 540 THEN 0.025 ELSE 0.10 END;
ANALYZE sim_orders;
CREATE TABLE sim_results AS
SELECT customer_id, changed, c360.purchase_slowdown(ts, TIMESTAMPTZ '2022-01-01' + interval '720 days', 180) AS s
FROM sim_orders GROUP BY customer_id, changed;
-- detection rate (changed customers flagged at p < 0.01) and false alarm rate (stable ones flagged)
-- (power of the test here: 18 orders expected, about Poisson(4.5) seen; P(X <= 8) = 0.96)
SELECT changed, count(*) AS customers,
       round(avg(((s).p_value < 0.01)::int), 3) AS flagged_at_1pct,
       round(avg(((s).p_value < 0.05)::int), 3) AS flagged_at_5pct,
       round(avg((s).rate_ratio)::numeric, 3) AS mean_rate_ratio
FROM sim_results GROUP BY changed ORDER BY changed;
SELECT avg(((s).p_value < 0.01)::int) FILTER (WHERE changed) >= 0.90 AS detection_at_least_90pct,
       avg(((s).p_value < 0.01)::int) FILTER (WHERE NOT changed) <= 0.02 AS false_alarms_at_most_2pct
FROM sim_results;

-- parallel: same results through Partial Aggregate / Gather / Finalize
:force_parallel
EXPLAIN (COSTS OFF)
SELECT customer_id, c360.purchase_slowdown(ts, TIMESTAMPTZ '2024-01-01', 180) FROM sim_orders GROUP BY customer_id;
SELECT count(*) AS customers, count(*) FILTER (WHERE p.s IS DISTINCT FROM r.s) AS differing
FROM sim_results r
JOIN (SELECT customer_id, c360.purchase_slowdown(ts, TIMESTAMPTZ '2022-01-01' + interval '720 days', 180) AS s
      FROM sim_orders GROUP BY customer_id) p USING (customer_id);
:reset_parallel
-- the state's text form round-trips
SELECT s::text, s::text::c360.slowdown_state::text = s::text AS round_trip
FROM (SELECT c360.slowdown_add(c360.slowdown_add(NULL, '2024-01-01', '2024-03-01', 30), '2024-02-15', '2024-03-01', 30) AS s) t;

-- not enough history: no test (NULL p_value); bad input: errors
SELECT (s).history_orders, (s).p_value IS NULL AS no_test, (s).days_since_last
FROM (SELECT c360.purchase_slowdown(ts, TIMESTAMPTZ '2024-03-01', 30) AS s
      FROM (VALUES (TIMESTAMPTZ '2024-02-20'), (NULL)) v(ts)) t;
SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('recent_days = 0',   $$SELECT c360.purchase_slowdown(now(), now(), 0)$$),
    ('NULL as_of',        $$SELECT c360.purchase_slowdown(now(), NULL, 30)$$),
    ('as_of varies',      $$SELECT c360.purchase_slowdown(ts, ts, 30) FROM sim_orders$$),
    ('infinite order',    $$SELECT c360.purchase_slowdown('-infinity', now(), 30)$$),
    ('corrupted state',   $$SELECT 'slow1(30,100,50,40,1,0,0)'::c360.slowdown_state$$)
) AS t(label, query);

---------------------------------------------------------------------------------------------
-- 2. Basket shift: past (20, 30, 50) vs recent (30, 30, 20) over 3 categories.
--    Contingency-table chi-square by hand (E = row total x column total / 180):
--    2.1778 + 0.3333 + 3.1746 + 2.7222 + 0.4167 + 3.9683 = 12.7928571429, df 2, p = exp(-chi2/2) = 0.00167
---------------------------------------------------------------------------------------------
SELECT (b).categories, (b).past_total, (b).recent_total, round((b).hellinger::numeric, 6) AS hellinger,
       round((b).chi2::numeric, 10) AS chi2, (b).df, abs((b).p_value - exp(-(b).chi2 / 2)) < 1e-12 AS p_ok,
       abs((b).chi2 - 12.792857142857) < 1e-9 AS chi2_ok
FROM (SELECT c360.basket_shift(past, recent) AS b
      FROM (VALUES (20, 30), (30, 30), (50, 20)) v(past, recent)) t;
-- per customer, from order lines: categories in the last 90 days vs before
CREATE TABLE lines (customer_id int, ts timestamptz, category text);
INSERT INTO lines VALUES
    (1, '2024-01-10', 'books'), (1, '2024-02-10', 'books'), (1, '2024-03-10', 'music'),
    (1, '2024-05-10', 'books'), (1, '2024-06-10', 'books'), (1, '2024-06-20', 'music'),
    (2, '2024-01-10', 'books'), (2, '2024-02-10', 'books'), (2, '2024-03-10', 'books'),
    (2, '2024-05-10', 'garden'), (2, '2024-06-10', 'garden'), (2, '2024-06-20', 'garden');
SELECT customer_id, (b).categories, round((b).hellinger::numeric, 4) AS hellinger, round((b).p_value::numeric, 4) AS p_value
FROM (SELECT customer_id, c360.basket_shift(past, recent) AS b
      FROM (SELECT customer_id, category,
                   count(*) FILTER (WHERE ts <= TIMESTAMPTZ '2024-07-01' - interval '90 days') AS past,
                   count(*) FILTER (WHERE ts > TIMESTAMPTZ '2024-07-01' - interval '90 days') AS recent
            FROM lines GROUP BY customer_id, category) per_category
      GROUP BY customer_id) t ORDER BY customer_id;
SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('negative count', $$SELECT c360.basket_shift(-1, 2)$$),
    ('NaN count',      $$SELECT c360.basket_shift('NaN', 2)$$)
) AS t(label, query);

---------------------------------------------------------------------------------------------
-- 3. Batch events
---------------------------------------------------------------------------------------------
CREATE TABLE shop (customer_id int, ts timestamptz, amount numeric(10,2));
INSERT INTO shop VALUES
    (1, '2024-01-05', 40), (1, '2024-02-01', 70), (1, '2024-06-20', 10),
    (2, '2024-01-15', 500), (2, '2024-03-01', 600),
    (3, '2024-03-10', 20),
    (4, '2024-07-15', 999);                          -- after as_of: ignored
SELECT * FROM c360.inactive_customers('shop', 'customer_id', 'ts', '2024-07-01', 90) ORDER BY customer_id;
SELECT * FROM c360.spend_threshold_crossed('shop', 'customer_id', 'ts', 'amount', '2024-07-01', 100) ORDER BY customer_id;

CREATE TABLE people (customer_id int, birthday date);
INSERT INTO people VALUES (1, '1990-02-28'), (2, '1992-02-29'), (3, '1985-03-01'), (4, '2000-12-31'), (5, NULL);
-- 29 February falls on 28 February in a common year, on 29 February in a leap year
SELECT * FROM c360.upcoming_anniversaries('people', 'customer_id', 'birthday', '2023-02-27', 3, 'birthday') ORDER BY customer_id;
SELECT * FROM c360.upcoming_anniversaries('people', 'customer_id', 'birthday', '2024-02-27', 3, 'birthday') ORDER BY customer_id;
SELECT * FROM c360.upcoming_anniversaries('people', 'customer_id', 'birthday', '2024-12-30', 5) ORDER BY customer_id;
SELECT c360.next_anniversary('2000-02-29', '2100-02-01') AS not_leap_2100, c360.next_anniversary('2000-02-29', '2000-03-01') AS next_is_2001;

CREATE TABLE contracts (customer_id int, ends_on date);
INSERT INTO contracts VALUES (1, '2024-07-10'), (2, '2024-09-01'), (3, '2024-06-30');
SELECT * FROM c360.contracts_ending('contracts', 'customer_id', 'ends_on', '2024-07-01', 30);

SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('inactivity days 0',  $$SELECT * FROM c360.inactive_customers('shop', 'customer_id', 'ts', now(), 0)$$),
    ('threshold negative', $$SELECT * FROM c360.spend_threshold_crossed('shop', 'customer_id', 'ts', 'amount', now(), -5)$$),
    ('anniversary window', $$SELECT * FROM c360.upcoming_anniversaries('people', 'customer_id', 'birthday', '2024-01-01', 400)$$),
    ('unknown column',     $$SELECT * FROM c360.inactive_customers('shop', 'nope', 'ts', now(), 30)$$),
    ('NULL as_of',         $$SELECT * FROM c360.contracts_ending('contracts', 'customer_id', 'ends_on', NULL, 30)$$)
) AS t(label, query);

-- segment changes between two runs, and the transition matrix
SELECT count(*) AS events_first_run FROM c360.snapshot_segments('shop', 'customer_id', 'ts', 'amount', '2024-04-01', 'test');
SELECT customer_id, event_type, event_time, details ->> 'from' AS from_segment, details ->> 'to' AS to_segment
FROM c360.snapshot_segments('shop', 'customer_id', 'ts', 'amount', '2024-07-01', 'test') ORDER BY customer_id;
SELECT jsonb_pretty(c360.segment_transitions(prev.segment, cur.segment))
FROM c360.segment_snapshots prev
JOIN c360.segment_snapshots cur USING (snapshot_name, customer_id)
WHERE snapshot_name = 'test' AND prev.taken_at = '2024-04-01' AND cur.taken_at = '2024-07-01';
SELECT t.* FROM jsonb_to_recordset(
    (SELECT c360.segment_transitions(f, t) FROM (VALUES ('One-time', 'Multi'), ('One-time', 'One-time'),
                                                        ('One-time', 'Multi'), ('Multi', 'Ambassador'), (NULL, 'One-time')) v(f, t)))
    AS t("from" text, "to" text, customers int, rate numeric);
-- parallel: the jsonb state combines
:force_parallel
SELECT c360.segment_transitions(CASE WHEN changed THEN 'changed' ELSE 'stable' END,
                                CASE WHEN (s).p_value < 0.01 THEN 'flagged' ELSE 'quiet' END) AS matrix
FROM sim_results;
:reset_parallel

---------------------------------------------------------------------------------------------
-- 4. Rules are data, validated on insert
---------------------------------------------------------------------------------------------
SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('unknown type',     $$INSERT INTO c360.event_rules (rule_name, rule_type) VALUES ('x', 'birthday_cake')$$),
    ('negative amount',  $$INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES ('x', 'spend_threshold', '{"amount": -10}')$$),
    ('amount as text',   $$INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES ('x', 'spend_threshold', '{"amount": "lots"}')$$),
    ('fractional count', $$INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES ('x', 'order_count', '{"count": 2.5}')$$),
    ('unknown segment',  $$INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES ('x', 'segment_transition', '{"to": "VIP"}')$$),
    ('no from/to',       $$INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES ('x', 'segment_transition', '{}')$$),
    ('extra parameter',  $$INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES ('x', 'welcome', '{"delay": 3}')$$),
    ('params not object',$$INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES ('x', 'welcome', '[1]')$$),
    ('inactivity days 0',$$INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES ('x', 'inactivity', '{"days": 0}')$$)
) AS t(label, query);
INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES
    ('welcome series', 'welcome', '{}'),
    ('big spender', 'spend_threshold', '{"amount": 100}'),
    ('third order', 'order_count', '{"count": 3}'),
    ('win-back', 'inactivity', '{"days": 90}'),
    ('ambassador upgrade', 'segment_transition', '{"to": "Champions"}');
SELECT pg_temp.sqlstate_of($$UPDATE c360.event_rules SET params = '{"amount": 0}' WHERE rule_name = 'big spender'$$) AS bad_update;

---------------------------------------------------------------------------------------------
-- 5. Real time: track an orders table
---------------------------------------------------------------------------------------------
CREATE TABLE web_orders (order_id serial PRIMARY KEY, client text, placed_at timestamptz, total numeric(10,2));
CREATE INDEX ON web_orders (client);
INSERT INTO web_orders (client, placed_at, total) VALUES ('old', '2023-01-01', 30);   -- before tracking
SELECT c360.track_orders('web_orders', 'client', 'placed_at', 'total');
SELECT customer_id, orders, monetary, first_order, last_order FROM c360.customer_state ORDER BY customer_id;
SELECT count(*) AS events_for_existing_orders FROM c360.event_queue;

INSERT INTO web_orders (client, placed_at, total) VALUES ('ann', '2024-06-01', 40);
INSERT INTO web_orders (client, placed_at, total) VALUES ('ann', '2024-06-05', 70), ('bob', '2024-06-05', 20);
INSERT INTO web_orders (client, placed_at, total) VALUES ('ann', '2024-06-09', NULL);  -- NULL total counts as 0
SELECT event_id, customer_id, event_type, details ->> 'rule' AS rule, details ->> 'orders' AS orders,
       details ->> 'monetary' AS monetary
FROM c360.event_queue ORDER BY event_id;

-- nothing on rollback
BEGIN;
INSERT INTO web_orders (client, placed_at, total) VALUES ('cyd', '2024-06-10', 500);
SELECT count(*) AS events_inside_transaction FROM c360.event_queue WHERE customer_id = 'cyd';
ROLLBACK;
SELECT count(*) AS events_after_rollback FROM c360.event_queue WHERE customer_id = 'cyd';
SELECT count(*) AS state_after_rollback FROM c360.customer_state WHERE customer_id = 'cyd';

-- bob's spend goes to 150 (crossing 100), back to 10, then 160: the threshold event is queued once
UPDATE web_orders SET total = 150 WHERE client = 'bob';
UPDATE web_orders SET total = 10 WHERE client = 'bob';
UPDATE web_orders SET total = 160 WHERE client = 'bob';
SELECT customer_id, event_type, count(*) FROM c360.event_queue WHERE customer_id = 'bob' GROUP BY 1, 2 ORDER BY 2;

-- updates, moves between customers and deletes keep the state equal to a full recomputation
UPDATE web_orders SET client = 'dan' WHERE client = 'ann' AND placed_at = '2024-06-05';
UPDATE web_orders SET placed_at = '2024-05-01' WHERE client = 'ann' AND placed_at = '2024-06-09';
DELETE FROM web_orders WHERE client = 'old';
INSERT INTO web_orders (client, placed_at, total)
SELECT 'c' || (i % 37), TIMESTAMPTZ '2024-01-01' + i * interval '7 hours', (i % 50) + 0.25 FROM generate_series(1, 2000) i;
UPDATE web_orders SET total = total + 1 WHERE order_id % 7 = 0;
DELETE FROM web_orders WHERE order_id % 11 = 0;
UPDATE web_orders SET client = 'c1' WHERE order_id % 13 = 0;
SELECT c360.verify_customer_state('web_orders') AS differing_customers;
SELECT customer_id, orders, monetary, first_order, last_order FROM c360.customer_state
WHERE customer_id IN ('ann', 'bob', 'dan', 'old') ORDER BY customer_id;

-- segments against breakpoints, then a transition fires the ambassador rule
SELECT (c360.refresh_segments('web_orders')).bins;
SELECT segment, count(*) FROM c360.customer_state WHERE source = 'web_orders'::regclass GROUP BY 1 ORDER BY 1;
INSERT INTO web_orders (client, placed_at, total) SELECT 'bob', now(), 1000 FROM generate_series(1, 80);
SELECT customer_id, event_type, details ->> 'segment_before' IS NOT NULL AS had_segment, details ->> 'segment' AS segment
FROM c360.event_queue WHERE event_type = 'segment_transition' ORDER BY event_id;

-- the trigger reads the rules from a per-backend copy: a rule disabled, re-enabled, or changed in a
-- rolled-back transaction is seen by the next order
UPDATE c360.event_rules SET enabled = false WHERE rule_name = 'welcome series';
INSERT INTO web_orders (client, placed_at, total) VALUES ('fay', now(), 5);
BEGIN;
UPDATE c360.event_rules SET enabled = true WHERE rule_name = 'welcome series';
INSERT INTO web_orders (client, placed_at, total) VALUES ('gus', now(), 5);
ROLLBACK;
INSERT INTO web_orders (client, placed_at, total) VALUES ('hal', now(), 5);
UPDATE c360.event_rules SET enabled = true WHERE rule_name = 'welcome series';
INSERT INTO web_orders (client, placed_at, total) VALUES ('ida', now(), 5);
BEGIN;
DELETE FROM c360.event_queue WHERE customer_id = 'ida';
TRUNCATE c360.event_rules CASCADE;
INSERT INTO web_orders (client, placed_at, total) VALUES ('jay', now(), 5);
ROLLBACK;
INSERT INTO web_orders (client, placed_at, total) VALUES ('kim', now(), 5);
SELECT customer_id, event_type FROM c360.event_queue WHERE customer_id IN ('fay', 'gus', 'hal', 'ida', 'jay', 'kim')
ORDER BY event_id;

-- other column types (integer customer, date, integer amount), NULL customer or date ignored, and the
-- rule evaluation itself (c360._fired_rules: ids of the rules that fire, NULL when none)
CREATE TABLE pos_orders (ticket serial, shopper int, day date, cents int);
SELECT c360.track_orders('pos_orders', 'shopper', 'day', 'cents');
INSERT INTO pos_orders (shopper, day, cents) VALUES (7, '2024-03-01', 250), (7, '2024-03-02', 250), (NULL, '2024-03-02', 1),
    (8, NULL, 1), (7, '2024-03-03', NULL);
SELECT customer_id, orders, monetary, first_order::date, last_order::date FROM c360.customer_state
WHERE source = 'pos_orders'::regclass ORDER BY customer_id;
SELECT c360.verify_customer_state('pos_orders') AS differing_customers;
SELECT customer_id, event_type, details ->> 'monetary' AS monetary FROM c360.event_queue
WHERE source = 'pos_orders'::regclass ORDER BY event_id;
SELECT c360._fired_rules(0, 1, 0, 40, NULL, NULL) IS NOT NULL AS welcome_fires,
       c360._fired_rules(5, 6, 1, 2, NULL, NULL) IS NULL AS nothing_fires,
       cardinality(c360._fired_rules(2, 3, 50, 150, 'Loyal Customers', 'Champions')) AS three_fire;
SELECT c360.untrack_orders('pos_orders');
DROP TABLE pos_orders;

-- inactivity rules (batch), once per silence
SELECT c360.enqueue_inactivity('2025-01-01') > 0 AS queued;
SELECT c360.enqueue_inactivity('2025-01-01') AS queued_again;

-- consumers: claim in batches; a rolled-back consumer leaves its events pending
SELECT count(*) AS pending FROM c360.event_queue WHERE consumed_at IS NULL \gset
BEGIN;
SELECT count(*) AS claimed FROM c360.claim_events(5);
ROLLBACK;
SELECT count(*) = :pending AS still_pending FROM c360.event_queue WHERE consumed_at IS NULL;
SELECT count(*) AS claimed FROM c360.claim_events(5);
SELECT count(*) = :pending - 5 AS pending_after_claim FROM c360.event_queue WHERE consumed_at IS NULL;

SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('unknown column',  $$SELECT c360.track_orders('web_orders', 'nope', 'placed_at', 'total')$$),
    ('untracked table', $$SELECT c360.untrack_orders('shop')$$),
    ('verify untracked',$$SELECT c360.verify_customer_state('shop')$$)
) AS t(label, query);
SELECT c360.untrack_orders('web_orders');
INSERT INTO web_orders (client, placed_at, total) VALUES ('eve', now(), 5);
SELECT count(*) AS state_rows_after_untrack FROM c360.customer_state;

DELETE FROM c360.event_queue;
DELETE FROM c360.event_rules;
DELETE FROM c360.segment_snapshots;
DROP TABLE sim_orders, sim_results, lines, shop, people, contracts, web_orders;
