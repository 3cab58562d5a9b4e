-- bench/match: one pgbench transaction = the next record of the second half of the holdout (resolve_fr.sql)
-- resolved by c360.match_resolve; run by bench/match/run_fr.sh with 8 clients (pgbench -l logs the latency).
SELECT count(*) FROM fr_models m, fr_settings s,
       c360.match_resolve('fr_clean', 'id', s.fields, s.methods, s.blocks, m.model, 'clusters',
                          ARRAY[(SELECT h.id FROM holdout h WHERE h.n = (SELECT nextval('holdout_next')))], s.threshold,
                          s.distinct_fields, s.household_key, s.household_fields);
