-- customer360 install SQL, capability 'uplift' (assembled by the Makefile; see src/sql/common.sql).

-------------------------------------------------------------------------------------------------
-- Campaign measurement (docs/uplift.md): stable assignment, lift statistics, planning, ROI,
-- uplift-model evaluation. Math in src/core/uplift, glue in src/pg/uplift_pg.cpp.
-------------------------------------------------------------------------------------------------

CREATE FUNCTION c360.hash_bucket(salt pg_catalog.text, id pg_catalog.text, version pg_catalog.int4 DEFAULT 2)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_hash_bucket'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.hash_bucket(pg_catalog.text, pg_catalog.text, pg_catalog.int4) IS
    'GrowthBook-compatible bucket in [0, 1): v2 = fnv1a32(decimal(fnv1a32(salt || id))) mod 10000 / 10000 over UTF-16 code units';

CREATE FUNCTION c360.assign_group(customer_id pg_catalog.text, salt pg_catalog.text, control_share pg_catalog.float8)
    RETURNS pg_catalog.text AS 'MODULE_PATHNAME', 'c360_assign_group'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.assign_group(pg_catalog.text, pg_catalog.text, pg_catalog.float8) IS
    'Stable control/treatment assignment: ''control'' when c360.hash_bucket(salt, customer_id) < control_share';

CREATE FUNCTION c360.assign_arm(customer_id pg_catalog.text, salt pg_catalog.text, arms pg_catalog.text[],
                                weights pg_catalog.float8[])
    RETURNS pg_catalog.text AS 'MODULE_PATHNAME', 'c360_assign_arm'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.assign_arm(pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.float8[]) IS
    'Stable multi-arm assignment: the arm whose cumulative weight range holds the bucket (weights must sum to 1)';

-- Two-arm sufficient statistics (Welford moments per arm): fixed 120 bytes, exact text form.
CREATE TYPE c360.ab_state;
CREATE FUNCTION c360.ab_state_in(pg_catalog.cstring) RETURNS c360.ab_state
    AS 'MODULE_PATHNAME', 'c360_ab_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.ab_state_out(c360.ab_state) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_ab_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.ab_state_recv(pg_catalog.internal) RETURNS c360.ab_state
    AS 'MODULE_PATHNAME', 'c360_ab_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.ab_state_send(c360.ab_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_ab_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.ab_state (
    INTERNALLENGTH = 120,
    INPUT = c360.ab_state_in,
    OUTPUT = c360.ab_state_out,
    RECEIVE = c360.ab_state_recv,
    SEND = c360.ab_state_send,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE c360.ab_state IS 'Partial state of the lift aggregates: per-arm count, means, co-moments';

CREATE TYPE c360.lift_binary_result AS (
    n_control pg_catalog.int8, n_treatment pg_catalog.int8,
    conversions_control pg_catalog.int8, conversions_treatment pg_catalog.int8,
    rate_control pg_catalog.float8, rate_treatment pg_catalog.float8,
    abs_lift pg_catalog.float8,          -- rate_treatment - rate_control
    rel_lift pg_catalog.float8,          -- rate_treatment / rate_control - 1
    z pg_catalog.float8, p_value pg_catalog.float8,             -- pooled two-proportion z test, two-sided
    wald_lower pg_catalog.float8, wald_upper pg_catalog.float8, -- CI of abs_lift, unpooled SE
    newcombe_lower pg_catalog.float8, newcombe_upper pg_catalog.float8, -- Newcombe-Wilson (method 10)
    rel_lower pg_catalog.float8, rel_upper pg_catalog.float8, rel_p_value pg_catalog.float8, -- delta method
    incremental_conversions pg_catalog.float8,                  -- n_treatment x abs_lift
    incremental_lower pg_catalog.float8, incremental_upper pg_catalog.float8, -- n_treatment x Newcombe limits
    confidence pg_catalog.float8,
    skipped pg_catalog.int8              -- rows with a NULL group or outcome
);
CREATE TYPE c360.lift_mean_result AS (
    n_control pg_catalog.int8, n_treatment pg_catalog.int8,
    mean_control pg_catalog.float8, mean_treatment pg_catalog.float8,
    sd_control pg_catalog.float8, sd_treatment pg_catalog.float8,
    diff pg_catalog.float8,              -- mean_treatment - mean_control (CUPED-adjusted for lift_cuped)
    std_err pg_catalog.float8, t pg_catalog.float8, df pg_catalog.float8, p_value pg_catalog.float8, -- Welch
    lower pg_catalog.float8, upper pg_catalog.float8,
    rel_lift pg_catalog.float8, rel_lower pg_catalog.float8, rel_upper pg_catalog.float8,
    rel_p_value pg_catalog.float8,       -- diff / mean_control, delta method
    incremental_total pg_catalog.float8, -- n_treatment x diff (e.g. incremental revenue)
    incremental_lower pg_catalog.float8, incremental_upper pg_catalog.float8,
    theta pg_catalog.float8,             -- CUPED coefficient (lift_cuped only)
    variance_reduction pg_catalog.float8, -- 1 - Var(adjusted diff) / Var(raw diff) (lift_cuped only)
    confidence pg_catalog.float8,
    skipped pg_catalog.int8
);

CREATE FUNCTION c360.ab_add_binary(state c360.ab_state, treated pg_catalog.bool, converted pg_catalog.bool)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_binary'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.ab_add_binary(state c360.ab_state, treated pg_catalog.bool, converted pg_catalog.bool,
                                   confidence pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_binary'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.ab_add_mean(state c360.ab_state, treated pg_catalog.bool, value pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_mean'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.ab_add_mean(state c360.ab_state, treated pg_catalog.bool, value pg_catalog.float8,
                                 confidence pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_mean'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.ab_add_cuped(state c360.ab_state, treated pg_catalog.bool, value pg_catalog.float8,
                                  pre_value pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_cuped'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.ab_add_cuped(state c360.ab_state, treated pg_catalog.bool, value pg_catalog.float8,
                                  pre_value pg_catalog.float8, confidence pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_cuped'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.ab_merge(a c360.ab_state, b c360.ab_state) RETURNS c360.ab_state
    AS 'MODULE_PATHNAME', 'c360_ab_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.lift_binary_final(state c360.ab_state) RETURNS c360.lift_binary_result
    AS 'MODULE_PATHNAME', 'c360_lift_binary_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.lift_mean_final(state c360.ab_state) RETURNS c360.lift_mean_result
    AS 'MODULE_PATHNAME', 'c360_lift_mean_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.lift_cuped_final(state c360.ab_state) RETURNS c360.lift_mean_result
    AS 'MODULE_PATHNAME', 'c360_lift_cuped_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE c360.lift_binary(treated pg_catalog.bool, converted pg_catalog.bool) (
    SFUNC = c360.ab_add_binary, STYPE = c360.ab_state, FINALFUNC = c360.lift_binary_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
CREATE AGGREGATE c360.lift_binary(treated pg_catalog.bool, converted pg_catalog.bool, confidence pg_catalog.float8) (
    SFUNC = c360.ab_add_binary, STYPE = c360.ab_state, FINALFUNC = c360.lift_binary_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.lift_binary(pg_catalog.bool, pg_catalog.bool) IS
    'Conversion lift of treatment (true) over control (false): rates, z test, Wald and Newcombe CIs, relative lift (95 %)';
CREATE AGGREGATE c360.lift_mean(treated pg_catalog.bool, value pg_catalog.float8) (
    SFUNC = c360.ab_add_mean, STYPE = c360.ab_state, FINALFUNC = c360.lift_mean_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
CREATE AGGREGATE c360.lift_mean(treated pg_catalog.bool, value pg_catalog.float8, confidence pg_catalog.float8) (
    SFUNC = c360.ab_add_mean, STYPE = c360.ab_state, FINALFUNC = c360.lift_mean_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.lift_mean(pg_catalog.bool, pg_catalog.float8) IS
    'Difference of means (spend, basket) treatment - control: Welch t test, CI, relative lift, incremental total (95 %)';
CREATE AGGREGATE c360.lift_cuped(treated pg_catalog.bool, value pg_catalog.float8, pre_value pg_catalog.float8) (
    SFUNC = c360.ab_add_cuped, STYPE = c360.ab_state, FINALFUNC = c360.lift_cuped_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
CREATE AGGREGATE c360.lift_cuped(treated pg_catalog.bool, value pg_catalog.float8, pre_value pg_catalog.float8,
                                 confidence pg_catalog.float8) (
    SFUNC = c360.ab_add_cuped, STYPE = c360.ab_state, FINALFUNC = c360.lift_cuped_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.lift_cuped(pg_catalog.bool, pg_catalog.float8, pg_catalog.float8) IS
    'c360.lift_mean with CUPED variance reduction on a pre-period covariate (theta from the pooled arms)';

CREATE TYPE c360.srm_result AS (chi2 pg_catalog.float8, df pg_catalog.int4, p_value pg_catalog.float8);
CREATE FUNCTION c360.srm_test(observed pg_catalog.int8[], weights pg_catalog.float8[] DEFAULT NULL)
    RETURNS c360.srm_result AS 'MODULE_PATHNAME', 'c360_srm_test'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.srm_test(pg_catalog.int8[], pg_catalog.float8[]) IS
    'Sample ratio mismatch: chi-square goodness of fit of the arm sizes against the designed weights (equal when NULL)';

CREATE FUNCTION c360.sample_size(baseline pg_catalog.float8, mde pg_catalog.float8,
                                 alpha pg_catalog.float8 DEFAULT 0.05, power pg_catalog.float8 DEFAULT 0.8,
                                 ratio pg_catalog.float8 DEFAULT 1)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_sample_size'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.sample_size(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Control-arm size to detect an absolute change mde of a baseline rate (two-sided; treatment arm = ratio x control); round up';
CREATE FUNCTION c360.power(baseline pg_catalog.float8, mde pg_catalog.float8, n_control pg_catalog.float8,
                           alpha pg_catalog.float8 DEFAULT 0.05, ratio pg_catalog.float8 DEFAULT 1)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_power'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.power(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Power of a two-sided test of proportions with n_control (and ratio x n_control treated) for an absolute change mde';
CREATE FUNCTION c360.mde(baseline pg_catalog.float8, n_control pg_catalog.float8,
                         alpha pg_catalog.float8 DEFAULT 0.05, power pg_catalog.float8 DEFAULT 0.8,
                         ratio pg_catalog.float8 DEFAULT 1)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_mde'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.mde(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Minimum detectable absolute increase of a baseline rate for a design (NULL when even a rate of 1 is not detectable)';

CREATE TYPE c360.roi_result AS (
    incremental_revenue pg_catalog.float8, revenue_lower pg_catalog.float8, revenue_upper pg_catalog.float8,
    cost pg_catalog.float8, margin pg_catalog.float8,
    roi pg_catalog.float8, roi_lower pg_catalog.float8, roi_upper pg_catalog.float8
);
CREATE FUNCTION c360.campaign_roi(result c360.lift_mean_result, cost pg_catalog.float8,
                                  margin pg_catalog.float8 DEFAULT 1)
    RETURNS c360.roi_result LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF cost IS NULL OR NOT (cost > 0) OR cost = 'Infinity' THEN
        RAISE EXCEPTION 'c360.campaign_roi: cost must be a positive finite amount' USING ERRCODE = '22023';
    END IF;
    IF NOT (margin >= 0 AND margin <= 1) THEN
        RAISE EXCEPTION 'c360.campaign_roi: margin must be a share between 0 and 1' USING ERRCODE = '22023';
    END IF;
    RETURN ROW(result.incremental_total, result.incremental_lower, result.incremental_upper, cost, margin,
               (result.incremental_total * margin - cost) / cost,
               (result.incremental_lower * margin - cost) / cost,
               (result.incremental_upper * margin - cost) / cost)::c360.roi_result;
END
$function$;
COMMENT ON FUNCTION c360.campaign_roi(c360.lift_mean_result, pg_catalog.float8, pg_catalog.float8) IS
    'ROI = (incremental revenue x margin - cost) / cost, with the interval carried from the revenue CI';

-- The rows behind the uplift curves: (score, treated, converted) triples, exact text form.
CREATE TYPE c360.uplift_sample;
CREATE FUNCTION c360.uplift_sample_in(pg_catalog.cstring) RETURNS c360.uplift_sample
    AS 'MODULE_PATHNAME', 'c360_uplift_sample_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_sample_out(c360.uplift_sample) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_uplift_sample_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_sample_recv(pg_catalog.internal) RETURNS c360.uplift_sample
    AS 'MODULE_PATHNAME', 'c360_uplift_sample_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_sample_send(c360.uplift_sample) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_uplift_sample_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.uplift_sample (
    INTERNALLENGTH = VARIABLE,
    INPUT = c360.uplift_sample_in,
    OUTPUT = c360.uplift_sample_out,
    RECEIVE = c360.uplift_sample_recv,
    SEND = c360.uplift_sample_send,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON FUNCTION c360.uplift_sample_recv(pg_catalog.internal) IS
    'Binary input of c360.uplift_sample (COPY ... FORMAT binary, binary protocol): versioned, network byte order, validated like the text input';
COMMENT ON FUNCTION c360.uplift_sample_send(c360.uplift_sample) IS 'Binary output of c360.uplift_sample (COPY ... FORMAT binary, binary protocol)';
CREATE FUNCTION c360.uplift_add(state c360.uplift_sample, score pg_catalog.float8, treated pg_catalog.bool,
                                converted pg_catalog.bool)
    RETURNS c360.uplift_sample AS 'MODULE_PATHNAME', 'c360_uplift_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_add(state c360.uplift_sample, score pg_catalog.float8, treated pg_catalog.bool,
                                converted pg_catalog.bool, k pg_catalog.float8)
    RETURNS c360.uplift_sample AS 'MODULE_PATHNAME', 'c360_uplift_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_add(state c360.uplift_sample, score pg_catalog.float8, treated pg_catalog.bool,
                                converted pg_catalog.bool, n pg_catalog.int4)
    RETURNS c360.uplift_sample AS 'MODULE_PATHNAME', 'c360_uplift_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_merge(a c360.uplift_sample, b c360.uplift_sample) RETURNS c360.uplift_sample
    AS 'MODULE_PATHNAME', 'c360_uplift_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.qini_auc_final(state c360.uplift_sample) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_qini_auc_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_auc_final(state c360.uplift_sample) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_uplift_auc_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_at_k_final(state c360.uplift_sample) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_uplift_at_k_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE c360.uplift_bin AS (
    bin pg_catalog.int4, n_treatment pg_catalog.float8, n_control pg_catalog.float8,
    conversions_treatment pg_catalog.float8, conversions_control pg_catalog.float8,
    rate_treatment pg_catalog.float8, rate_control pg_catalog.float8,
    uplift pg_catalog.float8, std_err pg_catalog.float8, customers pg_catalog.float8
);
CREATE TYPE c360.uplift_point AS (
    point pg_catalog.int4, share pg_catalog.float8, customers pg_catalog.float8,
    n_treatment pg_catalog.float8, n_control pg_catalog.float8,
    conversions_treatment pg_catalog.float8, conversions_control pg_catalog.float8,
    qini pg_catalog.float8, uplift_gain pg_catalog.float8, random_qini pg_catalog.float8
);
CREATE FUNCTION c360.uplift_by_percentile_final(state c360.uplift_sample) RETURNS c360.uplift_bin[]
    AS 'MODULE_PATHNAME', 'c360_uplift_by_percentile_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_curve_final(state c360.uplift_sample) RETURNS c360.uplift_point[]
    AS 'MODULE_PATHNAME', 'c360_uplift_curve_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE c360.qini_auc(score pg_catalog.float8, treated pg_catalog.bool, converted pg_catalog.bool) (
    SFUNC = c360.uplift_add, STYPE = c360.uplift_sample, FINALFUNC = c360.qini_auc_final,
    COMBINEFUNC = c360.uplift_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.qini_auc(pg_catalog.float8, pg_catalog.bool, pg_catalog.bool) IS
    'Normalised area under the Qini curve (scikit-uplift qini_auc_score, negative effects allowed)';
CREATE AGGREGATE c360.uplift_auc(score pg_catalog.float8, treated pg_catalog.bool, converted pg_catalog.bool) (
    SFUNC = c360.uplift_add, STYPE = c360.uplift_sample, FINALFUNC = c360.uplift_auc_final,
    COMBINEFUNC = c360.uplift_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.uplift_auc(pg_catalog.float8, pg_catalog.bool, pg_catalog.bool) IS
    'Normalised area under the uplift curve (scikit-uplift uplift_auc_score)';
CREATE AGGREGATE c360.uplift_at_k(score pg_catalog.float8, treated pg_catalog.bool, converted pg_catalog.bool,
                                  k pg_catalog.float8) (
    SFUNC = c360.uplift_add, STYPE = c360.uplift_sample, FINALFUNC = c360.uplift_at_k_final,
    COMBINEFUNC = c360.uplift_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.uplift_at_k(pg_catalog.float8, pg_catalog.bool, pg_catalog.bool, pg_catalog.float8) IS
    'Treated minus control conversion rate among the top k share of scores (NULL when a group is absent there)';
CREATE AGGREGATE c360.uplift_by_percentile(score pg_catalog.float8, treated pg_catalog.bool,
                                           converted pg_catalog.bool, bins pg_catalog.int4) (
    SFUNC = c360.uplift_add, STYPE = c360.uplift_sample, FINALFUNC = c360.uplift_by_percentile_final,
    COMBINEFUNC = c360.uplift_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.uplift_by_percentile(pg_catalog.float8, pg_catalog.bool, pg_catalog.bool, pg_catalog.int4) IS
    'Response rates of treated and control and their difference per score bin (bin 1 = highest scores)';
CREATE AGGREGATE c360.uplift_curve(score pg_catalog.float8, treated pg_catalog.bool, converted pg_catalog.bool,
                                   points pg_catalog.int4) (
    SFUNC = c360.uplift_add, STYPE = c360.uplift_sample, FINALFUNC = c360.uplift_curve_final,
    COMBINEFUNC = c360.uplift_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.uplift_curve(pg_catalog.float8, pg_catalog.bool, pg_catalog.bool, pg_catalog.int4) IS
    'Qini and uplift (cumulative gain) curves at points + 1 evenly spaced cut-offs, with the random Qini line';
