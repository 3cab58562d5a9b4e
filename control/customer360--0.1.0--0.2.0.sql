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

-- ---- send/recv for every state type (issue 14)
-- Binary input/output (binary COPY, the binary protocol Citus uses) for the state types that had none;
-- the values and their text forms are unchanged.
CREATE FUNCTION c360.slowdown_state_recv(pg_catalog.internal) RETURNS c360.slowdown_state
    AS 'MODULE_PATHNAME', 'c360_slowdown_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.slowdown_state_send(c360.slowdown_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_slowdown_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
ALTER TYPE c360.slowdown_state SET (RECEIVE = c360.slowdown_state_recv, SEND = c360.slowdown_state_send);
COMMENT ON FUNCTION c360.slowdown_state_recv(pg_catalog.internal) IS
    'Binary input of c360.slowdown_state (COPY ... FORMAT binary, binary protocol): versioned, network byte order, validated like the text input';
COMMENT ON FUNCTION c360.slowdown_state_send(c360.slowdown_state) IS 'Binary output of c360.slowdown_state (COPY ... FORMAT binary, binary protocol)';
CREATE FUNCTION c360.basket_state_recv(pg_catalog.internal) RETURNS c360.basket_state
    AS 'MODULE_PATHNAME', 'c360_basket_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.basket_state_send(c360.basket_state) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_basket_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
ALTER TYPE c360.basket_state SET (RECEIVE = c360.basket_state_recv, SEND = c360.basket_state_send);
COMMENT ON FUNCTION c360.basket_state_recv(pg_catalog.internal) IS
    'Binary input of c360.basket_state (COPY ... FORMAT binary, binary protocol): versioned, network byte order, validated like the text input';
COMMENT ON FUNCTION c360.basket_state_send(c360.basket_state) IS 'Binary output of c360.basket_state (COPY ... FORMAT binary, binary protocol)';
CREATE FUNCTION c360.uplift_sample_recv(pg_catalog.internal) RETURNS c360.uplift_sample
    AS 'MODULE_PATHNAME', 'c360_uplift_sample_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.uplift_sample_send(c360.uplift_sample) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_uplift_sample_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
ALTER TYPE c360.uplift_sample SET (RECEIVE = c360.uplift_sample_recv, SEND = c360.uplift_sample_send);
COMMENT ON FUNCTION c360.uplift_sample_recv(pg_catalog.internal) IS
    'Binary input of c360.uplift_sample (COPY ... FORMAT binary, binary protocol): versioned, network byte order, validated like the text input';
COMMENT ON FUNCTION c360.uplift_sample_send(c360.uplift_sample) IS 'Binary output of c360.uplift_sample (COPY ... FORMAT binary, binary protocol)';
CREATE FUNCTION c360.clv_sample_recv(pg_catalog.internal) RETURNS c360.clv_sample
    AS 'MODULE_PATHNAME', 'c360_clv_sample_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION c360.clv_sample_send(c360.clv_sample) RETURNS pg_catalog.bytea
    AS 'MODULE_PATHNAME', 'c360_clv_sample_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
ALTER TYPE c360.clv_sample SET (RECEIVE = c360.clv_sample_recv, SEND = c360.clv_sample_send);
COMMENT ON FUNCTION c360.clv_sample_recv(pg_catalog.internal) IS
    'Binary input of c360.clv_sample (COPY ... FORMAT binary, binary protocol): versioned, network byte order, validated like the text input';
COMMENT ON FUNCTION c360.clv_sample_send(c360.clv_sample) IS 'Binary output of c360.clv_sample (COPY ... FORMAT binary, binary protocol)';
