--
-- Every object of the extension has a comment, as psql's \df+, \dT+, \d+ and BI tools show it:
-- functions, aggregates and procedures (support and I/O functions too), types (base, composite,
-- enum, domain), tables, views, sequences, operators, and every column of a table or view.
-- The list comes from the catalog (the members of the extension, sql/include/catalog.psql), not
-- from a list kept here: an object added later without a comment is reported by name.
-- Comments shorter than 10 characters are reported too (placeholders).
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
SET client_min_messages = warning;
\set ECHO none
\i :abs_srcdir/sql/include/catalog.psql
\set ECHO all

-- The members of the extension, named as c360_catalog.objects names them (regprocedure, regtype,
-- regclass, regoperator text). A composite type is a member through its pg_class row; a table's
-- row type and the array types are not members (their comments would be invisible).
CREATE VIEW c360_catalog.members AS
SELECT CASE d.classid
           WHEN 'pg_proc'::regclass THEN 'routine'
           WHEN 'pg_type'::regclass THEN 'type'
           WHEN 'pg_operator'::regclass THEN 'operator'
           WHEN 'pg_class'::regclass THEN CASE c.relkind WHEN 'c' THEN 'type' ELSE 'relation' END
       END AS member_kind,
       CASE d.classid
           WHEN 'pg_proc'::regclass THEN d.objid::regprocedure::text
           WHEN 'pg_type'::regclass THEN d.objid::regtype::text
           WHEN 'pg_operator'::regclass THEN d.objid::regoperator::text
           WHEN 'pg_class'::regclass THEN d.objid::regclass::text
       END AS name,
       c.relkind
FROM pg_depend d
JOIN pg_extension e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
LEFT JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
LEFT JOIN pg_type t ON d.classid = 'pg_type'::regclass AND t.oid = d.objid
WHERE e.extname = 'customer360' AND d.deptype = 'e'
  AND d.classid IN ('pg_proc'::regclass, 'pg_type'::regclass, 'pg_operator'::regclass, 'pg_class'::regclass)
  -- PostgreSQL 17 also records array types and the row types of tables as members
  AND NOT (d.classid = 'pg_type'::regclass
           AND (t.typcategory = 'A'
                OR (t.typrelid <> 0 AND (SELECT r.relkind FROM pg_class r WHERE r.oid = t.typrelid) <> 'c')));

-- Every object that must carry a comment, with its comment (NULL when there is none).
CREATE VIEW c360_catalog.commented AS
SELECT o.kind, o.object,
       nullif(regexp_replace(split_part(o.attributes, ' | comment=', 2), ' \| (agg|view)=.*$', ''), '<none>') AS comment
FROM c360_catalog.objects o
WHERE (o.kind IN ('function', 'aggregate', 'procedure')
       AND o.object IN (SELECT name FROM c360_catalog.members WHERE member_kind = 'routine'))
   OR (o.kind = 'type' AND o.object IN (SELECT name FROM c360_catalog.members WHERE member_kind = 'type'))
   OR (o.kind = 'operator' AND o.object IN (SELECT name FROM c360_catalog.members WHERE member_kind = 'operator'))
   OR (o.kind = 'relation' AND o.object IN (SELECT name FROM c360_catalog.members WHERE member_kind = 'relation'))
   OR (o.kind = 'column'
       AND regexp_replace(o.object, '\.[^.]*$', '') IN (SELECT name FROM c360_catalog.members
                                                         WHERE member_kind = 'relation'
                                                           AND relkind IN ('r', 'p', 'v', 'm', 'f')));

CREATE VIEW c360_catalog.missing_comments AS
SELECT kind, object FROM c360_catalog.commented WHERE comment IS NULL;
CREATE VIEW c360_catalog.short_comments AS
SELECT kind, object, comment FROM c360_catalog.commented WHERE char_length(comment) < 10;

-- what was checked (each of these kinds is present)
SELECT k.kind, EXISTS (SELECT 1 FROM c360_catalog.commented c WHERE c.kind = k.kind) AS checked
FROM unnest(ARRAY['aggregate', 'column', 'function', 'relation', 'type']) AS k(kind);
SELECT (SELECT count(*) FROM c360_catalog.commented WHERE kind IN ('function', 'aggregate')) > 200 AS many_routines;

-- objects without a comment (none expected)
SELECT kind, object FROM c360_catalog.missing_comments ORDER BY kind, object;

-- comments shorter than 10 characters (none expected)
SELECT kind, object, comment FROM c360_catalog.short_comments ORDER BY kind, object;

-- the check sees objects added later, by anyone: a new function, type and column without a
-- comment, and a comment removed or too short, are all reported (rolled back)
BEGIN;
CREATE FUNCTION c360.catalog_probe(pg_catalog.int4) RETURNS pg_catalog.int4 LANGUAGE sql IMMUTABLE RETURN $1;
ALTER EXTENSION customer360 ADD FUNCTION c360.catalog_probe(pg_catalog.int4);
CREATE TYPE c360.catalog_probe_type AS (a pg_catalog.int4);
ALTER EXTENSION customer360 ADD TYPE c360.catalog_probe_type;
ALTER TABLE c360.event_queue ADD COLUMN catalog_probe pg_catalog.int4;
COMMENT ON FUNCTION c360.version() IS NULL;
COMMENT ON TABLE c360.event_rules IS 'rules';
SELECT kind, object FROM c360_catalog.missing_comments ORDER BY kind, object;
SELECT kind, object, comment FROM c360_catalog.short_comments ORDER BY kind, object;
ROLLBACK;

DROP SCHEMA c360_catalog CASCADE;
