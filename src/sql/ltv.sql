-- customer360 install SQL, capability 'ltv' (assembled by the Makefile; see src/sql/common.sql).

-------------------------------------------------------------------------------------------------
-- Lifetime value (docs/ltv.md): BTYD summaries, BG/NBD, Pareto/NBD and Gamma-Gamma fitted by
-- aggregate, per-customer predictions and CLV. Math in src/core/ltv, glue in src/pg/ltv_pg.cpp.
-------------------------------------------------------------------------------------------------

-- Orders -> one row per customer (x, t_x, T in time units, mean repeat value), same-day orders
-- merged (days in the session time zone), orders after calibration_end ignored. Built on c360.rfm.
-- Grouped by the customer column itself (its text only in the result): on a table distributed by
-- that column Citus pushes both groupings down to the shards.
CREATE FUNCTION c360.btyd_summary(orders pg_catalog.regclass, customer_col pg_catalog.name,
                                  ts_col pg_catalog.name, amount_col pg_catalog.name,
                                  calibration_end pg_catalog.date,
                                  time_unit pg_catalog.interval DEFAULT '7 days')
    RETURNS TABLE (customer_id pg_catalog.text, x pg_catalog.int8, t_x pg_catalog.float8, "T" pg_catalog.float8,
                   mean_value pg_catalog.float8, first_purchase pg_catalog.date, last_purchase pg_catalog.date)
    LANGUAGE plpgsql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    unit_days float8 := extract(epoch FROM time_unit) / 86400;
BEGIN
    IF orders IS NULL OR customer_col IS NULL OR ts_col IS NULL OR amount_col IS NULL OR calibration_end IS NULL
       OR time_unit IS NULL THEN
        RAISE EXCEPTION 'c360.btyd_summary: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF NOT (unit_days > 0) THEN
        RAISE EXCEPTION 'c360.btyd_summary: time_unit must be a positive interval, e.g. ''7 days''' USING ERRCODE = '22023';
    END IF;
    RETURN QUERY EXECUTE format($q$
        SELECT d.cid::text, (s).frequency - 1, (last_day - first_day) / $2, ($1 - first_day) / $2,
               (s).avg_repeat_value, first_day, last_day
        FROM (SELECT cid, c360.rfm(day, amount, $1) AS s, min(day) AS first_day, max(day) AS last_day
              FROM (SELECT %1$I AS cid, %2$I::date AS day, sum(coalesce(%3$I::float8, 0)) AS amount
                    FROM %4$s WHERE %1$I IS NOT NULL AND pg_catalog.isfinite(%2$I) AND %2$I::date <= $1
                    GROUP BY 1, 2) days
              GROUP BY cid) d
    $q$, customer_col, ts_col, amount_col, orders) USING calibration_end, unit_days;
END
$function$;
COMMENT ON FUNCTION c360.btyd_summary(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name, pg_catalog.date, pg_catalog.interval) IS
    'Per customer: x repeat purchase days, t_x and T in time units (default weeks), mean repeat value, for the BTYD models';

CREATE TYPE c360.clv_sample;
CREATE FUNCTION c360.clv_sample_in(pg_catalog.cstring) RETURNS c360.clv_sample
    AS 'MODULE_PATHNAME', 'c360_clv_sample_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_sample_in(pg_catalog.cstring) IS 'Text input of type c360.clv_sample';
CREATE FUNCTION c360.clv_sample_out(c360.clv_sample) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_clv_sample_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_sample_out(c360.clv_sample) IS 'Text output of type c360.clv_sample';
CREATE FUNCTION c360.clv_sample_recv(pg_catalog.internal) RETURNS c360.clv_sample
    AS 'MODULE_PATHNAME', 'c360_clv_sample_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.clv_sample_send(c360.clv_sample) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_clv_sample_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE TYPE c360.clv_sample (
    INTERNALLENGTH = VARIABLE, INPUT = c360.clv_sample_in, OUTPUT = c360.clv_sample_out,
    RECEIVE = c360.clv_sample_recv, SEND = c360.clv_sample_send,
    ALIGNMENT = double, STORAGE = extended);
COMMENT ON TYPE c360.clv_sample IS 'Partial state of the lifetime-value fit aggregates: the customers'' summaries';
COMMENT ON FUNCTION c360.clv_sample_recv(pg_catalog.internal) IS
    'Binary input of c360.clv_sample (COPY ... FORMAT binary, binary protocol): versioned, network byte order, validated like the text input';
COMMENT ON FUNCTION c360.clv_sample_send(c360.clv_sample) IS 'Binary output of c360.clv_sample (COPY ... FORMAT binary, binary protocol)';

CREATE TYPE c360.bgnbd_model AS (
    r pg_catalog.float8, alpha pg_catalog.float8, a pg_catalog.float8, b pg_catalog.float8,
    log_likelihood pg_catalog.float8, converged pg_catalog.bool, iterations pg_catalog.int4,
    customers pg_catalog.int8, distinct_summaries pg_catalog.int8);
COMMENT ON TYPE c360.bgnbd_model IS 'A fitted BG/NBD model (result of aggregate c360.bgnbd_fit), in the time unit of its summaries';
COMMENT ON COLUMN c360.bgnbd_model.r IS 'Shape r of the gamma distribution of the purchase rates';
COMMENT ON COLUMN c360.bgnbd_model.alpha IS 'Parameter alpha (rate, per time unit) of the gamma distribution of the purchase rates';
COMMENT ON COLUMN c360.bgnbd_model.a IS 'Parameter a of the beta distribution of the dropout probability after a purchase';
COMMENT ON COLUMN c360.bgnbd_model.b IS 'Parameter b of the beta distribution of the dropout probability after a purchase';
COMMENT ON COLUMN c360.bgnbd_model.log_likelihood IS 'Log-likelihood at the fitted parameters';
COMMENT ON COLUMN c360.bgnbd_model.converged IS 'false when the optimiser did not converge or stopped on a parameter bound (1e-5 or 1e5)';
COMMENT ON COLUMN c360.bgnbd_model.iterations IS 'BFGS iterations of the fit';
COMMENT ON COLUMN c360.bgnbd_model.customers IS 'Customers used by the fit';
COMMENT ON COLUMN c360.bgnbd_model.distinct_summaries IS 'Distinct customer summaries the likelihood was computed over (identical ones are merged)';
CREATE TYPE c360.pareto_nbd_model AS (
    r pg_catalog.float8, alpha pg_catalog.float8, s pg_catalog.float8, beta pg_catalog.float8,
    log_likelihood pg_catalog.float8, converged pg_catalog.bool, iterations pg_catalog.int4,
    customers pg_catalog.int8, distinct_summaries pg_catalog.int8);
COMMENT ON TYPE c360.pareto_nbd_model IS 'A fitted Pareto/NBD model (result of aggregate c360.pareto_nbd_fit), in the time unit of its summaries';
COMMENT ON COLUMN c360.pareto_nbd_model.r IS 'Shape r of the gamma distribution of the purchase rates';
COMMENT ON COLUMN c360.pareto_nbd_model.alpha IS 'Parameter alpha (rate, per time unit) of the gamma distribution of the purchase rates';
COMMENT ON COLUMN c360.pareto_nbd_model.s IS 'Shape s of the gamma distribution of the dropout rates';
COMMENT ON COLUMN c360.pareto_nbd_model.beta IS 'Parameter beta (rate, per time unit) of the gamma distribution of the dropout rates';
COMMENT ON COLUMN c360.pareto_nbd_model.log_likelihood IS 'Log-likelihood at the fitted parameters';
COMMENT ON COLUMN c360.pareto_nbd_model.converged IS 'false when the optimiser did not converge or stopped on a parameter bound (1e-5 or 1e5)';
COMMENT ON COLUMN c360.pareto_nbd_model.iterations IS 'BFGS iterations of the fit';
COMMENT ON COLUMN c360.pareto_nbd_model.customers IS 'Customers used by the fit';
COMMENT ON COLUMN c360.pareto_nbd_model.distinct_summaries IS 'Distinct customer summaries the likelihood was computed over (identical ones are merged)';
CREATE TYPE c360.gamma_gamma_model AS (
    p pg_catalog.float8, q pg_catalog.float8, gamma pg_catalog.float8,
    log_likelihood pg_catalog.float8, converged pg_catalog.bool, iterations pg_catalog.int4,
    customers pg_catalog.int8, distinct_summaries pg_catalog.int8);
COMMENT ON TYPE c360.gamma_gamma_model IS 'A fitted Gamma-Gamma spend model (result of aggregate c360.gamma_gamma_fit)';
COMMENT ON COLUMN c360.gamma_gamma_model.p IS 'Shape p of the gamma distribution of a customer''s transaction values';
COMMENT ON COLUMN c360.gamma_gamma_model.q IS 'Shape q of the gamma distribution of the customers'' scale parameter';
COMMENT ON COLUMN c360.gamma_gamma_model.gamma IS 'Parameter gamma of the gamma distribution of the customers'' scale parameter';
COMMENT ON COLUMN c360.gamma_gamma_model.log_likelihood IS 'Log-likelihood at the fitted parameters';
COMMENT ON COLUMN c360.gamma_gamma_model.converged IS 'false when the optimiser did not converge or stopped on a parameter bound (1e-5 or 1e5)';
COMMENT ON COLUMN c360.gamma_gamma_model.iterations IS 'BFGS iterations of the fit';
COMMENT ON COLUMN c360.gamma_gamma_model.customers IS 'Customers used by the fit (repeat customers, x >= 1)';
COMMENT ON COLUMN c360.gamma_gamma_model.distinct_summaries IS 'Distinct customer summaries the likelihood was computed over (identical ones are merged)';

CREATE FUNCTION c360.bgnbd_add(state c360.clv_sample, x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8)
    RETURNS c360.clv_sample AS 'MODULE_PATHNAME', 'c360_bgnbd_add' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.bgnbd_add(c360.clv_sample, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.bgnbd_fit: keeps one customer''s (x, t_x, T); a NULL value skips the customer, an invalid summary is an error (22023)';
CREATE FUNCTION c360.pareto_nbd_add(state c360.clv_sample, x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8)
    RETURNS c360.clv_sample AS 'MODULE_PATHNAME', 'c360_pareto_nbd_add' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.pareto_nbd_add(c360.clv_sample, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.pareto_nbd_fit: keeps one customer''s (x, t_x, T); a NULL value skips the customer, an invalid summary is an error (22023)';
CREATE FUNCTION c360.gamma_gamma_add(state c360.clv_sample, x pg_catalog.float8, mean_value pg_catalog.float8)
    RETURNS c360.clv_sample AS 'MODULE_PATHNAME', 'c360_gamma_gamma_add' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.gamma_gamma_add(c360.clv_sample, pg_catalog.float8, pg_catalog.float8) IS
    'Transition function of aggregate c360.gamma_gamma_fit: keeps one repeat customer''s (x, mean_value); x = 0 or a NULL value skips it, mean_value <= 0 is an error';
CREATE FUNCTION c360.clv_merge(a c360.clv_sample, b c360.clv_sample) RETURNS c360.clv_sample
    AS 'MODULE_PATHNAME', 'c360_clv_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_merge(c360.clv_sample, c360.clv_sample) IS
    'Combine function of the lifetime-value fit aggregates: the customers of both states (same model)';
CREATE FUNCTION c360.bgnbd_final(state c360.clv_sample) RETURNS c360.bgnbd_model
    AS 'MODULE_PATHNAME', 'c360_bgnbd_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.bgnbd_final(c360.clv_sample) IS
    'Final function of aggregate c360.bgnbd_fit: the maximum-likelihood c360.bgnbd_model (NULL without customers)';
CREATE FUNCTION c360.pareto_nbd_final(state c360.clv_sample) RETURNS c360.pareto_nbd_model
    AS 'MODULE_PATHNAME', 'c360_pareto_nbd_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.pareto_nbd_final(c360.clv_sample) IS
    'Final function of aggregate c360.pareto_nbd_fit: the maximum-likelihood c360.pareto_nbd_model (NULL without customers)';
CREATE FUNCTION c360.gamma_gamma_final(state c360.clv_sample) RETURNS c360.gamma_gamma_model
    AS 'MODULE_PATHNAME', 'c360_gamma_gamma_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.gamma_gamma_final(c360.clv_sample) IS
    'Final function of aggregate c360.gamma_gamma_fit: the maximum-likelihood c360.gamma_gamma_model (NULL without customers)';

CREATE AGGREGATE c360.bgnbd_fit(x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8) (
    SFUNC = c360.bgnbd_add, STYPE = c360.clv_sample, FINALFUNC = c360.bgnbd_final,
    COMBINEFUNC = c360.clv_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.bgnbd_fit(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Maximum-likelihood BG/NBD fit (Fader, Hardie & Lee 2005) on (x, t_x, T) summaries -> c360.bgnbd_model';
CREATE AGGREGATE c360.pareto_nbd_fit(x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8) (
    SFUNC = c360.pareto_nbd_add, STYPE = c360.clv_sample, FINALFUNC = c360.pareto_nbd_final,
    COMBINEFUNC = c360.clv_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.pareto_nbd_fit(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Maximum-likelihood Pareto/NBD fit (log-sum-exp likelihood) on (x, t_x, T) summaries -> c360.pareto_nbd_model';
CREATE AGGREGATE c360.gamma_gamma_fit(x pg_catalog.float8, mean_value pg_catalog.float8) (
    SFUNC = c360.gamma_gamma_add, STYPE = c360.clv_sample, FINALFUNC = c360.gamma_gamma_final,
    COMBINEFUNC = c360.clv_merge, PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.gamma_gamma_fit(pg_catalog.float8, pg_catalog.float8) IS
    'Gamma-Gamma spend model (p, q, gamma) on repeat customers (x >= 1; rows with x = 0 are ignored)';

CREATE FUNCTION c360.bgnbd_expected(model c360.bgnbd_model, t pg_catalog.float8, x pg_catalog.float8,
                                    t_x pg_catalog.float8, "T" pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_bgnbd_expected' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.bgnbd_expected(c360.bgnbd_model, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Expected purchases in the next t time units of a customer with summary (x, t_x, T)';
CREATE FUNCTION c360.bgnbd_p_alive(model c360.bgnbd_model, x pg_catalog.float8, t_x pg_catalog.float8,
                                   "T" pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_bgnbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.bgnbd_p_alive(c360.bgnbd_model, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Probability that the customer is still active (1 when x = 0, a property of BG/NBD)';
CREATE FUNCTION c360.bgnbd_unconditional(model c360.bgnbd_model, t pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_bgnbd_unconditional' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.bgnbd_unconditional(c360.bgnbd_model, pg_catalog.float8) IS
    'E[X(t)]: expected repeat purchases in t time units of a new customer';
CREATE FUNCTION c360.pareto_nbd_expected(model c360.pareto_nbd_model, t pg_catalog.float8, x pg_catalog.float8,
                                         t_x pg_catalog.float8, "T" pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_pareto_nbd_expected' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.pareto_nbd_expected(c360.pareto_nbd_model, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Pareto/NBD: expected purchases in the next t time units of a customer with summary (x, t_x, T)';
CREATE FUNCTION c360.pareto_nbd_p_alive(model c360.pareto_nbd_model, x pg_catalog.float8, t_x pg_catalog.float8,
                                        "T" pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_pareto_nbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.pareto_nbd_p_alive(c360.pareto_nbd_model, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8) IS
    'Pareto/NBD: probability that the customer with summary (x, t_x, T) is still active';
CREATE FUNCTION c360.pareto_nbd_unconditional(model c360.pareto_nbd_model, t pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_pareto_nbd_unconditional' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.pareto_nbd_unconditional(c360.pareto_nbd_model, pg_catalog.float8) IS
    'Pareto/NBD E[X(t)]: expected purchases in t time units of a new customer';
CREATE FUNCTION c360.gamma_gamma_expected(model c360.gamma_gamma_model, x pg_catalog.float8,
                                          mean_value pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_gamma_gamma_expected' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.gamma_gamma_expected(c360.gamma_gamma_model, pg_catalog.float8, pg_catalog.float8) IS
    'Expected mean transaction value: p (gamma + x mean_value) / (p x + q - 1); the population mean when x = 0';

-- The time units are in the signature: the horizon in months, a monthly discount rate, and how
-- many of the model's time units make a month (4.345 weeks for models fitted in weeks).
CREATE FUNCTION c360.clv(model c360.bgnbd_model, spend_model c360.gamma_gamma_model,
                         x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8,
                         mean_value pg_catalog.float8, horizon_months pg_catalog.int4 DEFAULT 12,
                         monthly_discount_rate pg_catalog.float8 DEFAULT 0.01,
                         model_units_per_month pg_catalog.float8 DEFAULT 4.345)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_clv_bgnbd'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION c360.clv(model c360.pareto_nbd_model, spend_model c360.gamma_gamma_model,
                         x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8,
                         mean_value pg_catalog.float8, horizon_months pg_catalog.int4 DEFAULT 12,
                         monthly_discount_rate pg_catalog.float8 DEFAULT 0.01,
                         model_units_per_month pg_catalog.float8 DEFAULT 4.345)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_clv_pareto_nbd'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv(c360.pareto_nbd_model, c360.gamma_gamma_model, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4, pg_catalog.float8, pg_catalog.float8) IS
    'Discounted expected value over horizon_months with a Pareto/NBD model: sum_k spend x (E[Y(k u)] - E[Y((k-1) u)]) / (1 + monthly rate)^k, u = model units per month';
COMMENT ON FUNCTION c360.clv(c360.bgnbd_model, c360.gamma_gamma_model, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.int4, pg_catalog.float8, pg_catalog.float8) IS
    'Discounted expected value over horizon_months: sum_k spend x (E[Y(k u)] - E[Y((k-1) u)]) / (1 + monthly rate)^k, u = model units per month';

-- Fits over tables of any size (docs/ltv.md): the same maximum-likelihood search as the fit aggregates,
-- with the likelihood summed by one parallel-safe aggregate pass per request (src/core/ltv/search.hpp).
-- On a table distributed by Citus each pass runs on the shards and combines partial sums.
CREATE TYPE c360.clv_search;
CREATE FUNCTION c360.clv_search_in(pg_catalog.cstring) RETURNS c360.clv_search
    AS 'MODULE_PATHNAME', 'c360_clv_search_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_search_in(pg_catalog.cstring) IS 'Text input of type c360.clv_search';
CREATE FUNCTION c360.clv_search_out(c360.clv_search) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_clv_search_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_search_out(c360.clv_search) IS 'Text output of type c360.clv_search';
CREATE FUNCTION c360.clv_search_recv(pg_catalog.internal) RETURNS c360.clv_search
    AS 'MODULE_PATHNAME', 'c360_clv_search_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_search_recv(pg_catalog.internal) IS 'Binary input of c360.clv_search, validated like the text input';
CREATE FUNCTION c360.clv_search_send(c360.clv_search) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_clv_search_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_search_send(c360.clv_search) IS 'Binary output of c360.clv_search';
CREATE TYPE c360.clv_search (
    INTERNALLENGTH = VARIABLE, INPUT = c360.clv_search_in, OUTPUT = c360.clv_search_out,
    RECEIVE = c360.clv_search_recv, SEND = c360.clv_search_send, ALIGNMENT = double, STORAGE = extended);
COMMENT ON TYPE c360.clv_search IS
    'A lifetime-value fit between two passes: the optimiser''s state and the points whose likelihood the next pass sums';

CREATE TYPE c360.clv_pass;
CREATE FUNCTION c360.clv_pass_in(pg_catalog.cstring) RETURNS c360.clv_pass
    AS 'MODULE_PATHNAME', 'c360_clv_pass_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pass_in(pg_catalog.cstring) IS 'Text input of type c360.clv_pass';
CREATE FUNCTION c360.clv_pass_out(c360.clv_pass) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_clv_pass_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pass_out(c360.clv_pass) IS 'Text output of type c360.clv_pass';
CREATE FUNCTION c360.clv_pass_recv(pg_catalog.internal) RETURNS c360.clv_pass
    AS 'MODULE_PATHNAME', 'c360_clv_pass_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pass_recv(pg_catalog.internal) IS 'Binary input of c360.clv_pass, validated like the text input';
CREATE FUNCTION c360.clv_pass_send(c360.clv_pass) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_clv_pass_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pass_send(c360.clv_pass) IS 'Binary output of c360.clv_pass';
CREATE TYPE c360.clv_pass (
    INTERNALLENGTH = VARIABLE, INPUT = c360.clv_pass_in, OUTPUT = c360.clv_pass_out,
    RECEIVE = c360.clv_pass_recv, SEND = c360.clv_pass_send, ALIGNMENT = double, STORAGE = extended);
COMMENT ON TYPE c360.clv_pass IS
    'State of aggregate c360.clv_step: customers, weights and compensated log-likelihood sums at each requested point';

CREATE FUNCTION c360.clv_start(model pg_catalog.text) RETURNS c360.clv_search
    AS 'MODULE_PATHNAME', 'c360_clv_start' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_start(pg_catalog.text) IS
    'The first request of an iterated fit of model ''bgnbd'', ''pareto_nbd'' or ''gamma_gamma'' (see c360.bgnbd_train)';
CREATE FUNCTION c360.clv_step_add(state c360.clv_pass, x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8,
                                  weight pg_catalog.float8, search c360.clv_search)
    RETURNS c360.clv_pass AS 'MODULE_PATHNAME', 'c360_clv_step_add' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_step_add(c360.clv_pass, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, c360.clv_search) IS
    'Transition function of aggregate c360.clv_step (BG/NBD, Pareto/NBD): adds weight x log-likelihood of one customer at each requested point; NULL values skip the customer, T = 0 is skipped, an invalid summary is an error (22023)';
CREATE FUNCTION c360.clv_step_add(state c360.clv_pass, x pg_catalog.float8, mean_value pg_catalog.float8,
                                  weight pg_catalog.float8, search c360.clv_search)
    RETURNS c360.clv_pass AS 'MODULE_PATHNAME', 'c360_clv_step_add_spend' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_step_add(c360.clv_pass, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, c360.clv_search) IS
    'Transition function of aggregate c360.clv_step (Gamma-Gamma): adds one repeat customer (x = 0 and NULL values are skipped)';
CREATE FUNCTION c360.clv_pass_merge(a c360.clv_pass, b c360.clv_pass) RETURNS c360.clv_pass
    AS 'MODULE_PATHNAME', 'c360_clv_pass_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pass_merge(c360.clv_pass, c360.clv_pass) IS
    'Combine function of aggregate c360.clv_step: adds two partial passes of the same request';
CREATE FUNCTION c360.clv_pass_final(state c360.clv_pass) RETURNS c360.clv_pass
    AS 'MODULE_PATHNAME', 'c360_clv_pass_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pass_final(c360.clv_pass) IS
    'Final function of aggregate c360.clv_step: each compensated sum folded into one number (the same pass whatever the order rows and partial states came in)';
CREATE AGGREGATE c360.clv_step(x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8,
                               weight pg_catalog.float8, search c360.clv_search) (
    SFUNC = c360.clv_step_add, STYPE = c360.clv_pass, COMBINEFUNC = c360.clv_pass_merge, FINALFUNC = c360.clv_pass_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.clv_step(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, c360.clv_search) IS
    'One pass of an iterated BG/NBD or Pareto/NBD fit: the log-likelihood sums at the search''s requested points (search constant per group)';
CREATE AGGREGATE c360.clv_step(x pg_catalog.float8, mean_value pg_catalog.float8, weight pg_catalog.float8,
                               search c360.clv_search) (
    SFUNC = c360.clv_step_add, STYPE = c360.clv_pass, COMBINEFUNC = c360.clv_pass_merge, FINALFUNC = c360.clv_pass_final,
    PARALLEL = SAFE);
COMMENT ON AGGREGATE c360.clv_step(pg_catalog.float8, pg_catalog.float8, pg_catalog.float8, c360.clv_search) IS
    'One pass of an iterated Gamma-Gamma fit: the log-likelihood sums at the search''s requested points (search constant per group)';
CREATE FUNCTION c360.clv_update(search c360.clv_search, pass c360.clv_pass) RETURNS c360.clv_search
    AS 'MODULE_PATHNAME', 'c360_clv_update' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_update(c360.clv_search, c360.clv_pass) IS
    'The search after one pass: the next request, or done (a NULL pass, from a source without rows, is an error)';
CREATE FUNCTION c360.clv_done(search c360.clv_search) RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'c360_clv_done' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_done(c360.clv_search) IS 'true once the search has its fit (read it with c360.clv_bgnbd_model & co.)';
CREATE FUNCTION c360.clv_bgnbd_model(search c360.clv_search) RETURNS c360.bgnbd_model
    AS 'MODULE_PATHNAME', 'c360_clv_bgnbd_model' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_bgnbd_model(c360.clv_search) IS 'The BG/NBD model of a done search (distinct_summaries counts the rows used)';
CREATE FUNCTION c360.clv_pareto_nbd_model(search c360.clv_search) RETURNS c360.pareto_nbd_model
    AS 'MODULE_PATHNAME', 'c360_clv_pareto_nbd_model' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_pareto_nbd_model(c360.clv_search) IS 'The Pareto/NBD model of a done search (distinct_summaries counts the rows used)';
CREATE FUNCTION c360.clv_gamma_gamma_model(search c360.clv_search) RETURNS c360.gamma_gamma_model
    AS 'MODULE_PATHNAME', 'c360_clv_gamma_gamma_model' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.clv_gamma_gamma_model(c360.clv_search) IS 'The Gamma-Gamma model of a done search (distinct_summaries counts the rows used)';

-- source and the column expressions are SQL text run as the caller, under the caller's search_path
-- (trusted input, as for c360.logit_train); the rest of the body runs under the pinned search_path.
CREATE FUNCTION c360._clv_train(model pg_catalog.text, source pg_catalog.text, columns pg_catalog.text[],
                                caller_search_path pg_catalog.text)
    RETURNS c360.clv_search
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    fn pg_catalog.text := pg_catalog.format('c360.%s_train', model);
    rel pg_catalog.text;
    query pg_catalog.text;
    search c360.clv_search;
    pass c360.clv_pass;
    passes pg_catalog.int4 := 0;
    expected pg_catalog.int4 := CASE model WHEN 'gamma_gamma' THEN 3 ELSE 4 END;
BEGIN
    IF source IS NULL OR columns IS NULL OR pg_catalog.array_position(columns, NULL) IS NOT NULL THEN
        RAISE EXCEPTION '%: arguments must not be NULL', fn USING ERRCODE = '22004';
    END IF;
    IF pg_catalog.cardinality(columns) <> expected THEN
        RAISE EXCEPTION '%: expected % column expressions', fn, expected USING ERRCODE = '22023';
    END IF;
    IF c360._sql_has_semicolon(source) OR c360._sql_has_semicolon(pg_catalog.array_to_string(columns, ' ')) THEN
        RAISE EXCEPTION '%: source and the column expressions must each be one SQL expression or query, without ";"', fn
            USING ERRCODE = '22023';
    END IF;
    -- a table or view name, or a query; the caller's names resolve as the caller sees them
    rel := c360._train_source(source, caller_search_path);
    query := pg_catalog.format('SELECT c360.clv_step(%s, $1) FROM %s AS c360_source',
        (SELECT pg_catalog.string_agg(pg_catalog.format('(%s)::pg_catalog.float8', c), ', ' ORDER BY i)
         FROM pg_catalog.unnest(columns) WITH ORDINALITY AS u(c, i)), rel);
    search := c360.clv_start(model);
    LOOP
        PERFORM pg_catalog.set_config('search_path', caller_search_path, true);
        EXECUTE query INTO pass USING search;
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
        search := c360.clv_update(search, pass);
        passes := passes + 1;
        EXIT WHEN c360.clv_done(search);
        IF passes > 5000 THEN
            RAISE EXCEPTION '%: no convergence after % passes', fn, passes USING ERRCODE = 'XX000';
        END IF;
    END LOOP;
    RETURN search;
END
$function$;
COMMENT ON FUNCTION c360._clv_train(pg_catalog.text, pg_catalog.text, pg_catalog.text[], pg_catalog.text) IS
    'Body of c360.bgnbd_train & co.: runs the caller''s source and column expressions under the caller''s search_path, the rest pinned';
CREATE FUNCTION c360.bgnbd_train(source pg_catalog.text, x pg_catalog.text DEFAULT 'x', t_x pg_catalog.text DEFAULT 't_x',
                                 "T" pg_catalog.text DEFAULT '"T"', weight pg_catalog.text DEFAULT '1')
    RETURNS c360.bgnbd_model
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN c360.clv_bgnbd_model(c360._clv_train('bgnbd', source, ARRAY[x, t_x, "T", weight],
                                                pg_catalog.current_setting('search_path')));
COMMENT ON FUNCTION c360.bgnbd_train(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'BG/NBD fit over a table, view or query of (x, t_x, T) summaries of any size: one parallel-safe, Citus-pushable aggregate pass per optimiser request';
CREATE FUNCTION c360.pareto_nbd_train(source pg_catalog.text, x pg_catalog.text DEFAULT 'x', t_x pg_catalog.text DEFAULT 't_x',
                                      "T" pg_catalog.text DEFAULT '"T"', weight pg_catalog.text DEFAULT '1')
    RETURNS c360.pareto_nbd_model
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN c360.clv_pareto_nbd_model(c360._clv_train('pareto_nbd', source, ARRAY[x, t_x, "T", weight],
                                                     pg_catalog.current_setting('search_path')));
COMMENT ON FUNCTION c360.pareto_nbd_train(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Pareto/NBD fit over a table, view or query of (x, t_x, T) summaries of any size: one parallel-safe, Citus-pushable aggregate pass per optimiser request';
CREATE FUNCTION c360.gamma_gamma_train(source pg_catalog.text, x pg_catalog.text DEFAULT 'x',
                                       mean_value pg_catalog.text DEFAULT 'mean_value', weight pg_catalog.text DEFAULT '1')
    RETURNS c360.gamma_gamma_model
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN c360.clv_gamma_gamma_model(c360._clv_train('gamma_gamma', source, ARRAY[x, mean_value, weight],
                                                      pg_catalog.current_setting('search_path')));
COMMENT ON FUNCTION c360.gamma_gamma_train(pg_catalog.text, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'Gamma-Gamma fit over a table, view or query of (x, mean_value) of any size (x = 0 rows skipped): one aggregate pass per optimiser request';
