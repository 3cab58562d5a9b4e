-- customer360 install SQL, capability 'scoring' (assembled by the Makefile; see src/sql/common.sql).

-------------------------------------------------------------------------------------------------
-- Scoring (issue 4): logistic regression (churn, appetence) and evaluation of scores.
-- Math in src/core/scoring, glue in src/pg/scoring_pg.cpp, documentation in docs/scoring.md.
-------------------------------------------------------------------------------------------------

-- Packed value types: one layout (src/core/scoring/packed.hpp), text form tag(ints;doubles) with
-- shortest round-trip doubles (exact; the Citus wire format), every input validated (22P02/22P03).
CREATE TYPE c360.logit_model;
CREATE FUNCTION c360.logit_model_in(pg_catalog.cstring) RETURNS c360.logit_model
    AS 'MODULE_PATHNAME', 'c360_logit_model_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_model_in(pg_catalog.cstring) IS 'Text input of type c360.logit_model';
CREATE FUNCTION c360.logit_model_out(c360.logit_model) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_logit_model_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_model_out(c360.logit_model) IS 'Text output of type c360.logit_model';
CREATE FUNCTION c360.logit_model_recv(pg_catalog.internal) RETURNS c360.logit_model
    AS 'MODULE_PATHNAME', 'c360_logit_model_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_model_recv(pg_catalog.internal) IS 'Binary input of type c360.logit_model (binary COPY, binary protocol)';
CREATE FUNCTION c360.logit_model_send(c360.logit_model) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_logit_model_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_model_send(c360.logit_model) IS 'Binary output of type c360.logit_model (binary COPY, binary protocol)';
CREATE TYPE c360.logit_model (
    INTERNALLENGTH = VARIABLE, INPUT = c360.logit_model_in, OUTPUT = c360.logit_model_out,
    RECEIVE = c360.logit_model_recv, SEND = c360.logit_model_send, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE c360.logit_model IS
    'A logistic regression model (coefficients, standard errors, fit statistics, feature centring/scaling); storable in tables';

CREATE TYPE c360.logit_rows;
CREATE FUNCTION c360.logit_rows_in(pg_catalog.cstring) RETURNS c360.logit_rows
    AS 'MODULE_PATHNAME', 'c360_logit_rows_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_rows_in(pg_catalog.cstring) IS 'Text input of type c360.logit_rows';
CREATE FUNCTION c360.logit_rows_out(c360.logit_rows) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_logit_rows_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_rows_out(c360.logit_rows) IS 'Text output of type c360.logit_rows';
CREATE FUNCTION c360.logit_rows_recv(pg_catalog.internal) RETURNS c360.logit_rows
    AS 'MODULE_PATHNAME', 'c360_logit_rows_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_rows_recv(pg_catalog.internal) IS 'Binary input of type c360.logit_rows (binary COPY, binary protocol)';
CREATE FUNCTION c360.logit_rows_send(c360.logit_rows) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_logit_rows_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_rows_send(c360.logit_rows) IS 'Binary output of type c360.logit_rows (binary COPY, binary protocol)';
CREATE TYPE c360.logit_rows (
    INTERNALLENGTH = VARIABLE, INPUT = c360.logit_rows_in, OUTPUT = c360.logit_rows_out,
    RECEIVE = c360.logit_rows_recv, SEND = c360.logit_rows_send, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE c360.logit_rows IS 'State of c360.logit_fit: the training rows of a group (label, features)';

CREATE TYPE c360.logit_stats;
CREATE FUNCTION c360.logit_stats_in(pg_catalog.cstring) RETURNS c360.logit_stats
    AS 'MODULE_PATHNAME', 'c360_logit_stats_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_stats_in(pg_catalog.cstring) IS 'Text input of type c360.logit_stats';
CREATE FUNCTION c360.logit_stats_out(c360.logit_stats) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_logit_stats_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_stats_out(c360.logit_stats) IS 'Text output of type c360.logit_stats';
CREATE FUNCTION c360.logit_stats_recv(pg_catalog.internal) RETURNS c360.logit_stats
    AS 'MODULE_PATHNAME', 'c360_logit_stats_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_stats_recv(pg_catalog.internal) IS 'Binary input of type c360.logit_stats (binary COPY, binary protocol)';
CREATE FUNCTION c360.logit_stats_send(c360.logit_stats) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_logit_stats_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_stats_send(c360.logit_stats) IS 'Binary output of type c360.logit_stats (binary COPY, binary protocol)';
CREATE TYPE c360.logit_stats (
    INTERNALLENGTH = VARIABLE, INPUT = c360.logit_stats_in, OUTPUT = c360.logit_stats_out,
    RECEIVE = c360.logit_stats_recv, SEND = c360.logit_stats_send, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE c360.logit_stats IS
    'State of c360.logit_step: fixed-size sufficient statistics of one Newton pass (X''WX, gradient, log-likelihood)';

CREATE TYPE c360.score_sample;
CREATE FUNCTION c360.score_sample_in(pg_catalog.cstring) RETURNS c360.score_sample
    AS 'MODULE_PATHNAME', 'c360_score_sample_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.score_sample_in(pg_catalog.cstring) IS 'Text input of type c360.score_sample';
CREATE FUNCTION c360.score_sample_out(c360.score_sample) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_score_sample_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.score_sample_out(c360.score_sample) IS 'Text output of type c360.score_sample';
CREATE FUNCTION c360.score_sample_recv(pg_catalog.internal) RETURNS c360.score_sample
    AS 'MODULE_PATHNAME', 'c360_score_sample_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.score_sample_recv(pg_catalog.internal) IS 'Binary input of type c360.score_sample (binary COPY, binary protocol)';
CREATE FUNCTION c360.score_sample_send(c360.score_sample) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_score_sample_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.score_sample_send(c360.score_sample) IS 'Binary output of type c360.score_sample (binary COPY, binary protocol)';
CREATE TYPE c360.score_sample (
    INTERNALLENGTH = VARIABLE, INPUT = c360.score_sample_in, OUTPUT = c360.score_sample_out,
    RECEIVE = c360.score_sample_recv, SEND = c360.score_sample_send, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE c360.score_sample IS 'State of c360.auc and c360.gains: every (score, label) pair';

CREATE TYPE c360.score_bins;
CREATE FUNCTION c360.score_bins_in(pg_catalog.cstring) RETURNS c360.score_bins
    AS 'MODULE_PATHNAME', 'c360_score_bins_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.score_bins_in(pg_catalog.cstring) IS 'Text input of type c360.score_bins';
CREATE FUNCTION c360.score_bins_out(c360.score_bins) RETURNS pg_catalog.cstring
    AS 'MODULE_PATHNAME', 'c360_score_bins_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.score_bins_out(c360.score_bins) IS 'Text output of type c360.score_bins';
CREATE FUNCTION c360.score_bins_recv(pg_catalog.internal) RETURNS c360.score_bins
    AS 'MODULE_PATHNAME', 'c360_score_bins_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.score_bins_recv(pg_catalog.internal) IS 'Binary input of type c360.score_bins (binary COPY, binary protocol)';
CREATE FUNCTION c360.score_bins_send(c360.score_bins) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_score_bins_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.score_bins_send(c360.score_bins) IS 'Binary output of type c360.score_bins (binary COPY, binary protocol)';
CREATE TYPE c360.score_bins (
    INTERNALLENGTH = VARIABLE, INPUT = c360.score_bins_in, OUTPUT = c360.score_bins_out,
    RECEIVE = c360.score_bins_recv, SEND = c360.score_bins_send, ALIGNMENT = double, STORAGE = extended
);
COMMENT ON TYPE c360.score_bins IS 'State of c360.log_loss, c360.brier and c360.calibration (fixed size)';

-- Training options ------------------------------------------------------------------------------
CREATE TYPE c360.logit_options AS (
    intercept      pg_catalog.bool,   -- add an intercept term (default true)
    l2             pg_catalog.float8, -- ridge penalty l2/2 * sum(beta_j^2), intercept not penalised (default 0)
    max_iterations pg_catalog.int4,   -- Newton iterations at most (default 100)
    tolerance      pg_catalog.float8, -- stop when the Newton decrement / (|objective| + 0.1) <= tolerance (1e-18)
    standardize    pg_catalog.bool    -- centre and scale the features, kept in the model (default false)
);
COMMENT ON TYPE c360.logit_options IS 'Training options of c360.logit_fit and c360.logit_train (build them with c360.logit_options())';
COMMENT ON COLUMN c360.logit_options.intercept IS 'Add an intercept term (default true)';
COMMENT ON COLUMN c360.logit_options.l2 IS 'Ridge penalty l2/2 x sum of squared coefficients, intercept not penalised (default 0)';
COMMENT ON COLUMN c360.logit_options.max_iterations IS 'Newton iterations at most (default 100)';
COMMENT ON COLUMN c360.logit_options.tolerance IS 'Stop when the Newton decrement / (|objective| + 0.1) <= tolerance (default 1e-18)';
COMMENT ON COLUMN c360.logit_options.standardize IS 'Centre and scale the features, the scaling kept in the model (default false)';
CREATE FUNCTION c360.logit_options(intercept pg_catalog.bool DEFAULT true, l2 pg_catalog.float8 DEFAULT 0,
                                   max_iterations pg_catalog.int4 DEFAULT 100,
                                   tolerance pg_catalog.float8 DEFAULT 1e-18,
                                   standardize pg_catalog.bool DEFAULT false)
    RETURNS c360.logit_options
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN ROW(intercept, l2, max_iterations, tolerance, standardize)::c360.logit_options;
COMMENT ON FUNCTION c360.logit_options(pg_catalog.bool, pg_catalog.float8, pg_catalog.int4, pg_catalog.float8,
                                       pg_catalog.bool) IS 'Training options of c360.logit_fit / c360.logit_train';

-- c360.logit_fit: the aggregate (rows of a group kept in memory, Newton in the final function) ---
CREATE FUNCTION c360.logit_fit_add(state c360.logit_rows, y pg_catalog.bool, x pg_catalog.float8[])
    RETURNS c360.logit_rows AS 'MODULE_PATHNAME', 'c360_logit_fit_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_fit_add(c360.logit_rows, pg_catalog.bool, pg_catalog.float8[]) IS
    'Transition function of aggregate c360.logit_fit: keeps one row; a NULL label, NULL array or NULL/NaN element counts it as skipped';
CREATE FUNCTION c360.logit_fit_add(state c360.logit_rows, y pg_catalog.bool, x pg_catalog.float8[],
                                   options c360.logit_options)
    RETURNS c360.logit_rows AS 'MODULE_PATHNAME', 'c360_logit_fit_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_fit_add(c360.logit_rows, pg_catalog.bool, pg_catalog.float8[], c360.logit_options) IS
    'Transition function of aggregate c360.logit_fit with options: keeps one row; a NULL label, NULL array or NULL/NaN element counts it as skipped';
CREATE FUNCTION c360.logit_rows_merge(a c360.logit_rows, b c360.logit_rows) RETURNS c360.logit_rows
    AS 'MODULE_PATHNAME', 'c360_logit_rows_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_rows_merge(c360.logit_rows, c360.logit_rows) IS
    'Combine function of aggregate c360.logit_fit: the rows of both states';
CREATE FUNCTION c360.logit_fit_final(state c360.logit_rows) RETURNS c360.logit_model
    AS 'MODULE_PATHNAME', 'c360_logit_fit_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_fit_final(c360.logit_rows) IS
    'Final function of aggregate c360.logit_fit: Newton/IRLS fit of the kept rows (a WARNING for separation, aliasing or no convergence)';

CREATE AGGREGATE c360.logit_fit(y pg_catalog.bool, x pg_catalog.float8[]) (
    SFUNC = c360.logit_fit_add, STYPE = c360.logit_rows, FINALFUNC = c360.logit_fit_final,
    COMBINEFUNC = c360.logit_rows_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.logit_fit(pg_catalog.bool, pg_catalog.float8[]) IS
    'Logistic regression of y on x (intercept added): Newton/IRLS, rows with a NULL label or NULL/NaN feature skipped';
CREATE AGGREGATE c360.logit_fit(y pg_catalog.bool, x pg_catalog.float8[], options c360.logit_options) (
    SFUNC = c360.logit_fit_add, STYPE = c360.logit_rows, FINALFUNC = c360.logit_fit_final,
    COMBINEFUNC = c360.logit_rows_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.logit_fit(pg_catalog.bool, pg_catalog.float8[], c360.logit_options) IS
    'Logistic regression of y on x with options (intercept, L2 penalty, iterations, tolerance, standardisation)';

-- The iterated path: fixed-size statistics per pass, driven to convergence by c360.logit_train --
CREATE FUNCTION c360.logit_start(options c360.logit_options DEFAULT c360.logit_options())
    RETURNS c360.logit_model AS 'MODULE_PATHNAME', 'c360_logit_start'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_start(c360.logit_options) IS 'An untrained model: the first iterate of c360.logit_train';

CREATE FUNCTION c360.logit_step_add(state c360.logit_stats, y pg_catalog.bool, x pg_catalog.float8[],
                                    model c360.logit_model)
    RETURNS c360.logit_stats AS 'MODULE_PATHNAME', 'c360_logit_step_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_step_add(c360.logit_stats, pg_catalog.bool, pg_catalog.float8[], c360.logit_model) IS
    'Transition function of aggregate c360.logit_step: adds one row to X''WX, gradient and log-likelihood at the model''s coefficients (unusable rows counted as skipped)';
CREATE FUNCTION c360.logit_stats_merge(a c360.logit_stats, b c360.logit_stats) RETURNS c360.logit_stats
    AS 'MODULE_PATHNAME', 'c360_logit_stats_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_stats_merge(c360.logit_stats, c360.logit_stats) IS
    'Combine function of aggregates c360.logit_step and c360.logit_stats_rollup: adds two pass statistics';
CREATE AGGREGATE c360.logit_step(y pg_catalog.bool, x pg_catalog.float8[], model c360.logit_model) (
    SFUNC = c360.logit_step_add, STYPE = c360.logit_stats, COMBINEFUNC = c360.logit_stats_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.logit_step(pg_catalog.bool, pg_catalog.float8[], c360.logit_model) IS
    'One Newton pass at the model''s current coefficients: X''WX, gradient and log-likelihood (model constant per group)';
CREATE AGGREGATE c360.logit_stats_rollup(c360.logit_stats) (
    SFUNC = c360.logit_stats_merge, STYPE = c360.logit_stats, COMBINEFUNC = c360.logit_stats_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.logit_stats_rollup(c360.logit_stats) IS 'Merges c360.logit_stats of one pass (per shard, per partition)';

CREATE FUNCTION c360.logit_update(model c360.logit_model, stats c360.logit_stats) RETURNS c360.logit_model
    AS 'MODULE_PATHNAME', 'c360_logit_update' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_update(c360.logit_model, c360.logit_stats) IS
    'The model after one pass: a Newton step, or the final model with standard errors when converged';
CREATE FUNCTION c360.logit_done(model c360.logit_model) RETURNS pg_catalog.bool
    AS 'MODULE_PATHNAME', 'c360_logit_done' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_done(c360.logit_model) IS 'true once the model is trained (converged or out of iterations)';

-- true when SQL text holds a ";" outside string literals, quoted identifiers, dollar quotes and comments
-- (an E'' string's backslash escapes are not followed: a "\'" there may make a ";" look quoted, and then
-- EXECUTE itself refuses the second statement with 42601).
CREATE FUNCTION c360._sql_has_semicolon(sql pg_catalog.text) RETURNS pg_catalog.bool
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    i pg_catalog.int4 := 1;
    n pg_catalog.int4 := pg_catalog.length(sql);
    c pg_catalog.text;
    tag pg_catalog.text;
    j pg_catalog.int4;
BEGIN
    -- no ";" at all: false in O(n) (the scan below reads characters by position, quadratic in a long text)
    IF pg_catalog.strpos(sql, ';') = 0 THEN
        RETURN false;
    END IF;
    WHILE i <= n LOOP
        c := pg_catalog.substr(sql, i, 1);
        IF c = ';' THEN
            RETURN true;
        ELSIF c = '''' OR c = '"' THEN
            -- up to the closing quote; a doubled quote is part of the text
            j := i + 1;
            LOOP
                EXIT WHEN j > n;
                IF pg_catalog.substr(sql, j, 1) = c THEN
                    EXIT WHEN pg_catalog.substr(sql, j + 1, 1) <> c;
                    j := j + 1;
                END IF;
                j := j + 1;
            END LOOP;
            i := j + 1;
        ELSIF c = '-' AND pg_catalog.substr(sql, i + 1, 1) = '-' THEN
            j := pg_catalog.strpos(pg_catalog.substr(sql, i), E'\n');
            IF j = 0 THEN RETURN false; END IF;
            i := i + j;
        ELSIF c = '/' AND pg_catalog.substr(sql, i + 1, 1) = '*' THEN
            j := pg_catalog.strpos(pg_catalog.substr(sql, i + 2), '*/');
            IF j = 0 THEN RETURN false; END IF;
            i := i + j + 3;
        ELSIF c = '$' AND pg_catalog.substring(pg_catalog.substr(sql, i), '^\$[A-Za-z_]?[A-Za-z_0-9]*\$') IS NOT NULL THEN
            tag := pg_catalog.substring(pg_catalog.substr(sql, i), '^\$[A-Za-z_]?[A-Za-z_0-9]*\$');
            j := pg_catalog.strpos(pg_catalog.substr(sql, i + pg_catalog.length(tag)), tag);
            IF j = 0 THEN RETURN false; END IF;
            i := i + pg_catalog.length(tag) + j - 1 + pg_catalog.length(tag);
        ELSE
            i := i + 1;
        END IF;
    END LOOP;
    RETURN false;
END
$function$;
COMMENT ON FUNCTION c360._sql_has_semicolon(pg_catalog.text) IS
    'true when SQL text holds a ";" outside literals, quoted identifiers and comments (used by c360.logit_train)';

-- The FROM item of a training source: a query in parentheses, or a table or view name resolved as the
-- caller sees it (under the caller's search_path; the regclass text is schema-qualified when needed).
-- VOLATILE PARALLEL UNSAFE: it sets search_path (set_config), which a parallel worker may not do.
-- A NULL source gives NULL (the train functions refuse NULL arguments before calling it).
CREATE FUNCTION c360._train_source(source pg_catalog.text, caller_search_path pg_catalog.text) RETURNS pg_catalog.text
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF source ~* '^\s*(select|with|values|table)\M' OR source ~ '^\s*\(' THEN
        RETURN '(' || source || ')';
    END IF;
    PERFORM pg_catalog.set_config('search_path', caller_search_path, true);
    RETURN source::pg_catalog.regclass::pg_catalog.text;
END
$function$;
COMMENT ON FUNCTION c360._train_source(pg_catalog.text, pg_catalog.text) IS
    'FROM item of the source of c360.logit_train and c360.bgnbd_train & co.: a query in parentheses, or the table or view the caller names';

-- source, label and features are SQL text run as the caller, under the caller's search_path (trusted input:
-- they name the caller's tables and functions); the rest of the body runs under the pinned search_path.
-- c360.logit_train is the one SQL function without a pinned search_path: it only captures the caller's
-- search_path, and its body has no operator and only schema-qualified names.
CREATE FUNCTION c360._logit_train(source pg_catalog.text, label pg_catalog.text, features pg_catalog.text,
                                  options c360.logit_options, caller_search_path pg_catalog.text)
    RETURNS c360.logit_model
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    rel pg_catalog.text;
    query pg_catalog.text;
    model c360.logit_model;
    stats c360.logit_stats;
    passes pg_catalog.int4 := 0;
BEGIN
    IF source IS NULL OR label IS NULL OR features IS NULL OR options IS NULL THEN
        RAISE EXCEPTION 'c360.logit_train: arguments must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF c360._sql_has_semicolon(source) OR c360._sql_has_semicolon(label) OR c360._sql_has_semicolon(features) THEN
        RAISE EXCEPTION 'c360.logit_train: source, label and features must each be one SQL expression or query, without ";"'
            USING ERRCODE = '22023';
    END IF;
    -- a table or view name, or a query; the caller's names resolve as the caller sees them
    rel := c360._train_source(source, caller_search_path);
    query := pg_catalog.format('SELECT c360.logit_step((%s)::pg_catalog.bool, (%s)::pg_catalog.float8[], $1) FROM %s AS c360_source',
                               label, features, rel);
    model := c360.logit_start(options);
    LOOP
        PERFORM pg_catalog.set_config('search_path', caller_search_path, true);
        EXECUTE query INTO stats USING model;
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
        model := c360.logit_update(model, stats);
        passes := passes + 1;
        EXIT WHEN c360.logit_done(model);
        IF passes > (options).max_iterations + 2 THEN
            RAISE EXCEPTION 'c360.logit_train: no convergence after % passes', passes USING ERRCODE = 'XX000';
        END IF;
    END LOOP;
    RETURN model;
END
$function$;
COMMENT ON FUNCTION c360._logit_train(pg_catalog.text, pg_catalog.text, pg_catalog.text, c360.logit_options, pg_catalog.text) IS
    'Body of c360.logit_train: runs the caller''s source, label and features under the caller''s search_path, the rest pinned';
CREATE FUNCTION c360.logit_train(source pg_catalog.text, label pg_catalog.text, features pg_catalog.text,
                                 options c360.logit_options DEFAULT c360.logit_options())
    RETURNS c360.logit_model
    LANGUAGE sql VOLATILE PARALLEL UNSAFE
    RETURN c360._logit_train(source, label, features, options, pg_catalog.current_setting('search_path'));
COMMENT ON FUNCTION c360.logit_train(pg_catalog.text, pg_catalog.text, pg_catalog.text, c360.logit_options) IS
    'Logistic regression over a table, view or query of any size: one parallel-safe aggregate pass per Newton step';

-- Scoring and reporting ---------------------------------------------------------------------------
CREATE FUNCTION c360.logit_predict(model c360.logit_model, x pg_catalog.float8[]) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_logit_predict' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_predict(c360.logit_model, pg_catalog.float8[]) IS
    'Probability that y is true for features x (NULL if x has a NULL or NaN); x must have the model''s length';
CREATE FUNCTION c360.logit_coef(model c360.logit_model) RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360_logit_coef' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_coef(c360.logit_model) IS 'Coefficients, intercept first (scaled features when standardised)';

CREATE TYPE c360.logit_info AS (
    features pg_catalog.int4, intercept pg_catalog.bool, standardized pg_catalog.bool, l2 pg_catalog.float8,
    status pg_catalog.text, converged pg_catalog.bool, iterations pg_catalog.int4,
    n_used pg_catalog.int8, n_skipped pg_catalog.int8, n_positive pg_catalog.int8,
    log_likelihood pg_catalog.float8, null_deviance pg_catalog.float8, deviance pg_catalog.float8,
    aic pg_catalog.float8, condition_number pg_catalog.float8, n_aliased pg_catalog.int4, warnings pg_catalog.text
);
COMMENT ON TYPE c360.logit_info IS 'Model-level statistics of a trained c360.logit_model (result of c360.logit_info)';
COMMENT ON COLUMN c360.logit_info.features IS 'Number of features (length of x)';
COMMENT ON COLUMN c360.logit_info.intercept IS 'true when the model has an intercept';
COMMENT ON COLUMN c360.logit_info.standardized IS 'true when the features were centred and scaled (coefficients per standard deviation)';
COMMENT ON COLUMN c360.logit_info.l2 IS 'Ridge penalty the model was trained with';
COMMENT ON COLUMN c360.logit_info.status IS '''converged'' or ''max_iterations''';
COMMENT ON COLUMN c360.logit_info.converged IS 'true when Newton converged before max_iterations';
COMMENT ON COLUMN c360.logit_info.iterations IS 'Newton iterations taken';
COMMENT ON COLUMN c360.logit_info.n_used IS 'Rows used in the fit';
COMMENT ON COLUMN c360.logit_info.n_skipped IS 'Rows skipped: NULL label, NULL feature array, or a NULL or NaN feature';
COMMENT ON COLUMN c360.logit_info.n_positive IS 'Rows used with y true';
COMMENT ON COLUMN c360.logit_info.log_likelihood IS 'Log-likelihood at the last pass';
COMMENT ON COLUMN c360.logit_info.null_deviance IS 'Deviance of the intercept-only model (2 n ln 2 without an intercept)';
COMMENT ON COLUMN c360.logit_info.deviance IS '-2 x log_likelihood';
COMMENT ON COLUMN c360.logit_info.aic IS 'deviance + 2 x number of non-aliased coefficients (not adjusted for an L2 penalty)';
COMMENT ON COLUMN c360.logit_info.condition_number IS 'sqrt(largest / smallest eigenvalue) of X''WX at the last pass';
COMMENT ON COLUMN c360.logit_info.n_aliased IS 'Coefficients fixed at 0 because their column is a linear combination of earlier ones';
COMMENT ON COLUMN c360.logit_info.warnings IS 'Warnings of the fit (separation, aliasing, no convergence) separated by ''; '' (NULL when none)';
CREATE FUNCTION c360.logit_info(model c360.logit_model) RETURNS c360.logit_info
    AS 'MODULE_PATHNAME', 'c360_logit_info' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.logit_info(c360.logit_model) IS
    'Model-level statistics: log-likelihood, deviances, AIC, iterations, rows used/skipped, condition number, warnings';

CREATE FUNCTION c360.logit_terms(model c360.logit_model, names pg_catalog.text[] DEFAULT NULL)
    RETURNS TABLE (term_no pg_catalog.int4, term pg_catalog.text, coef pg_catalog.float8, std_err pg_catalog.float8,
                   z pg_catalog.float8, p_value pg_catalog.float8, odds_ratio pg_catalog.float8,
                   odds_ratio_lower pg_catalog.float8, odds_ratio_upper pg_catalog.float8, aliased pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'c360_logit_terms' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION c360.logit_terms(c360.logit_model, pg_catalog.text[]) IS
    'One row per coefficient: estimate, standard error, Wald z and p-value, odds ratio and its 95% CI';

CREATE FUNCTION c360.logit_summary(model c360.logit_model, names pg_catalog.text[] DEFAULT NULL)
    RETURNS TABLE (term_no pg_catalog.int4, term pg_catalog.text, coef pg_catalog.float8, std_err pg_catalog.float8,
                   z pg_catalog.float8, p_value pg_catalog.float8, odds_ratio pg_catalog.float8,
                   odds_ratio_lower pg_catalog.float8, odds_ratio_upper pg_catalog.float8, aliased pg_catalog.bool,
                   log_likelihood pg_catalog.float8, null_deviance pg_catalog.float8, deviance pg_catalog.float8,
                   aic pg_catalog.float8, iterations pg_catalog.int4, converged pg_catalog.bool,
                   n_used pg_catalog.int8, n_skipped pg_catalog.int8, condition_number pg_catalog.float8)
    LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 20 SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT t.term_no, t.term, t.coef, t.std_err, t.z, t.p_value, t.odds_ratio, t.odds_ratio_lower,
           t.odds_ratio_upper, t.aliased, (i).log_likelihood, (i).null_deviance, (i).deviance, (i).aic,
           (i).iterations, (i).converged, (i).n_used, (i).n_skipped, (i).condition_number
    FROM c360.logit_terms(model, names) AS t, c360.logit_info(model) AS i
    ORDER BY t.term_no;
END;
COMMENT ON FUNCTION c360.logit_summary(c360.logit_model, pg_catalog.text[]) IS
    'R-style summary: one row per term (coefficient, SE, z, p, odds ratio and 95% CI) with the model-level statistics';

-- Feature helpers ---------------------------------------------------------------------------------
CREATE FUNCTION c360.one_hot(value pg_catalog.text, vocabulary pg_catalog.text[], drop_first pg_catalog.bool DEFAULT true)
    RETURNS pg_catalog.float8[] AS 'MODULE_PATHNAME', 'c360_one_hot'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.one_hot(pg_catalog.text, pg_catalog.text[], pg_catalog.bool) IS
    'Indicator encoding of a categorical value against a stored vocabulary (first entry = reference level when drop_first)';
CREATE FUNCTION c360.one_hot_names(prefix pg_catalog.text, vocabulary pg_catalog.text[],
                                   drop_first pg_catalog.bool DEFAULT true)
    RETURNS pg_catalog.text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
    RETURN ARRAY(SELECT prefix || '=' || v FROM pg_catalog.unnest(vocabulary) WITH ORDINALITY AS u(v, i)
                 WHERE NOT drop_first OR i > 1 ORDER BY i);
COMMENT ON FUNCTION c360.one_hot_names(pg_catalog.text, pg_catalog.text[], pg_catalog.bool) IS
    'Term names matching c360.one_hot (for c360.logit_summary)';

-- Evaluation aggregates ---------------------------------------------------------------------------
CREATE FUNCTION c360.score_sample_add(state c360.score_sample, score pg_catalog.float8, label pg_catalog.bool)
    RETURNS c360.score_sample AS 'MODULE_PATHNAME', 'c360_score_sample_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.score_sample_add(c360.score_sample, pg_catalog.float8, pg_catalog.bool) IS
    'Transition function of aggregate c360.auc: keeps one (score, label) pair; a NULL score or label counts the row as skipped';
CREATE FUNCTION c360.score_sample_add(state c360.score_sample, score pg_catalog.float8, label pg_catalog.bool,
                                      bins pg_catalog.int4)
    RETURNS c360.score_sample AS 'MODULE_PATHNAME', 'c360_score_sample_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.score_sample_add(c360.score_sample, pg_catalog.float8, pg_catalog.bool, pg_catalog.int4) IS
    'Transition function of aggregate c360.gains: keeps one (score, label) pair; a NULL score or label counts the row as skipped';
CREATE FUNCTION c360.score_sample_merge(a c360.score_sample, b c360.score_sample) RETURNS c360.score_sample
    AS 'MODULE_PATHNAME', 'c360_score_sample_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.score_sample_merge(c360.score_sample, c360.score_sample) IS
    'Combine function of aggregates c360.auc and c360.gains: the pairs of both states (same kind and bins)';
CREATE FUNCTION c360.auc_final(state c360.score_sample) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_auc_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.auc_final(c360.score_sample) IS
    'Final function of aggregate c360.auc: the exact ROC AUC (NULL without both a positive and a negative label)';
CREATE AGGREGATE c360.auc(score pg_catalog.float8, label pg_catalog.bool) (
    SFUNC = c360.score_sample_add, STYPE = c360.score_sample, FINALFUNC = c360.auc_final,
    COMBINEFUNC = c360.score_sample_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.auc(pg_catalog.float8, pg_catalog.bool) IS
    'Exact ROC AUC: P(score of a positive > score of a negative), ties count 1/2 (Mann-Whitney U / n1 n0)';

CREATE TYPE c360.gain_row AS (
    bin pg_catalog.int4, customers pg_catalog.int8, responders pg_catalog.int8, response_rate pg_catalog.float8,
    lift pg_catalog.float8, cumulative_customers pg_catalog.int8, cumulative_responders pg_catalog.int8,
    cumulative_response_rate pg_catalog.float8, cumulative_lift pg_catalog.float8, cumulative_gain pg_catalog.float8,
    min_score pg_catalog.float8, max_score pg_catalog.float8
);
COMMENT ON TYPE c360.gain_row IS 'One bin of the gains / lift table of aggregate c360.gains';
COMMENT ON COLUMN c360.gain_row.bin IS 'Bin number: 1 = highest scores';
COMMENT ON COLUMN c360.gain_row.customers IS 'Rows in the bin';
COMMENT ON COLUMN c360.gain_row.responders IS 'Rows of the bin with label true';
COMMENT ON COLUMN c360.gain_row.response_rate IS 'responders / customers (NULL when the bin is empty)';
COMMENT ON COLUMN c360.gain_row.lift IS 'response_rate / overall response rate (NULL without responders or when the bin is empty)';
COMMENT ON COLUMN c360.gain_row.cumulative_customers IS 'Rows in bins 1 to bin';
COMMENT ON COLUMN c360.gain_row.cumulative_responders IS 'Responders in bins 1 to bin';
COMMENT ON COLUMN c360.gain_row.cumulative_response_rate IS 'cumulative_responders / cumulative_customers';
COMMENT ON COLUMN c360.gain_row.cumulative_lift IS 'cumulative_response_rate / overall response rate (NULL without responders)';
COMMENT ON COLUMN c360.gain_row.cumulative_gain IS 'Share of all responders in bins 1 to bin (NULL without responders)';
COMMENT ON COLUMN c360.gain_row.min_score IS 'Lowest score in the bin (NULL when the bin is empty)';
COMMENT ON COLUMN c360.gain_row.max_score IS 'Highest score in the bin (NULL when the bin is empty)';
CREATE FUNCTION c360.gains_final(state c360.score_sample) RETURNS c360.gain_row[]
    AS 'MODULE_PATHNAME', 'c360_gains_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.gains_final(c360.score_sample) IS
    'Final function of aggregate c360.gains: the rows sorted by descending score (ties: non-responders first) cut like ntile(bins)';
CREATE AGGREGATE c360.gains(score pg_catalog.float8, label pg_catalog.bool, bins pg_catalog.int4) (
    SFUNC = c360.score_sample_add, STYPE = c360.score_sample, FINALFUNC = c360.gains_final,
    COMBINEFUNC = c360.score_sample_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.gains(pg_catalog.float8, pg_catalog.bool, pg_catalog.int4) IS
    'Gains / lift table: customers sorted by score (descending) cut like ntile(bins); unnest() the result';

CREATE FUNCTION c360.log_loss_add(state c360.score_bins, score pg_catalog.float8, label pg_catalog.bool)
    RETURNS c360.score_bins AS 'MODULE_PATHNAME', 'c360_log_loss_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.log_loss_add(c360.score_bins, pg_catalog.float8, pg_catalog.bool) IS
    'Transition function of aggregate c360.log_loss: adds one row''s loss (score clipped to [1e-15, 1 - 1e-15]); a NULL score or label is skipped, a score outside [0, 1] is an error';
CREATE FUNCTION c360.brier_add(state c360.score_bins, score pg_catalog.float8, label pg_catalog.bool)
    RETURNS c360.score_bins AS 'MODULE_PATHNAME', 'c360_brier_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.brier_add(c360.score_bins, pg_catalog.float8, pg_catalog.bool) IS
    'Transition function of aggregate c360.brier: adds one row''s squared error; a NULL score or label is skipped, a score outside [0, 1] is an error';
CREATE FUNCTION c360.calibration_add(state c360.score_bins, score pg_catalog.float8, label pg_catalog.bool,
                                     bins pg_catalog.int4)
    RETURNS c360.score_bins AS 'MODULE_PATHNAME', 'c360_calibration_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360.calibration_add(c360.score_bins, pg_catalog.float8, pg_catalog.bool, pg_catalog.int4) IS
    'Transition function of aggregate c360.calibration: counts one row in its probability bin; a NULL score or label is skipped, a score outside [0, 1] is an error';
CREATE FUNCTION c360.score_bins_merge(a c360.score_bins, b c360.score_bins) RETURNS c360.score_bins
    AS 'MODULE_PATHNAME', 'c360_score_bins_merge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.score_bins_merge(c360.score_bins, c360.score_bins) IS
    'Combine function of aggregates c360.log_loss, c360.brier and c360.calibration (same kind and bins)';
CREATE FUNCTION c360.score_bins_mean(state c360.score_bins) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_score_bins_mean' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.score_bins_mean(c360.score_bins) IS
    'Final function of aggregates c360.log_loss and c360.brier: the mean loss of the rows (NULL when no row counted)';

CREATE AGGREGATE c360.log_loss(score pg_catalog.float8, label pg_catalog.bool) (
    SFUNC = c360.log_loss_add, STYPE = c360.score_bins, FINALFUNC = c360.score_bins_mean,
    COMBINEFUNC = c360.score_bins_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.log_loss(pg_catalog.float8, pg_catalog.bool) IS
    'Mean negative log-likelihood of probabilities (clipped to [1e-15, 1 - 1e-15])';
CREATE AGGREGATE c360.brier(score pg_catalog.float8, label pg_catalog.bool) (
    SFUNC = c360.brier_add, STYPE = c360.score_bins, FINALFUNC = c360.score_bins_mean,
    COMBINEFUNC = c360.score_bins_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.brier(pg_catalog.float8, pg_catalog.bool) IS 'Brier score: mean of (probability - label)^2';

CREATE TYPE c360.calibration_row AS (
    bin pg_catalog.int4, lower_bound pg_catalog.float8, upper_bound pg_catalog.float8, customers pg_catalog.int8,
    responders pg_catalog.int8, mean_score pg_catalog.float8, observed_rate pg_catalog.float8
);
COMMENT ON TYPE c360.calibration_row IS 'One probability bin of the calibration table of aggregate c360.calibration';
COMMENT ON COLUMN c360.calibration_row.bin IS 'Bin number, 1 = lowest probabilities';
COMMENT ON COLUMN c360.calibration_row.lower_bound IS 'Lower bound of the bin, (bin - 1) / bins (included)';
COMMENT ON COLUMN c360.calibration_row.upper_bound IS 'Upper bound of the bin, bin / bins (excluded, except for the last bin)';
COMMENT ON COLUMN c360.calibration_row.customers IS 'Rows whose score falls in the bin';
COMMENT ON COLUMN c360.calibration_row.responders IS 'Rows of the bin with label true';
COMMENT ON COLUMN c360.calibration_row.mean_score IS 'Mean predicted probability in the bin (NULL when the bin is empty)';
COMMENT ON COLUMN c360.calibration_row.observed_rate IS 'responders / customers (NULL when the bin is empty)';
CREATE FUNCTION c360.calibration_final(state c360.score_bins) RETURNS c360.calibration_row[]
    AS 'MODULE_PATHNAME', 'c360_calibration_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.calibration_final(c360.score_bins) IS
    'Final function of aggregate c360.calibration: one c360.calibration_row per equal-width probability bin';
CREATE AGGREGATE c360.calibration(score pg_catalog.float8, label pg_catalog.bool, bins pg_catalog.int4) (
    SFUNC = c360.calibration_add, STYPE = c360.score_bins, FINALFUNC = c360.calibration_final,
    COMBINEFUNC = c360.score_bins_merge, PARALLEL = SAFE
);
COMMENT ON AGGREGATE c360.calibration(pg_catalog.float8, pg_catalog.bool, pg_catalog.int4) IS
    'Calibration table: equal-width probability bins with mean predicted score and observed rate; unnest() the result';
