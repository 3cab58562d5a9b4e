-- Pairwise quality of a resolution against the truth of fr_records (person_id, household_id):
-- :resolved is a table (record_id, person_id, household_id); records missing from it are alone.
-- A pair of records is a true person pair when they share the true person, found when they share the
-- resolved person; precision = correct / found, recall = correct / true, F1 their harmonic mean. The same
-- at household level (skipped when household_id is NULL), and the household members wrongly merged.
WITH r AS (SELECT f.id, f.person_id AS tp, f.household_id AS th, coalesce(x.person_id, f.id) AS fp,
                  coalesce(x.household_id, x.person_id, f.id) AS fh, x.household_id IS NOT NULL AS has_h
           FROM fr_records f LEFT JOIN :resolved x ON x.record_id = f.id),
n AS (SELECT (SELECT sum(c * (c - 1) / 2) FROM (SELECT count(*) c FROM r GROUP BY tp) t) AS true_p,
             (SELECT sum(c * (c - 1) / 2) FROM (SELECT count(*) c FROM r GROUP BY fp) t) AS found_p,
             (SELECT sum(c * (c - 1) / 2) FROM (SELECT count(*) c FROM r GROUP BY tp, fp) t) AS hit_p,
             (SELECT sum(c * (c - 1) / 2) FROM (SELECT count(*) c FROM r GROUP BY th) t) AS true_h,
             (SELECT sum(c * (c - 1) / 2) FROM (SELECT count(*) c FROM r GROUP BY fh) t) AS found_h,
             (SELECT sum(c * (c - 1) / 2) FROM (SELECT count(*) c FROM r GROUP BY th, fh) t) AS hit_h,
             (SELECT sum(c * (c - 1) / 2) FROM (SELECT count(*) c FROM r GROUP BY th, fp) t)
             - (SELECT sum(c * (c - 1) / 2) FROM (SELECT count(*) c FROM r GROUP BY tp, fp) t) AS household_merges,
             (SELECT bool_or(has_h) FROM r) AS has_h)
SELECT true_p AS true_person_pairs, found_p AS found, hit_p AS correct,
       round(hit_p / found_p, 4) AS person_precision, round(hit_p / true_p, 4) AS person_recall,
       round(2 * hit_p / (found_p + true_p), 4) AS person_f1,
       household_merges AS "pairs of two persons of one household merged",
       CASE WHEN has_h THEN round(hit_h / found_h, 4) END AS household_precision,
       CASE WHEN has_h THEN round(hit_h / true_h, 4) END AS household_recall,
       CASE WHEN has_h THEN round(2 * hit_h / (found_h + true_h), 4) END AS household_f1
FROM n;
