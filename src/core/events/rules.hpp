// Event rule kinds (docs/events.md, "Rules are data"): the one definition of the rule types a row
// of c360.event_rules may have, their parameters and how each is checked. Every user of a kind
// reads this table: the validation trigger (c360.validate_event_rule, through
// c360._event_rule_problem), the hint that lists the types, the tracking trigger's mapping of
// rule_type to a kind and its parameters (src/pg/events_rules_pg.cpp) and c360.event_rule_kinds().
// No PostgreSQL header here: the glue hands the rule's jsonb params over as RuleParams.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace c360::events {

enum class RuleKind : int { Welcome = 0, SpendThreshold = 1, OrderCount = 2, SegmentTransition = 3, Inactivity = 4 };

enum class ParamType {
    PositiveNumber,      // a JSON number > 0
    PositiveWholeNumber, // a JSON number, whole and >= 1
    Segment,             // a JSON string: an RFM segment name (c360::rfm::kSegmentNames) or "*" (any)
};

struct RuleParam {
    std::string_view name;
    ParamType type;
};

struct RuleKindSpec {
    std::string_view name; // the rule_type
    RuleKind kind;
    std::array<RuleParam, 2> slots;
    std::size_t nparams;
    bool any_of;           // each parameter optional, at least one needed (else each one is required)
    bool realtime;         // fired by the tracking trigger (c360._fired_rules); else by a batch function
    std::string_view example; // the params of an example rule, for hints

    std::span<const RuleParam> params() const noexcept { return {slots.data(), nparams}; }
};

// Every kind, in the order of docs/events.md and of the hint listing them.
std::span<const RuleKindSpec> rule_kinds() noexcept;
// The kind of a rule_type, or nullptr when there is none of that name.
const RuleKindSpec* find_rule_kind(std::string_view rule_type) noexcept;
// "welcome, spend_threshold, ..." (table order).
std::string rule_kind_names();
// The values a Segment parameter accepts: the RFM segment names, then "*".
std::vector<std::string_view> segment_values();

// A rule's params as the glue reads them from its jsonb: one entry per top-level key, in the
// jsonb's key order.
enum class JsonType { Null, String, Number, Boolean, Array, Object };
struct JsonParam {
    std::string key;
    JsonType type = JsonType::Null;
    std::string value; // a string's contents, a number's decimal text ([-]digits[.digits])
    std::string json;  // the value as jsonb prints it, for messages
};
struct RuleParams {
    bool is_null = false;  // SQL NULL (the column's NOT NULL rejects the row afterwards)
    bool is_object = true; // false: a JSON scalar or array
    std::vector<JsonParam> entries;
};

// What is wrong with a rule row, as the validation trigger reports it after `event rule "name": `
// (SQLSTATE 22023); hint empty when there is none.
struct RuleProblem {
    std::string message;
    std::string hint;
};
// The checks of 0.1.0, in its order: params an object; a known rule_type (nullopt: SQL NULL);
// the kind's parameters (required ones present and valid, or at least one of an any_of kind and
// each present one valid); no other key. NULL params (as 0.1.0 evaluated them): the required
// parameters are missing, an any_of kind passes.
std::optional<RuleProblem> rule_problem(std::optional<std::string_view> rule_type, const RuleParams& params);

// A kind's parameters as a JSON object for c360.event_rule_kinds(), e.g.
// {"amount": "number > 0, required"}.
std::string parameters_json(const RuleKindSpec& kind);

} // namespace c360::events
