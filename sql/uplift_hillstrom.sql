--
-- Campaign measurement on the Hillstrom e-mail data (data/hillstrom, 64,000 customers, three random
-- arms). Reference values: ../shared/reference/uplift.md (recomputed there with scipy/statsmodels,
-- gbstats 0.8.0 and scikit-uplift 0.5.1 on the same file). Tolerances are stated per check.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql
\set hillstrom_program 'gzip -dc ' :abs_srcdir '/data/hillstrom/hillstrom.csv.gz'
CREATE TABLE hillstrom (recency int, history_segment text, history float8, mens int, womens int,
    zip_code text, newbie int, channel text, segment text, visit int, conversion int, spend float8);
COPY hillstrom FROM PROGRAM :'hillstrom_program' WITH (FORMAT csv, HEADER true);
ALTER TABLE hillstrom ADD COLUMN row_no serial;  -- 1-based file order
SELECT segment, count(*) FROM hillstrom GROUP BY segment ORDER BY segment;

-- Mens E-Mail vs No E-Mail, conversion: lift 0.0068050065, z 7.3851144, p 1.5232e-13,
-- Wald [0.0050001714, 0.0086098417], Newcombe [0.0050143447, 0.0086407234] (1e-9 absolute);
-- relative 1.1884219 with gbstats' delta-method CI [0.7215273001, 1.6553164525], p 6.096e-07 (1e-8 / 1e-9)
CREATE TABLE mens_conv AS
SELECT (c360.lift_binary(segment = 'Mens E-Mail', conversion = 1)).*
FROM hillstrom WHERE segment IN ('Mens E-Mail', 'No E-Mail');
SELECT n_control, n_treatment, conversions_control, conversions_treatment,
       abs(abs_lift - 0.0068050065) < 1e-9 AS lift_ok,
       abs(z - 7.3851144) < 1e-6 AS z_ok,
       abs(p_value - 1.5232e-13) < 1e-16 AS p_ok,
       abs(wald_lower - 0.0050001714) < 1e-9 AND abs(wald_upper - 0.0086098417) < 1e-9 AS wald_ok,
       abs(newcombe_lower - 0.0050143447) < 1e-9 AND abs(newcombe_upper - 0.0086407234) < 1e-9 AS newcombe_ok,
       abs(rel_lift - 1.1884218763) < 1e-9 AS rel_ok,
       abs(rel_lower - 0.7215273001) < 1e-8 AND abs(rel_upper - 1.6553164525) < 1e-8 AS rel_ci_ok,
       abs(rel_p_value - 6.096e-07) < 1e-9 AS rel_p_ok,
       round(incremental_conversions::numeric, 2) AS incremental_conversions, skipped
FROM mens_conv;
SELECT round(abs_lift::numeric, 6) AS lift, round(z::numeric, 4) AS z,
       round(newcombe_lower::numeric, 7) AS newcombe_lower, round(newcombe_upper::numeric, 7) AS newcombe_upper
FROM mens_conv;

-- the other comparisons of the reference table (visit and conversion; 1e-7 on z, 1e-9 on limits)
SELECT t.arm, t.outcome,
       abs(r.abs_lift - t.lift) < 1e-9 AS lift_ok, abs(r.z - t.z) < 1e-6 AS z_ok,
       abs(r.newcombe_lower - t.nl) < 1e-9 AND abs(r.newcombe_upper - t.nu) < 1e-9 AS newcombe_ok,
       abs(r.wald_lower - t.wl) < 1e-9 AND abs(r.wald_upper - t.wu) < 1e-9 AS wald_ok
FROM (VALUES ('Mens E-Mail', 'visit', 0.0765895637, 22.4860408, 0.0699535012, 0.0832256261, 0.0699533081, 0.0832267413),
             ('Womens E-Mail', 'visit', 0.0452331066, 13.9491807, 0.0388938258, 0.0515723874, 0.0388940954, 0.0515743430),
             ('Womens E-Mail', 'conversion', 0.0031110575, 3.7795610, 0.0014986778, 0.0047234372, 0.0015016571, 0.0047454713))
     AS t(arm, outcome, lift, z, wl, wu, nl, nu),
     LATERAL (SELECT (c360.lift_binary(h.segment = t.arm, CASE t.outcome WHEN 'visit' THEN h.visit ELSE h.conversion END = 1)).*
              FROM hillstrom h WHERE h.segment IN (t.arm, 'No E-Mail')) r
ORDER BY 1, 2;

-- Welch on spend, Mens vs No: diff 0.7698271559, SE 0.1452465602, t 5.3001403584, df 36671.158,
-- p 1.1638e-07, CI [0.4851397, 1.0545146]; relative 1.17929 [0.5442848, 1.8142928] (gbstats)
CREATE TABLE mens_spend AS
SELECT (c360.lift_mean(segment = 'Mens E-Mail', spend)).*
FROM hillstrom WHERE segment IN ('Mens E-Mail', 'No E-Mail');
SELECT abs(diff - 0.7698271559) < 1e-9 AS diff_ok, abs(std_err - 0.1452465602) < 1e-9 AS se_ok,
       abs(t - 5.3001403584) < 1e-8 AS t_ok, abs(df - 36671.158) < 1e-3 AS df_ok,
       abs(p_value - 1.1638e-07) < 1e-11 AS p_ok,
       abs(lower - 0.4851397) < 1e-7 AND abs(upper - 1.0545146) < 1e-7 AS ci_ok,
       abs(rel_lower - 0.5442848) < 1e-7 AND abs(rel_upper - 1.8142928) < 1e-7 AS rel_ci_ok,
       round(t::numeric, 4) AS t, round(df::numeric, 2) AS df, to_char(p_value, '9.999EEEE') AS p,
       round(incremental_total::numeric, 2) AS incremental_revenue
FROM mens_spend;

-- CUPED with history as the pre-period covariate (gbstats): theta 0.0012228965, diff 0.7674385,
-- CI [0.4828129, 1.0520641], p 1.265e-07; the variance barely drops (SE 0.14525 -> 0.14522)
SELECT abs(theta - 0.0012228965) < 1e-10 AS theta_ok, abs(diff - 0.7674385) < 1e-7 AS diff_ok,
       abs(lower - 0.4828129) < 1e-7 AND abs(upper - 1.0520641) < 1e-7 AS ci_ok,
       abs(p_value - 1.265e-07) < 1e-10 AS p_ok,
       round(std_err::numeric, 5) AS std_err, round((100 * variance_reduction)::numeric, 3) AS "variance reduction %"
FROM (SELECT (c360.lift_cuped(segment = 'Mens E-Mail', spend, history)).*
      FROM hillstrom WHERE segment IN ('Mens E-Mail', 'No E-Mail')) r;
-- a covariate that does predict the outcome: the reduction is reported and the estimate stays unbiased
SELECT round((100 * variance_reduction)::numeric, 1) AS "variance reduction %", round(diff::numeric, 4) AS diff
FROM (SELECT (c360.lift_cuped(segment = 'Mens E-Mail', spend, spend + ((row_no * 7919) % 101) - 50)).*
      FROM hillstrom WHERE segment IN ('Mens E-Mail', 'No E-Mail')) r;

-- ROI (uplift.md section 5): Mens, cost $0.10 per e-mail: incremental revenue 16,402.71
-- [10,336.87, 22,468.54]; ROI 6.698 at margin 100 %, 1.3095 at 30 % (1e-3)
SELECT round(roi.incremental_revenue::numeric, 2) AS revenue, round(roi.revenue_lower::numeric, 2) AS lower,
       round(roi.revenue_upper::numeric, 2) AS upper, round(roi.roi::numeric, 3) AS roi,
       round(roi30.roi::numeric, 4) AS roi_margin_30, round(roi30.roi_lower::numeric, 4) AS roi30_lower,
       round(roi30.roi_upper::numeric, 4) AS roi30_upper
FROM mens_spend m, c360.campaign_roi(ROW(m.*)::c360.lift_mean_result, 2130.70) roi,
     c360.campaign_roi(ROW(m.*)::c360.lift_mean_result, 2130.70, 0.3) roi30;

-- sample ratio: 3 arms at 1/3 each: chi2 0.20253125, p 0.903693; Any vs No at 2:1: 0.05253125, p 0.818716
SELECT round(chi2::numeric, 8) AS chi2, df, round(p_value::numeric, 6) AS p
FROM c360.srm_test((SELECT array_agg(n ORDER BY segment) FROM (SELECT segment, count(*) AS n FROM hillstrom GROUP BY segment) s));
SELECT round(chi2::numeric, 8) AS chi2, df, round(p_value::numeric, 6) AS p
FROM c360.srm_test(ARRAY[42694, 21306]::int8[], ARRAY[2, 1]);

-- power and sample size (Evan Miller's form): p 0.20, +0.05 -> 1030.22; 0.10/+0.01 -> 14312.86;
-- 0.05/+0.005 -> 30244.40; Hillstrom control rate 0.0057260865/+0.001 -> 91666.68 (1e-2)
SELECT b, d, round(c360.sample_size(b, d)::numeric, 2) AS n_per_arm,
       round(c360.power(b, d, c360.sample_size(b, d))::numeric, 4) AS power_at_that_n
FROM (VALUES (0.20, 0.05), (0.10, 0.01), (0.05, 0.005), (0.0057260865, 0.001)) v(b, d);
-- minimum detectable effect at Hillstrom's 21,306 per arm. uplift.md gives about 0.00205 (35.8 %) with the
-- baseline variance in both arms; the power term here uses the treated arm's own variance (Evan
-- Miller's form, consistent with c360.sample_size), which gives 0.00210 (36.7 %): checked by the
-- round trip power(mde) = 0.8 and sample_size(mde) = 21306
SELECT round(c360.power(0.0057260865, c360.mde(0.0057260865, 21306), 21306)::numeric, 6) AS power_at_mde,
       round(c360.sample_size(0.0057260865, c360.mde(0.0057260865, 21306))::numeric, 1) AS n_at_mde;
SELECT round(c360.mde(0.0057260865, 21306)::numeric, 5) AS mde,
       round((c360.mde(0.0057260865, 21306) / 0.0057260865 * 100)::numeric, 1) AS "relative %";
-- unequal split: 10 % control, 90 % treated
SELECT ceil(c360.sample_size(0.05, 0.005, ratio => 9)) AS control_n, ceil(9 * c360.sample_size(0.05, 0.005, ratio => 9)) AS treated_n;

-- uplift-model metrics (scikit-uplift 0.5.1 on Mens vs No, outcome visit):
-- S2 = history + 1e-7 * row (no ties): qini_auc 0.0183806688, uplift_auc 0.0095443107, uplift@30% 0.0894789833
-- S1 = history (ties; areas use one point per tie run, as sklift): qini 0.0184334013, uplift 0.0095784238
-- S3 = -row (file order): qini -0.0045705249, uplift -0.0021296696; conversion / S2: 0.0710718392, 0.0025789158 (1e-9)
CREATE TABLE mens AS
SELECT history + 1e-7 * (row_no - 1) AS s2, history AS s1, -(row_no - 1)::float8 AS s3,
       segment = 'Mens E-Mail' AS treated, visit = 1 AS visited, conversion = 1 AS converted
FROM hillstrom WHERE segment IN ('Mens E-Mail', 'No E-Mail');
SELECT abs(c360.qini_auc(s2, treated, visited) - 0.0183806688) < 1e-9 AS qini_s2,
       abs(c360.uplift_auc(s2, treated, visited) - 0.0095443107) < 1e-9 AS uplift_s2,
       abs(c360.uplift_at_k(s2, treated, visited, 0.3) - 0.0894789833) < 1e-9 AS at_k_s2,
       abs(c360.qini_auc(s1, treated, visited) - 0.0184334013) < 1e-9 AS qini_s1,
       abs(c360.uplift_auc(s1, treated, visited) - 0.0095784238) < 1e-9 AS uplift_s1,
       abs(c360.qini_auc(s3, treated, visited) - -0.0045705249) < 1e-9 AS qini_s3,
       abs(c360.uplift_auc(s3, treated, visited) - -0.0021296696) < 1e-9 AS uplift_s3,
       abs(c360.qini_auc(s2, treated, converted) - 0.0710718392) < 1e-9 AS qini_conv,
       abs(c360.uplift_auc(s2, treated, converted) - 0.0025789158) < 1e-9 AS uplift_conv
FROM mens;
SELECT round(c360.qini_auc(s2, treated, visited)::numeric, 7) AS qini_auc,
       round(c360.uplift_auc(s2, treated, visited)::numeric, 7) AS uplift_auc,
       round(c360.uplift_at_k(s2, treated, visited, 0.3)::numeric, 7) AS uplift_at_30,
       round(c360.uplift_at_k(s1, treated, visited, 0.3)::numeric, 7) AS uplift_at_30_ties_split_evenly
FROM mens;
-- uplift by decile (visit / S2): 0.09741, 0.08976, 0.08118, 0.07791, 0.07348, 0.07103, 0.06181, 0.08197, 0.07088, 0.06019
SELECT b.bin, b.customers, round(b.uplift::numeric, 5) AS uplift, round(b.std_err::numeric, 5) AS std_err
FROM (SELECT c360.uplift_by_percentile(s2, treated, visited, 10) AS bins FROM mens) q, unnest(q.bins) b;
-- the Qini curve ends at the incremental visits Q(N) = 1631.8938327
SELECT p.point, round(p.share::numeric, 2) AS share, round(p.qini::numeric, 4) AS qini,
       round(p.random_qini::numeric, 4) AS random
FROM (SELECT c360.uplift_curve(s2, treated, visited, 4) AS c FROM mens) q, unnest(q.c) p;
