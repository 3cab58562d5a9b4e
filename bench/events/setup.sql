-- bench/events: two identical orders tables, one tracked by c360.track_orders with rules active.
\set QUIET on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS customer360;
DROP TABLE IF EXISTS orders_plain, orders_tracked;
CREATE TABLE orders_plain (order_id bigserial PRIMARY KEY, customer_id int, placed_at timestamptz, amount numeric(10,2));
CREATE INDEX ON orders_plain (customer_id);
CREATE TABLE orders_tracked (LIKE orders_plain INCLUDING ALL);
-- history: 300,000 orders of 100,000 customers over two years, in both tables
INSERT INTO orders_plain (customer_id, placed_at, amount)
SELECT 1 + (i * 7919) % 100000, now() - ((i * 104729) % (730 * 86400)) * interval '1 second', (i % 20000) / 100.0
FROM generate_series(1::bigint, 300000) i;
INSERT INTO orders_tracked (customer_id, placed_at, amount) SELECT customer_id, placed_at, amount FROM orders_plain;
VACUUM ANALYZE orders_plain, orders_tracked;
DELETE FROM c360.event_rules;
INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES
    ('welcome series', 'welcome', '{}'),
    ('big spender', 'spend_threshold', '{"amount": 500}'),
    ('fifth order', 'order_count', '{"count": 5}'),
    ('ambassador upgrade', 'segment_transition', '{"to": "Champions"}');
SELECT c360.track_orders('orders_tracked', 'customer_id', 'placed_at', 'amount');
SELECT (c360.refresh_segments('orders_tracked')).customers AS customers_with_segments;
