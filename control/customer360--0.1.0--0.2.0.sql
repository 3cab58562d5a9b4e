-- customer360 upgrade 0.1.0 -> 0.2.0 (ALTER EXTENSION customer360 UPDATE TO '0.2.0').
-- Hand-written: every object 0.2.0 adds or changes against 0.1.0, so that the upgraded catalog
-- equals a fresh 0.2.0 install (checked by sql/upgrade.sql). Schema-qualified throughout.

\echo Use "ALTER EXTENSION customer360 UPDATE TO '0.2.0'" to load this file. \quit

-- ---- house-glue (issue 14, items 3-4): C symbol = c360_ + SQL name (src/pg/compat_0_1.cpp keeps the
-- 0.1.0 symbols resolvable); the functions whose symbol changed point at the new one.
CREATE OR REPLACE FUNCTION c360.rfm_breaks_add(state c360.rfm_sample, recency_days pg_catalog.float8,
                                    frequency pg_catalog.float8, monetary pg_catalog.float8)
    RETURNS c360.rfm_sample
    AS 'MODULE_PATHNAME', 'c360_rfm_breaks_add'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.cluster_pairs_query(query pg_catalog.text)
    RETURNS TABLE (record_id pg_catalog.int8, cluster_id pg_catalog.int8)
    AS 'MODULE_PATHNAME', 'c360_cluster_pairs_query'
    LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
CREATE OR REPLACE FUNCTION c360.pareto_nbd_add(state c360.clv_sample, x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8)
    RETURNS c360.clv_sample AS 'MODULE_PATHNAME', 'c360_pareto_nbd_add' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.gamma_gamma_add(state c360.clv_sample, x pg_catalog.float8, mean_value pg_catalog.float8)
    RETURNS c360.clv_sample AS 'MODULE_PATHNAME', 'c360_gamma_gamma_add' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.pareto_nbd_final(state c360.clv_sample) RETURNS c360.pareto_nbd_model
    AS 'MODULE_PATHNAME', 'c360_pareto_nbd_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.gamma_gamma_final(state c360.clv_sample) RETURNS c360.gamma_gamma_model
    AS 'MODULE_PATHNAME', 'c360_gamma_gamma_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.pareto_nbd_expected(model c360.pareto_nbd_model, t pg_catalog.float8, x pg_catalog.float8,
                                         t_x pg_catalog.float8, "T" pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_pareto_nbd_expected' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.pareto_nbd_p_alive(model c360.pareto_nbd_model, x pg_catalog.float8, t_x pg_catalog.float8,
                                        "T" pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_pareto_nbd_p_alive' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.pareto_nbd_unconditional(model c360.pareto_nbd_model, t pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_pareto_nbd_unconditional' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.gamma_gamma_expected(model c360.gamma_gamma_model, x pg_catalog.float8,
                                          mean_value pg_catalog.float8) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360_gamma_gamma_expected' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION c360.clv(model c360.pareto_nbd_model, spend_model c360.gamma_gamma_model,
                         x pg_catalog.float8, t_x pg_catalog.float8, "T" pg_catalog.float8,
                         mean_value pg_catalog.float8, horizon_months pg_catalog.int4 DEFAULT 12,
                         monthly_discount_rate pg_catalog.float8 DEFAULT 0.01,
                         model_units_per_month pg_catalog.float8 DEFAULT 4.345)
    RETURNS pg_catalog.float8 AS 'MODULE_PATHNAME', 'c360_clv_pareto_nbd'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;

-- ---- layouts and rule kinds defined once (issue 14)
-- The Fellegi-Sunter model layout is src/core/match/fs.hpp's only: c360.match_train's random-pairs
-- model comes from c360._fs_combine_rules (c360._floor_normalise is gone), c360.match_parameters
-- reads the model's header through c360.match_model_info. The event rule kinds are
-- src/core/events/rules.hpp's: the validation trigger asks c360._event_rule_problem, users
-- c360.event_rule_kinds().
CREATE FUNCTION c360.match_model_info(model pg_catalog.float8[], OUT fields pg_catalog.int4, OUT levels pg_catalog.int4[],
                                      OUT lambda pg_catalog.float8, OUT iterations pg_catalog.int4)
    AS 'MODULE_PATHNAME', 'c360_match_model_info'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360.match_model_info(pg_catalog.float8[]) IS
    'The header of a Fellegi-Sunter model: number of fields, levels of each field, prior lambda, EM iterations';

CREATE OR REPLACE FUNCTION c360.match_parameters(model pg_catalog.float8[], fields pg_catalog.text[] DEFAULT NULL)
    RETURNS TABLE (field pg_catalog.int4, name pg_catalog.text, level pg_catalog.int4,
                   m pg_catalog.float8, u pg_catalog.float8, weight pg_catalog.float8)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT 0, 'prior (lambda, 1 - lambda; ' OPERATOR(pg_catalog.||) h.iterations OPERATOR(pg_catalog.||) ' EM iterations)',
           NULL::pg_catalog.int4, p[1], p[2], p[3]
    FROM c360.match_model_info(model) AS h, c360.match_level_params(model, 0, 0) AS p
    UNION ALL
    SELECT f, COALESCE(match_parameters.fields[f], 'field ' OPERATOR(pg_catalog.||) f), l, p[1], p[2], p[3]
    FROM c360.match_model_info(model) AS h,
         pg_catalog.generate_subscripts(h.levels, 1) AS f,
         pg_catalog.generate_series(0, h.levels[f] OPERATOR(pg_catalog.-) 1) AS l,
         LATERAL c360.match_level_params(model, f, l) AS p
    ORDER BY 1, 3 DESC;
END;

CREATE FUNCTION c360._fs_compared_pairs(patterns pg_catalog.float8[]) RETURNS pg_catalog.float8
    AS 'MODULE_PATHNAME', 'c360__fs_compared_pairs'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360._fs_compared_pairs(pg_catalog.float8[]) IS
    'Pairs of a c360.fs_patterns table with at least one field compared (not all-null); used by c360.match_train';
CREATE FUNCTION c360._fs_combine_rules(rule_models pg_catalog.float8[], rule_masks pg_catalog.bool[],
                                       rule_pairs pg_catalog.float8[], random_pairs pg_catalog.float8[],
                                       candidates pg_catalog.float8[], records pg_catalog.float8,
                                       fields pg_catalog.name[])
    RETURNS pg_catalog.float8[]
    AS 'MODULE_PATHNAME', 'c360__fs_combine_rules'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION c360._fs_combine_rules(pg_catalog.float8[], pg_catalog.bool[], pg_catalog.float8[], pg_catalog.float8[],
                                           pg_catalog.float8[], pg_catalog.float8, pg_catalog.name[]) IS
    'The model of c360.match_train with random_pairs: m averaged over the per-rule fits (rows of rule_models, fields left out in rule_masks) weighted by their expected matches, u of the random pairs, prior spread over the records'' pairs';

CREATE OR REPLACE FUNCTION c360.match_train(source pg_catalog.regclass, id_col pg_catalog.name, fields pg_catalog.name[],
                                 methods pg_catalog.text[], blocks pg_catalog.text[],
                                 max_iterations pg_catalog.int4 DEFAULT 100,
                                 tolerance pg_catalog.float8 DEFAULT 1e-6,
                                 initial_lambda pg_catalog.float8 DEFAULT 0.1,
                                 random_pairs pg_catalog.int4 DEFAULT 0)
    RETURNS pg_catalog.float8[]
    LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    nlevels int4[];
    patterns float8[];
    sample float8[];
    rule_patterns float8[];
    masked bool[];
    compared float8;
    rule_models float8[] := '{}';  -- one row per blocking rule fitted: its c360.fs_estimate model
    rule_masks bool[] := '{}';     -- the fields each of those rules leaves out
    rule_pairs float8[] := '{}';   -- the pairs of each with at least one field compared
    n float8;
    join_sql text := 'SELECT %s AS levels FROM (%s) p JOIN %s l ON l.%I::bigint = p.id_l JOIN %s r ON r.%I::bigint = p.id_r';
BEGIN
    IF random_pairs IS NULL OR random_pairs < 0 OR random_pairs > 100000000 THEN
        RAISE EXCEPTION 'c360.match_train: random_pairs must be between 0 and 100,000,000' USING ERRCODE = '22023';
    END IF;
    nlevels := ARRAY(SELECT c360.method_levels(m) FROM unnest(methods) AS m);
    EXECUTE format('SELECT c360.fs_patterns(levels, $1) FROM (%s) q',
                   format(join_sql, c360._levels_sql(fields, methods), c360._blocking_sql(source, id_col, blocks),
                          source, id_col, source, id_col))
        INTO patterns USING nlevels;
    IF patterns IS NULL THEN
        RAISE EXCEPTION 'c360.match_train: the blocking rules give no candidate pairs' USING ERRCODE = '22023';
    END IF;
    IF random_pairs = 0 THEN   -- EM among the candidate pairs: m, u and the share of matches among them
        RETURN c360.fs_estimate(patterns, NULL, max_iterations, tolerance, initial_lambda);
    END IF;

    -- u from random pairs: two independent pseudo-random orders of the table (hashes of the ids with
    -- two seeds: the same sample on every run, whatever the scan order), paired row by row
    EXECUTE format('SELECT count(*) FROM %s', source) INTO n;
    EXECUTE format('SELECT c360.fs_patterns(%1$s, $1) FROM '
                   '(SELECT * FROM (SELECT *, row_number() OVER (ORDER BY pg_catalog.hashint8extended(%3$I::bigint, 1), %3$I) AS c360_rn FROM %2$s) s WHERE c360_rn <= $2) l JOIN '
                   '(SELECT * FROM (SELECT *, row_number() OVER (ORDER BY pg_catalog.hashint8extended(%3$I::bigint, 2), %3$I) AS c360_rn FROM %2$s) s WHERE c360_rn <= $2) r '
                   'ON l.c360_rn = r.c360_rn AND l.%3$I <> r.%3$I',
                   c360._levels_sql(fields, methods), source, id_col)
        INTO sample USING nlevels, random_pairs;
    IF sample IS NULL THEN
        RAISE EXCEPTION 'c360.match_train: no random pairs could be drawn (fewer than 2 records?)' USING ERRCODE = '22023';
    END IF;
    -- m by EM with u fixed, one blocking rule at a time, leaving out the fields the rule uses (their
    -- agreement among the rule's pairs says nothing about m): a column covers the field of the same
    -- name, and a column named X_key the fields whose name starts with X
    FOR b IN 1 .. cardinality(blocks) LOOP
        masked := ARRAY(SELECT EXISTS (SELECT 1 FROM unnest(string_to_array(blocks[b], '+')) AS c(col)
                                       WHERE btrim(c.col) = f.name
                                          OR (btrim(c.col) LIKE '%\_key' AND left(btrim(c.col), -4) <> ''
                                              AND starts_with(f.name, left(btrim(c.col), -4))))
                        FROM unnest(fields) WITH ORDINALITY AS f(name, i) ORDER BY f.i);
        CONTINUE WHEN true = ALL (masked);   -- the rule uses every field
        EXECUTE format('SELECT c360.fs_patterns(levels, $1) FROM (%s) q',
                       format(join_sql, c360._levels_sql(fields, methods, masked), c360._blocking_sql(source, id_col, ARRAY[blocks[b]]),
                              source, id_col, source, id_col))
            INTO rule_patterns USING nlevels;
        compared := c360._fs_compared_pairs(rule_patterns);
        CONTINUE WHEN NOT coalesce(compared > 0, false);
        rule_models := rule_models || ARRAY[c360.fs_estimate(rule_patterns, sample, max_iterations, tolerance, initial_lambda)];
        rule_masks := rule_masks || ARRAY[masked];
        rule_pairs := rule_pairs || compared;
    END LOOP;
    -- the model: m averaged over the rules (weighted by their expected matches), u of the random
    -- pairs, where a level never seen among them counts as half a pair of the sample (not ~0: no
    -- unbounded weights); the prior: the share of matches among the candidates (EM with m and u
    -- fixed), spread over all n(n-1)/2 pairs (src/core/match/fs.hpp, combine_rule_fits)
    RETURN c360._fs_combine_rules(rule_models, rule_masks, rule_pairs, sample, patterns, n, fields);
END
$function$;

DROP FUNCTION c360._floor_normalise(pg_catalog.float8[], pg_catalog.float8);

CREATE FUNCTION c360.event_rule_kinds()
    RETURNS TABLE (rule_type pg_catalog.text, parameters pg_catalog.jsonb, realtime pg_catalog.bool)
    AS 'MODULE_PATHNAME', 'c360_event_rule_kinds'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION c360.event_rule_kinds() IS
    'The rule types of c360.event_rules: their parameters (name: type, required or not) and whether the tracking trigger fires them (else a batch function such as c360.enqueue_inactivity)';
CREATE FUNCTION c360._event_rule_problem(rule_type pg_catalog.text, params pg_catalog.jsonb,
                                         OUT message pg_catalog.text, OUT hint pg_catalog.text)
    AS 'MODULE_PATHNAME', 'c360__event_rule_problem'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION c360._event_rule_problem(pg_catalog.text, pg_catalog.jsonb) IS
    'What is wrong with an event rule of this type and params (message and hint), NULL when it is valid; used by c360.validate_event_rule';

CREATE OR REPLACE FUNCTION c360.validate_event_rule() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    problem record;
BEGIN
    SELECT * INTO problem FROM c360._event_rule_problem(NEW.rule_type, NEW.params);
    IF problem.message IS NULL THEN
        RETURN NEW;
    ELSIF problem.hint IS NULL THEN
        RAISE EXCEPTION 'event rule "%": %', NEW.rule_name, problem.message USING ERRCODE = '22023';
    END IF;
    RAISE EXCEPTION 'event rule "%": %', NEW.rule_name, problem.message USING ERRCODE = '22023', HINT = problem.hint;
END
$function$;
