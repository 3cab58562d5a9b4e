--
-- Evaluation aggregates checked against the same quantities computed with plain SQL:
-- c360.auc (Mann-Whitney with mid-ranks), c360.log_loss, c360.brier, c360.gains (ntile),
-- c360.calibration (width_bucket).
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

-- scores with many ties (rounded to 2 decimals), labels correlated with them, a few NULLs
CREATE TABLE scored AS
SELECT i AS id,
       CASE WHEN i % 97 = 0 THEN NULL ELSE round((((i * 7919) % 1000) / 1000.0)::numeric, 2)::float8 END AS score,
       CASE WHEN i % 89 = 0 THEN NULL ELSE ((i * 104729) % 1000) / 1000.0 < 0.2 + 0.6 * ((i * 7919) % 1000) / 1000.0 END AS label
FROM generate_series(1, 5000) i;
CREATE VIEW scored_ok AS SELECT * FROM scored WHERE score IS NOT NULL AND label IS NOT NULL;

-- AUC = (R1 - n1 (n1 + 1) / 2) / (n1 n0), R1 = sum of the mid-ranks of the positives
SELECT round(c360.auc(score, label)::numeric, 12) AS auc FROM scored;
SELECT abs((SELECT c360.auc(score, label) FROM scored) - (r1 - n1 * (n1 + 1) / 2.0) / (n1 * n0)) < 1e-14 AS auc_ok
FROM (SELECT sum(r) FILTER (WHERE label) AS r1, count(*) FILTER (WHERE label)::float8 AS n1,
             count(*) FILTER (WHERE NOT label)::float8 AS n0
      FROM (SELECT label, rank() OVER w + (count(*) OVER (PARTITION BY score) - 1) / 2.0 AS r
            FROM scored_ok WINDOW w AS (ORDER BY score)) ranked) t;
-- and by counting pairs on a subset (ties count one half)
SELECT abs(c360.auc(score, label) - (SELECT avg(CASE WHEN p.score > n.score THEN 1 WHEN p.score = n.score THEN 0.5 ELSE 0 END)
                                     FROM scored_ok p, scored_ok n WHERE p.label AND NOT n.label AND p.id <= 800 AND n.id <= 800))
       < 1e-14 AS auc_pairs_ok
FROM scored_ok WHERE id <= 800;
-- perfect, reversed, constant scores; a single class gives NULL
SELECT c360.auc(s, s > 0.5) AS perfect, c360.auc(-s, s > 0.5) AS reversed, c360.auc(0, s > 0.5) AS all_tied,
       c360.auc(s, true) IS NULL AS one_class_null
FROM (VALUES (0.1), (0.4), (0.6), (0.9)) v(s);

-- log loss (clipped at 1e-15) and Brier score
SELECT round(c360.log_loss(score, label)::numeric, 12) AS log_loss, round(c360.brier(score, label)::numeric, 12) AS brier
FROM scored;
SELECT abs(c360.log_loss(score, label) - avg(-CASE WHEN label THEN ln(greatest(score, 1e-15)) ELSE ln(greatest(1 - score, 1e-15)) END)) < 1e-12 AS log_loss_ok,
       abs(c360.brier(score, label) - avg((score - label::int) ^ 2)) < 1e-14 AS brier_ok
FROM scored_ok;

-- gains by decile: like ntile(10) OVER (ORDER BY score DESC, label)
SELECT g.bin, g.customers, g.responders, round(g.response_rate::numeric, 4) AS rate, round(g.lift::numeric, 4) AS lift,
       g.cumulative_customers AS cum_customers, round(g.cumulative_gain::numeric, 4) AS cum_gain,
       round(g.cumulative_lift::numeric, 4) AS cum_lift, g.min_score, g.max_score
FROM (SELECT c360.gains(score, label, 10) AS t FROM scored) s, unnest(s.t) g;
SELECT bool_and(g.customers = r.customers AND g.responders = r.responders AND g.min_score = r.min_score
                AND g.max_score = r.max_score
                AND abs(g.lift - r.rate / overall) < 1e-12
                AND abs(g.cumulative_gain - r.cum_responders / total) < 1e-12) AS gains_ok
FROM (SELECT c360.gains(score, label, 10) AS t FROM scored) s, unnest(s.t) g
JOIN (SELECT bin, count(*) AS customers, count(*) FILTER (WHERE label) AS responders,
             avg(label::int) AS rate, min(score) AS min_score, max(score) AS max_score,
             sum(count(*) FILTER (WHERE label)) OVER (ORDER BY bin) AS cum_responders
      FROM (SELECT label, score, ntile(10) OVER (ORDER BY score DESC, label) AS bin FROM scored_ok) b
      GROUP BY bin) r USING (bin),
     (SELECT avg(label::int) AS overall, count(*) FILTER (WHERE label)::float8 AS total FROM scored_ok) o;
-- fewer rows than bins: empty bins have NULL rates
SELECT g.bin, g.customers, g.responders, g.lift FROM (SELECT c360.gains(s, s > 0.5, 4) AS t FROM (VALUES (0.2), (0.7)) v(s)) q, unnest(q.t) g;

-- calibration: equal-width bins of the probability
SELECT c.bin, c.lower_bound, c.upper_bound, c.customers, c.responders, round(c.mean_score::numeric, 6) AS mean_score,
       round(c.observed_rate::numeric, 6) AS observed_rate
FROM (SELECT c360.calibration(score, label, 5) AS t FROM scored) s, unnest(s.t) c;
SELECT bool_and(c.customers = r.customers AND c.responders = r.responders AND abs(c.mean_score - r.mean_score) < 1e-12)
       AS calibration_ok
FROM (SELECT c360.calibration(score, label, 5) AS t FROM scored) s, unnest(s.t) c
JOIN (SELECT least(width_bucket(score, 0, 1, 5), 5) AS bin, count(*) AS customers,
             count(*) FILTER (WHERE label) AS responders, avg(score) AS mean_score
      FROM scored_ok GROUP BY 1) r USING (bin);

-- no rows: NULL like avg()
SELECT c360.auc(score, label) IS NULL AS auc_null, c360.log_loss(score, label) IS NULL AS log_loss_null,
       c360.gains(score, label, 10) IS NULL AS gains_null FROM scored WHERE false;

-- bad input
SELECT label, pg_temp.sqlstate_of(query) AS error FROM (VALUES
    ('auc: NaN score',        $$SELECT c360.auc('NaN', true)$$),
    ('log loss: score > 1',   $$SELECT c360.log_loss(1.5, true)$$),
    ('brier: negative',       $$SELECT c360.brier(-0.1, true)$$),
    ('brier: NaN',            $$SELECT c360.brier('NaN', true)$$),
    ('gains: 0 bins',         $$SELECT c360.gains(0.5, true, 0)$$),
    ('gains: NULL bins',      $$SELECT c360.gains(0.5, true, NULL)$$),
    ('calibration: bins',     $$SELECT c360.calibration(0.5, true, 5000)$$),
    ('corrupt sample',        $$SELECT 'score_sample(1,0,1,0;0.5,2)'::c360.score_sample$$),
    ('corrupt bins',          $$SELECT 'score_bins(3,1,1,0;0,0,1,0.5,2)'::c360.score_bins$$)
) AS t(label, query);

DROP VIEW scored_ok;
DROP TABLE scored;
