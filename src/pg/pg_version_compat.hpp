// The one place where PostgreSQL major versions differ for the glue (15, 16, 17, 18), as Citus's
// pg_version_compat.h does: every #if PG_VERSION_NUM of the project lives here, and the rest of
// src/pg uses the names defined below. Included by bridge.hpp right after postgres.h, inside its
// extern "C" block.
#pragma once

#if PG_VERSION_NUM < 150000
#error "customer360 needs PostgreSQL 15 or later"
#endif

// PostgreSQL 16 moved the varlena macros (VARDATA_ANY, VARSIZE_ANY_EXHDR, SET_VARSIZE...) out of
// postgres.h into varatt.h.
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

// PostgreSQL 16 replaced the per-catalog ownership checks (pg_class_ownercheck...) by
// object_ownercheck(classid, objectid, roleid). Users include utils/acl.h and catalog/pg_class.h.
#if PG_VERSION_NUM >= 160000
#define c360_relation_ownercheck(relid, roleid) object_ownercheck(RelationRelationId, (relid), (roleid))
#else
#define c360_relation_ownercheck(relid, roleid) pg_class_ownercheck((relid), (roleid))
#endif

// The same for EXECUTE on a function: pg_proc_aclcheck became object_aclcheck(ProcedureRelationId...).
// Users include utils/acl.h and catalog/pg_proc.h.
#if PG_VERSION_NUM >= 160000
#define c360_function_aclcheck(fnoid, roleid) object_aclcheck(ProcedureRelationId, (fnoid), (roleid), ACL_EXECUTE)
#else
#define c360_function_aclcheck(fnoid, roleid) pg_proc_aclcheck((fnoid), (roleid), ACL_EXECUTE)
#endif
