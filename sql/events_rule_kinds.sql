--
-- Event rule kinds, defined once in src/core/events/rules.hpp: the table as SQL sees it
-- (c360.event_rule_kinds), the validation trigger's messages with their hints, and the kinds the
-- tracking trigger evaluates.
--
\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/preamble.psql

SELECT * FROM c360.event_rule_kinds();

-- the trigger's errors with their hints (the hint lists come from the table)
CREATE FUNCTION pg_temp.error_and_hint(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    msg text;
    hint text;
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    RETURN SQLSTATE || ' ' || msg || CASE WHEN hint <> '' THEN ' (hint: ' || hint || ')' ELSE '' END;
END $$;
SELECT label, pg_temp.error_and_hint(format('INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES (%L, %L, %L)',
                                            label, rule_type, params)) AS error
FROM (VALUES
    ('unknown type',       'birthday_cake',      '{}'),
    ('no amount',          'spend_threshold',    '{}'),
    ('count 0',            'order_count',        '{"count": 0}'),
    ('days as text',       'inactivity',         '{"days": "90"}'),
    ('no from/to',         'segment_transition', '{}'),
    ('unknown segment',    'segment_transition', '{"from": "Champions", "to": "VIP"}'),
    ('segment not a text', 'segment_transition', '{"to": {"name": "Lost"}}'),
    ('segment null',       'segment_transition', '{"from": null}'),
    ('extra parameter',    'spend_threshold',    '{"amount": 5, "currency": "EUR"}'),
    ('params an array',    'welcome',            '[]'),
    ('tiny amount',        'spend_threshold',    '{"amount": 0.000000000000000000000000000001}'),
    ('count 4.000',        'order_count',        '{"count": 4.000}'),
    ('any segment',        'segment_transition', '{"from": "*", "to": "Can''t Lose Them"}')
) AS t(label, rule_type, params);
DELETE FROM c360.event_rules;

-- the check itself: NULL when the rule is valid, else message and hint
SELECT * FROM c360._event_rule_problem('order_count', '{"count": 3}');
SELECT * FROM c360._event_rule_problem('welcome', '{"count": 3}');
SELECT * FROM c360._event_rule_problem(NULL, '{}');
-- NULL params as 0.1.0 read them: required parameters missing, segment_transition passes (the
-- column's NOT NULL rejects the row)
SELECT t, p.message FROM unnest(ARRAY['welcome', 'spend_threshold', 'segment_transition']) t,
     LATERAL c360._event_rule_problem(t, NULL) p;
SELECT pg_temp.sqlstate_of($$INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES ('r', 'welcome', NULL)$$) AS null_params;

-- the tracking trigger evaluates the realtime kinds (c360._fired_rules), named by the same table
INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES ('win-back', 'inactivity', '{"days": 30}');
SELECT c360._fired_rules(0, 1, 0, 40, NULL, NULL) IS NULL AS batch_kind_not_fired;
INSERT INTO c360.event_rules (rule_name, rule_type, params) VALUES
    ('welcome', 'welcome', '{}'),
    ('spend 100', 'spend_threshold', '{"amount": 100}'),
    ('fourth order', 'order_count', '{"count": 4.000}'),
    ('to champions', 'segment_transition', '{"to": "Champions"}'),
    ('lost from champions', 'segment_transition', '{"from": "Champions", "to": "Lost"}');
SELECT r.rule_name
FROM c360.event_rules r
WHERE r.rule_id = ANY (c360._fired_rules(3, 4, 99.5, 100, 'Loyal Customers', 'Champions'))
   OR r.rule_id = ANY (c360._fired_rules(0, 1, 0, 1, NULL, NULL))
   OR r.rule_id = ANY (c360._fired_rules(7, 8, 500, 501, 'Champions', 'Lost'))
ORDER BY r.rule_id;
DELETE FROM c360.event_rules;
