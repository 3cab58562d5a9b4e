-- customer360 upgrade 0.1.0 -> 0.2.0 (ALTER EXTENSION customer360 UPDATE TO '0.2.0').
-- Hand-written: every object 0.2.0 adds or changes against 0.1.0, so that the upgraded catalog
-- equals a fresh 0.2.0 install (checked by sql/upgrade.sql). Schema-qualified throughout.

\echo Use "ALTER EXTENSION customer360 UPDATE TO '0.2.0'" to load this file. \quit
