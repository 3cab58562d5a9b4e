// Calls a function of the extension the way Citus calls transition, combine and final functions for
// a split aggregate (worker_partial_agg / coord_combine_agg): through fmgr_info alone, with no
// expression (fn_expr NULL), so that nothing can read its argument or result types from a call
// expression. For the emulated Citus checks of CI (sql/common_citus_calls.sql); arguments and result
// as text, through the input and output functions of the declared types (fn_oid).
#include <string>

#include "bridge.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

using c360::ErrorCode;

C360_FUNCTION(call_without_expression, "c360._call_without_expression") {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) {
        c360::fail(ErrorCode::NullValueNotAllowed, "fn and args must not be NULL");
    }
    const Oid fn = PG_GETARG_OID(0);
    if (get_func_namespace(fn) != get_namespace_oid("c360", false)) {
        c360::fail(ErrorCode::InvalidParameter, "only functions of schema c360 can be called this way");
    }
    if (c360_function_aclcheck(fn, GetUserId()) != ACLCHECK_OK) {
        aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_FUNCTION, get_func_name(fn));
    }
    Oid* argtypes = nullptr;
    int nargs = 0;
    const Oid rettype = get_func_signature(fn, &argtypes, &nargs);
    ArrayType* args = PG_GETARG_ARRAYTYPE_P(1);
    if (ARR_NDIM(args) > 1) {
        c360::fail(ErrorCode::InvalidParameter, "args must be a one-dimensional text array");
    }
    Datum* elems = nullptr;
    bool* nulls = nullptr;
    int n = 0;
    deconstruct_array(args, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
    if (n != nargs) {
        c360::fail(ErrorCode::InvalidParameter, "the function takes " + std::to_string(nargs) + " arguments, " +
                                                    std::to_string(n) + " given");
    }
    // only functions SQL itself can call with values: no internal, trigger or other pseudo-type
    // argument or result (a NULL "internal" would reach functions that never expect one)
    for (int i = 0; i < nargs; ++i) {
        if (get_typtype(argtypes[i]) == TYPTYPE_PSEUDO) {
            c360::fail(ErrorCode::InvalidParameter, "argument " + std::to_string(i + 1) + " has a pseudo-type: this function cannot be called this way");
        }
    }
    if (get_typtype(rettype) == TYPTYPE_PSEUDO && rettype != VOIDOID) {
        c360::fail(ErrorCode::InvalidParameter, "the function returns a pseudo-type: it cannot be called this way");
    }
    FmgrInfo flinfo;
    fmgr_info(fn, &flinfo); // fn_expr stays NULL, as in Citus's calls
    if (flinfo.fn_retset) {
        c360::fail(ErrorCode::InvalidParameter, "set-returning functions cannot be called this way");
    }
    LOCAL_FCINFO(call, FUNC_MAX_ARGS);
    InitFunctionCallInfoData(*call, &flinfo, nargs, DEFAULT_COLLATION_OID, nullptr, nullptr);
    bool any_null = false;
    for (int i = 0; i < nargs; ++i) {
        call->args[i].isnull = nulls[i];
        call->args[i].value = 0;
        if (nulls[i]) {
            any_null = true;
            continue;
        }
        Oid input = InvalidOid, ioparam = InvalidOid;
        getTypeInputInfo(argtypes[i], &input, &ioparam);
        call->args[i].value = OidInputFunctionCall(input, text_to_cstring(DatumGetTextPP(elems[i])), ioparam, -1);
    }
    if (flinfo.fn_strict && any_null) {
        PG_RETURN_NULL();
    }
    const Datum result = FunctionCallInvoke(call);
    if (call->isnull) {
        PG_RETURN_NULL();
    }
    Oid output = InvalidOid;
    bool varlena = false;
    getTypeOutputInfo(rettype, &output, &varlena);
    PG_RETURN_TEXT_P(cstring_to_text(OidOutputFunctionCall(output, result)));
}
