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
COMMENT ON FUNCTION c360.ab_state_in(pg_catalog.cstring) IS 'Text input of type c360.ab_state';
CREATE FUNCTION c360.ab_state_out(c360.ab_state) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_ab_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.ab_state_out(c360.ab_state) IS 'Text output of type c360.ab_state';
CREATE FUNCTION c360.ab_state_recv(pg_catalog.internal) RETURNS c360.ab_state
    AS 'MODULE_PATHNAME', 'c360_ab_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.ab_state_recv(pg_catalog.internal) IS 'Binary input of type c360.ab_state (binary COPY, binary protocol)';
CREATE FUNCTION c360.ab_state_send(c360.ab_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_ab_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.ab_state_send(c360.ab_state) IS 'Binary output of type c360.ab_state (binary COPY, binary protocol)';
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
COMMENT ON TYPE c360.lift_binary_result IS 'Result of aggregate c360.lift_binary: conversion rates of the two arms and the lift with its tests and intervals';
COMMENT ON COLUMN c360.lift_binary_result.n_control IS 'Rows of the control arm (treated = false)';
COMMENT ON COLUMN c360.lift_binary_result.n_treatment IS 'Rows of the treatment arm (treated = true)';
COMMENT ON COLUMN c360.lift_binary_result.conversions_control IS 'Converted rows of the control arm';
COMMENT ON COLUMN c360.lift_binary_result.conversions_treatment IS 'Converted rows of the treatment arm';
COMMENT ON COLUMN c360.lift_binary_result.rate_control IS 'conversions_control / n_control';
COMMENT ON COLUMN c360.lift_binary_result.rate_treatment IS 'conversions_treatment / n_treatment';
COMMENT ON COLUMN c360.lift_binary_result.abs_lift IS 'rate_treatment - rate_control';
COMMENT ON COLUMN c360.lift_binary_result.rel_lift IS 'rate_treatment / rate_control - 1 (NULL when rate_control is 0)';
COMMENT ON COLUMN c360.lift_binary_result.z IS 'Pooled two-proportion z statistic';
COMMENT ON COLUMN c360.lift_binary_result.p_value IS 'Two-sided p-value of the z test';
COMMENT ON COLUMN c360.lift_binary_result.wald_lower IS 'Lower limit of the Wald interval of abs_lift (unpooled standard error)';
COMMENT ON COLUMN c360.lift_binary_result.wald_upper IS 'Upper limit of the Wald interval of abs_lift (unpooled standard error)';
COMMENT ON COLUMN c360.lift_binary_result.newcombe_lower IS 'Lower limit of the Newcombe-Wilson interval of abs_lift (Newcombe 1998, method 10)';
COMMENT ON COLUMN c360.lift_binary_result.newcombe_upper IS 'Upper limit of the Newcombe-Wilson interval of abs_lift (Newcombe 1998, method 10)';
COMMENT ON COLUMN c360.lift_binary_result.rel_lower IS 'Lower limit of the interval of rel_lift (delta method, Welch df)';
COMMENT ON COLUMN c360.lift_binary_result.rel_upper IS 'Upper limit of the interval of rel_lift (delta method, Welch df)';
COMMENT ON COLUMN c360.lift_binary_result.rel_p_value IS 'Two-sided p-value of rel_lift (delta method)';
COMMENT ON COLUMN c360.lift_binary_result.incremental_conversions IS 'n_treatment x abs_lift: conversions due to the treatment';
COMMENT ON COLUMN c360.lift_binary_result.incremental_lower IS 'n_treatment x newcombe_lower';
COMMENT ON COLUMN c360.lift_binary_result.incremental_upper IS 'n_treatment x newcombe_upper';
COMMENT ON COLUMN c360.lift_binary_result.confidence IS 'Confidence level of the intervals (default 0.95)';
COMMENT ON COLUMN c360.lift_binary_result.skipped IS 'Rows with a NULL group or outcome, not counted';
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
COMMENT ON TYPE c360.lift_mean_result IS
    'Result of aggregates c360.lift_mean and c360.lift_cuped: the difference of mean outcomes of the two arms with its Welch test and intervals';
COMMENT ON COLUMN c360.lift_mean_result.n_control IS 'Rows of the control arm (treated = false)';
COMMENT ON COLUMN c360.lift_mean_result.n_treatment IS 'Rows of the treatment arm (treated = true)';
COMMENT ON COLUMN c360.lift_mean_result.mean_control IS 'Mean outcome of the control arm (unadjusted)';
COMMENT ON COLUMN c360.lift_mean_result.mean_treatment IS 'Mean outcome of the treatment arm (unadjusted)';
COMMENT ON COLUMN c360.lift_mean_result.sd_control IS 'Sample standard deviation of the outcome, control arm (unadjusted)';
COMMENT ON COLUMN c360.lift_mean_result.sd_treatment IS 'Sample standard deviation of the outcome, treatment arm (unadjusted)';
COMMENT ON COLUMN c360.lift_mean_result.diff IS 'mean_treatment - mean_control (CUPED-adjusted for c360.lift_cuped)';
COMMENT ON COLUMN c360.lift_mean_result.std_err IS 'Standard error of diff (NULL when an arm has fewer than 2 rows)';
COMMENT ON COLUMN c360.lift_mean_result.t IS 'Welch t statistic of diff';
COMMENT ON COLUMN c360.lift_mean_result.df IS 'Welch-Satterthwaite degrees of freedom';
COMMENT ON COLUMN c360.lift_mean_result.p_value IS 'Two-sided p-value of the Welch t test';
COMMENT ON COLUMN c360.lift_mean_result.lower IS 'Lower limit of the interval of diff';
COMMENT ON COLUMN c360.lift_mean_result.upper IS 'Upper limit of the interval of diff';
COMMENT ON COLUMN c360.lift_mean_result.rel_lift IS 'diff / mean_control (NULL when mean_control is 0)';
COMMENT ON COLUMN c360.lift_mean_result.rel_lower IS 'Lower limit of the interval of rel_lift (delta method)';
COMMENT ON COLUMN c360.lift_mean_result.rel_upper IS 'Upper limit of the interval of rel_lift (delta method)';
COMMENT ON COLUMN c360.lift_mean_result.rel_p_value IS 'Two-sided p-value of rel_lift (delta method)';
COMMENT ON COLUMN c360.lift_mean_result.incremental_total IS 'n_treatment x diff, e.g. incremental revenue';
COMMENT ON COLUMN c360.lift_mean_result.incremental_lower IS 'n_treatment x lower';
COMMENT ON COLUMN c360.lift_mean_result.incremental_upper IS 'n_treatment x upper';
COMMENT ON COLUMN c360.lift_mean_result.theta IS 'CUPED coefficient cov(outcome, pre_value) / var(pre_value), both arms pooled (c360.lift_cuped only)';
COMMENT ON COLUMN c360.lift_mean_result.variance_reduction IS '1 - Var(adjusted diff) / Var(raw diff) (c360.lift_cuped only)';
COMMENT ON COLUMN c360.lift_mean_result.confidence IS 'Confidence level of the intervals (default 0.95)';
COMMENT ON COLUMN c360.lift_mean_result.skipped IS 'Rows not counted: NULL group or outcome (or pre_value, c360.lift_cuped)';

CREATE FUNCTION c360.ab_add_binary(state c360.ab_state, treated pg_catalog.bool, converted pg_catalog.bool)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_binary'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.ab_add_binary(c360.ab_state, pg_catalog.bool, pg_catalog.bool) IS
    'Transition function of aggregate c360.lift_binary: adds one row (NULL treated or converted: counted in skipped)';
CREATE FUNCTION c360.ab_add_binary(state c360.ab_state, treated pg_catalog.bool, converted pg_catalog.bool,
                                   confidence pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_binary'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.ab_add_binary(c360.ab_state, pg_catalog.bool, pg_catalog.bool, pg_catalog.float8) IS
    'Transition function of aggregate c360.lift_binary with a confidence level (the same for every row of a group)';
CREATE FUNCTION c360.ab_add_mean(state c360.ab_state, treated pg_catalog.bool, value pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_mean'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.ab_add_mean(c360.ab_state, pg_catalog.bool, pg_catalog.float8) IS
    'Transition function of aggregate c360.lift_mean: adds one row (NULL treated or value: counted in skipped)';
CREATE FUNCTION c360.ab_add_mean(state c360.ab_state, treated pg_catalog.bool, value pg_catalog.float8,
                                 confidence pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_mean'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.ab_add_mean(c360.ab_state, pg_catalog.bool, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.lift_mean with a confidence level (the same for every row of a group)';
CREATE FUNCTION c360.ab_add_cuped(state c360.ab_state, treated pg_catalog.bool, value pg_catalog.float8,
                                  pre_value pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_cuped'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.ab_add_cuped(c360.ab_state, pg_catalog.bool, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.lift_cuped: adds one row (NULL treated, value or pre_value: counted in skipped)';
CREATE FUNCTION c360.ab_add_cuped(state c360.ab_state, treated pg_catalog.bool, value pg_catalog.float8,
                                  pre_value pg_catalog.float8, confidence pg_catalog.float8)
    RETURNS c360.ab_state AS 'MODULE_PATHNAME', 'c360_ab_add_cuped'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.ab_add_cuped(c360.ab_state, pg_catalog.bool, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.lift_cuped with a confidence level (the same for every row of a group)';
CREATE FUNCTION c360.ab_merge(a c360.ab_state, b c360.ab_state) RETURNS c360.ab_state
    AS 'MODULE_PATHNAME', 'c360_ab_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.ab_merge(c360.ab_state, c360.ab_state) IS
    'Combine function of aggregates c360.lift_binary, c360.lift_mean and c360.lift_cuped (Chan''s formulas for the moments)';
CREATE FUNCTION c360.lift_binary_final(state c360.ab_state) RETURNS c360.lift_binary_result
    AS 'MODULE_PATHNAME', 'c360_lift_binary_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.lift_binary_final(c360.ab_state) IS 'Final function of aggregate c360.lift_binary: the c360.lift_binary_result of the state';
CREATE FUNCTION c360.lift_mean_final(state c360.ab_state) RETURNS c360.lift_mean_result
    AS 'MODULE_PATHNAME', 'c360_lift_mean_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.lift_mean_final(c360.ab_state) IS 'Final function of aggregate c360.lift_mean: the c360.lift_mean_result of the state';
CREATE FUNCTION c360.lift_cuped_final(state c360.ab_state) RETURNS c360.lift_mean_result
    AS 'MODULE_PATHNAME', 'c360_lift_cuped_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.lift_cuped_final(c360.ab_state) IS
    'Final function of aggregate c360.lift_cuped: the CUPED-adjusted c360.lift_mean_result of the state';

CREATE AGGREGATE c360.lift_binary(treated pg_catalog.bool, converted pg_catalog.bool) (
    SFUNC = c360.ab_add_binary, STYPE = c360.ab_state, FINALFUNC = c360.lift_binary_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
CREATE AGGREGATE c360.lift_binary(treated pg_catalog.bool, converted pg_catalog.bool, confidence pg_catalog.float8) (
    SFUNC = c360.ab_add_binary, STYPE = c360.ab_state, FINALFUNC = c360.lift_binary_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.lift_binary(pg_catalog.bool, pg_catalog.bool, pg_catalog.float8) IS
    'c360.lift_binary at a given confidence level in (0, 1), the same for every row of a group';
COMMENT ON AGGREGATE c360.lift_binary(pg_catalog.bool, pg_catalog.bool) IS
    'Conversion lift of treatment (true) over control (false): rates, z test, Wald and Newcombe CIs, relative lift (95 %)';
CREATE AGGREGATE c360.lift_mean(treated pg_catalog.bool, value pg_catalog.float8) (
    SFUNC = c360.ab_add_mean, STYPE = c360.ab_state, FINALFUNC = c360.lift_mean_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
CREATE AGGREGATE c360.lift_mean(treated pg_catalog.bool, value pg_catalog.float8, confidence pg_catalog.float8) (
    SFUNC = c360.ab_add_mean, STYPE = c360.ab_state, FINALFUNC = c360.lift_mean_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.lift_mean(pg_catalog.bool, pg_catalog.float8, pg_catalog.float8) IS
    'c360.lift_mean at a given confidence level in (0, 1), the same for every row of a group';
COMMENT ON AGGREGATE c360.lift_mean(pg_catalog.bool, pg_catalog.float8) IS
    'Difference of means (spend, basket) treatment - control: Welch t test, CI, relative lift, incremental total (95 %)';
CREATE AGGREGATE c360.lift_cuped(treated pg_catalog.bool, value pg_catalog.float8, pre_value pg_catalog.float8) (
    SFUNC = c360.ab_add_cuped, STYPE = c360.ab_state, FINALFUNC = c360.lift_cuped_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
CREATE AGGREGATE c360.lift_cuped(treated pg_catalog.bool, value pg_catalog.float8, pre_value pg_catalog.float8,
                                 confidence pg_catalog.float8) (
    SFUNC = c360.ab_add_cuped, STYPE = c360.ab_state, FINALFUNC = c360.lift_cuped_final,
    COMBINEFUNC = c360.ab_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.lift_cuped(pg_catalog.bool, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'c360.lift_cuped at a given confidence level in (0, 1), the same for every row of a group';
COMMENT ON AGGREGATE c360.lift_cuped(pg_catalog.bool, pg_catalog.float8, pg_catalog.float8) IS
    'c360.lift_mean with CUPED variance reduction on a pre-period covariate (theta from the pooled arms)';

CREATE TYPE c360.srm_result AS (chi2 pg_catalog.float8, df pg_catalog.int4, p_value pg_catalog.float8);
COMMENT ON TYPE c360.srm_result IS 'Result of c360.srm_test: chi-square goodness of fit of the arm sizes';
COMMENT ON COLUMN c360.srm_result.chi2 IS 'Chi-square statistic: sum of (observed - expected)^2 / expected';
COMMENT ON COLUMN c360.srm_result.df IS 'Degrees of freedom: number of arms - 1';
COMMENT ON COLUMN c360.srm_result.p_value IS 'p-value of the statistic; a small value means the split differs from the design';
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
COMMENT ON TYPE c360.roi_result IS 'Result of c360.campaign_roi: incremental revenue and return on investment with intervals';
COMMENT ON COLUMN c360.roi_result.incremental_revenue IS 'incremental_total of the c360.lift_mean_result';
COMMENT ON COLUMN c360.roi_result.revenue_lower IS 'Lower limit of incremental_revenue (incremental_lower)';
COMMENT ON COLUMN c360.roi_result.revenue_upper IS 'Upper limit of incremental_revenue (incremental_upper)';
COMMENT ON COLUMN c360.roi_result.cost IS 'Cost of the campaign, as given';
COMMENT ON COLUMN c360.roi_result.margin IS 'Share of revenue that is margin, as given (0 to 1)';
COMMENT ON COLUMN c360.roi_result.roi IS '(incremental_revenue x margin - cost) / cost';
COMMENT ON COLUMN c360.roi_result.roi_lower IS '(revenue_lower x margin - cost) / cost';
COMMENT ON COLUMN c360.roi_result.roi_upper IS '(revenue_upper x margin - cost) / cost';
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
COMMENT ON FUNCTION c360.uplift_sample_in(pg_catalog.cstring) IS 'Text input of type c360.uplift_sample';
CREATE FUNCTION c360.uplift_sample_out(c360.uplift_sample) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_uplift_sample_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.uplift_sample_out(c360.uplift_sample) IS 'Text output of type c360.uplift_sample';
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
COMMENT ON TYPE c360.uplift_sample IS
    'State of the uplift-evaluation aggregates (c360.qini_auc, c360.uplift_curve...): the (score, treated, converted) rows, 24 bytes each';
COMMENT ON FUNCTION c360.uplift_sample_recv(pg_catalog.internal) IS
    'Binary input of c360.uplift_sample (COPY ... FORMAT binary, binary protocol): versioned, network byte order, validated like the text input';
COMMENT ON FUNCTION c360.uplift_sample_send(c360.uplift_sample) IS 'Binary output of c360.uplift_sample (COPY ... FORMAT binary, binary protocol)';
CREATE FUNCTION c360.uplift_add(state c360.uplift_sample, score pg_catalog.float8, treated pg_catalog.bool,
                                converted pg_catalog.bool)
    RETURNS c360.uplift_sample AS 'MODULE_PATHNAME', 'c360_uplift_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.uplift_add(c360.uplift_sample, pg_catalog.float8, pg_catalog.bool, pg_catalog.bool) IS
    'Transition function of aggregates c360.qini_auc and c360.uplift_auc: keeps one row (a NULL score, group or outcome: not evaluated)';
CREATE FUNCTION c360.uplift_add(state c360.uplift_sample, score pg_catalog.float8, treated pg_catalog.bool,
                                converted pg_catalog.bool, k pg_catalog.float8)
    RETURNS c360.uplift_sample AS 'MODULE_PATHNAME', 'c360_uplift_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.uplift_add(c360.uplift_sample, pg_catalog.float8, pg_catalog.bool, pg_catalog.bool, pg_catalog.float8) IS
    'Transition function of aggregate c360.uplift_at_k: keeps one row (a NULL score, group or outcome: not evaluated); k the same for every row';
CREATE FUNCTION c360.uplift_add(state c360.uplift_sample, score pg_catalog.float8, treated pg_catalog.bool,
                                converted pg_catalog.bool, n pg_catalog.int4)
    RETURNS c360.uplift_sample AS 'MODULE_PATHNAME', 'c360_uplift_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.uplift_add(c360.uplift_sample, pg_catalog.float8, pg_catalog.bool, pg_catalog.bool, pg_catalog.int4) IS
    'Transition function of aggregates c360.uplift_by_percentile and c360.uplift_curve: keeps one row; bins or points the same for every row';
CREATE FUNCTION c360.uplift_merge(a c360.uplift_sample, b c360.uplift_sample) RETURNS c360.uplift_sample
    AS 'MODULE_PATHNAME', 'c360_uplift_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.uplift_merge(c360.uplift_sample, c360.uplift_sample) IS
    'Combine function of the uplift-evaluation aggregates: the rows of both states';
CREATE FUNCTION c360.qini_auc_final(state c360.uplift_sample) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_qini_auc_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.qini_auc_final(c360.uplift_sample) IS 'Final function of aggregate c360.qini_auc';
CREATE FUNCTION c360.uplift_auc_final(state c360.uplift_sample) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_uplift_auc_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.uplift_auc_final(c360.uplift_sample) IS 'Final function of aggregate c360.uplift_auc';
CREATE FUNCTION c360.uplift_at_k_final(state c360.uplift_sample) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_uplift_at_k_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.uplift_at_k_final(c360.uplift_sample) IS 'Final function of aggregate c360.uplift_at_k';

CREATE TYPE c360.uplift_bin AS (
    bin pg_catalog.int4, n_treatment pg_catalog.float8, n_control pg_catalog.float8,
    conversions_treatment pg_catalog.float8, conversions_control pg_catalog.float8,
    rate_treatment pg_catalog.float8, rate_control pg_catalog.float8,
    uplift pg_catalog.float8, std_err pg_catalog.float8, customers pg_catalog.float8
);
COMMENT ON TYPE c360.uplift_bin IS
    'One score bin of aggregate c360.uplift_by_percentile; counts are fractional when a bin boundary splits a run of tied scores';
COMMENT ON COLUMN c360.uplift_bin.bin IS 'Bin number: 1 = highest scores';
COMMENT ON COLUMN c360.uplift_bin.n_treatment IS 'Treated rows in the bin';
COMMENT ON COLUMN c360.uplift_bin.n_control IS 'Control rows in the bin';
COMMENT ON COLUMN c360.uplift_bin.conversions_treatment IS 'Converted treated rows in the bin';
COMMENT ON COLUMN c360.uplift_bin.conversions_control IS 'Converted control rows in the bin';
COMMENT ON COLUMN c360.uplift_bin.rate_treatment IS 'conversions_treatment / n_treatment (NULL without treated rows)';
COMMENT ON COLUMN c360.uplift_bin.rate_control IS 'conversions_control / n_control (NULL without control rows)';
COMMENT ON COLUMN c360.uplift_bin.uplift IS 'rate_treatment - rate_control';
COMMENT ON COLUMN c360.uplift_bin.std_err IS 'Standard error of uplift: sqrt of the sum of the two binomial variances';
COMMENT ON COLUMN c360.uplift_bin.customers IS 'n_treatment + n_control';
CREATE TYPE c360.uplift_point AS (
    point pg_catalog.int4, share pg_catalog.float8, customers pg_catalog.float8,
    n_treatment pg_catalog.float8, n_control pg_catalog.float8,
    conversions_treatment pg_catalog.float8, conversions_control pg_catalog.float8,
    qini pg_catalog.float8, uplift_gain pg_catalog.float8, random_qini pg_catalog.float8
);
COMMENT ON TYPE c360.uplift_point IS
    'One point of the Qini and uplift curves of aggregate c360.uplift_curve: the counts among the top-scored rows';
COMMENT ON COLUMN c360.uplift_point.point IS 'Point number, 0 to points';
COMMENT ON COLUMN c360.uplift_point.share IS 'Share of the rows taken from the top, 0 to 1';
COMMENT ON COLUMN c360.uplift_point.customers IS 'Rows taken from the top: round(n x point / points)';
COMMENT ON COLUMN c360.uplift_point.n_treatment IS 'Treated rows among them';
COMMENT ON COLUMN c360.uplift_point.n_control IS 'Control rows among them';
COMMENT ON COLUMN c360.uplift_point.conversions_treatment IS 'Converted treated rows among them';
COMMENT ON COLUMN c360.uplift_point.conversions_control IS 'Converted control rows among them';
COMMENT ON COLUMN c360.uplift_point.qini IS 'Qini: conversions_treatment - conversions_control x n_treatment / n_control';
COMMENT ON COLUMN c360.uplift_point.uplift_gain IS 'Uplift curve: (treated rate - control rate) x customers';
COMMENT ON COLUMN c360.uplift_point.random_qini IS 'Qini of a random targeting: the final Qini x share';
CREATE FUNCTION c360.uplift_by_percentile_final(state c360.uplift_sample) RETURNS c360.uplift_bin[]
    AS 'MODULE_PATHNAME', 'c360_uplift_by_percentile_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.uplift_by_percentile_final(c360.uplift_sample) IS
    'Final function of aggregate c360.uplift_by_percentile: bins rows of c360.uplift_bin (NULL without rows)';
CREATE FUNCTION c360.uplift_curve_final(state c360.uplift_sample) RETURNS c360.uplift_point[]
    AS 'MODULE_PATHNAME', 'c360_uplift_curve_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.uplift_curve_final(c360.uplift_sample) IS
    'Final function of aggregate c360.uplift_curve: points + 1 rows of c360.uplift_point (NULL without rows)';

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
