--
-- The error bridge: every C++ failure becomes a PostgreSQL error with a SQLSTATE, and the
-- backend survives it (the next statement of the same connection runs).
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

SELECT c360.version() ~ '^customer360 [0-9]+\.[0-9]+\.[0-9]+$' AS version_ok;
SELECT c360.bridge_selftest('ok');

-- c360::Error with detail and hint
SELECT c360.bridge_selftest('invalid_parameter');
SELECT 1 AS backend_alive;

-- each kind of exception and its SQLSTATE
SELECT kind, pg_temp.sqlstate_of(format('SELECT c360.bridge_selftest(%L)', kind)) AS error
FROM unnest(ARRAY['invalid_parameter', 'out_of_range', 'bad_alloc', 'std_exception', 'unknown',
                  'pg_error', 'no_such_kind']) AS kind;

-- std::bad_alloc (a real 4 EiB request) becomes 53200 out of memory; the session goes on
SELECT c360.bridge_selftest('bad_alloc');
SELECT 2 AS backend_alive;

-- a PostgreSQL error raised inside C++ (pg_call) keeps its own SQLSTATE (22012)
SELECT c360.bridge_selftest('pg_error');

-- destructors of live C++ objects run before the error is reported
SELECT c360.bridge_selftest('destructors_run') AS before;
SELECT c360.bridge_selftest('raii');
SELECT c360.bridge_selftest('destructors_run') AS after;

-- a long C++ loop polls for interrupts: statement_timeout cancels it (57014)
SET statement_timeout = '200ms';
SELECT c360.bridge_selftest('spin');
RESET statement_timeout;
SELECT 4 AS backend_alive;

-- errors inside a transaction roll back cleanly
BEGIN;
CREATE TEMP TABLE bridge_t(x int);
INSERT INTO bridge_t VALUES (1);
SAVEPOINT s;
SELECT c360.bridge_selftest('std_exception');
ROLLBACK TO SAVEPOINT s;
SELECT count(*) FROM bridge_t;
COMMIT;

-- NULL input to a strict function: NULL, no call
SELECT c360.bridge_selftest(NULL) IS NULL AS strict_null;
SELECT 3 AS backend_alive;
