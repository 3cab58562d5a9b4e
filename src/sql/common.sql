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
