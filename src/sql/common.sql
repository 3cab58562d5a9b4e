-- customer360 install SQL, capability 'common': module information and the error-bridge self-test.
-- Assembled by the Makefile, with the other capabilities' files in dependency order, into
-- build/customer360--<version>.sql. Every object lives in schema c360 and every reference is
-- schema-qualified (extension script security: nothing depends on the caller's search_path).

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

-- Citus calls the transition, combine and final functions of a split aggregate without a call
-- expression; CI's emulated Citus checks call them the same way (sql/common_citus_calls.sql).
CREATE FUNCTION c360._call_without_expression(fn pg_catalog.regprocedure, args pg_catalog.text[])
    RETURNS pg_catalog.text
    AS 'MODULE_PATHNAME', 'c360_call_without_expression'
    LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION c360._call_without_expression(pg_catalog.regprocedure, pg_catalog.text[]) IS
    'Internal (tests): calls a c360 function the caller may execute, as Citus calls aggregate support functions (no call expression); arguments and result as text';
