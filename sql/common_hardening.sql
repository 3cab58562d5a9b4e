--
-- The findings of the 0.1.0 audit (hardening.md of the reference material, 2026-12-02), each
-- replayed by name: what it did then, what it gives now. The ones that need a setup of their own
-- are replayed where that setup lives: the squat, INSERT-only and row-level security findings in
-- events_security, the planted operators in common_search_path, lost updates and deadlocks in the
-- isolation test specs/events_concurrency.spec (and bench/events' pgbench mix), gamma_gamma_expected
-- with a NULL x and clv's negative discount rate in ltv_checks, infinite timestamps in rfm_scores and
-- ltv_checks, the $t$ column name in events_security.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

CREATE TABLE audit_orders (c int, ts timestamptz, a numeric);
INSERT INTO audit_orders VALUES (1, '2024-01-01', 10), (1, '2024-02-01', 5);
SELECT finding, pg_temp.sqlstate_of(query) AS now FROM (VALUES
    ('crash: srm_test(NULL, NULL)',                      $$SELECT c360.srm_test(NULL, NULL)$$),
    ('crash: srm_test(NULL::int8[], {0.5,0.5})',         $$SELECT c360.srm_test(NULL::int8[], '{0.5,0.5}')$$),
    ('crash: gamma_gamma_expected(NULL, 1, 1)',          $$SELECT c360.gamma_gamma_expected(NULL, 1, 1)$$),
    ('unreadable: logit_step over {1e308,1e308}',        $$SELECT c360.logit_step(true, '{1e308,1e308}', c360.logit_start())::text::c360.logit_stats$$),
    ('NaN monetary: rfm over two 1e308 orders',          $$SELECT c360.rfm(ts, a, '2024-06-01') FROM (VALUES ('2024-01-01'::timestamptz, 1e308::float8), ('2024-01-02', 1e308)) v(ts, a)$$),
    ('unreadable: rfm_state holding inf',                $$SELECT c360.rfm_partial(ts, a, '2024-06-01')::text FROM (VALUES ('2024-01-01'::timestamptz, 1e308::float8), ('2024-01-02', 1e308)) v(ts, a)$$),
    ('unreadable: basket_state holding inf',             $$SELECT c360.basket_shift(p, r) FROM (VALUES (1e308::float8, 1::float8), (1e308, 1)) v(p, r)$$),
    ('NULL t_x/T: btyd_summary(time_unit => NULL)',      $$SELECT * FROM c360.btyd_summary('audit_orders', 'c', 'ts', 'a', '2024-06-01', time_unit => NULL)$$),
    ('whole table failed (22008): an infinite timestamp', $$INSERT INTO audit_orders VALUES (2, 'infinity', 1); SELECT count(*) FROM c360.rfm_scores('audit_orders', 'c', 'ts', 'a', '2024-06-01')$$),
    ('executed as SQL: logit_train with a second statement', $$SELECT c360.logit_train('audit_orders; DROP TABLE audit_orders', 'c > 1', 'a')$$)
) AS t(finding, query);
SELECT count(*) AS audit_orders_still_there FROM audit_orders;
DROP TABLE audit_orders;
