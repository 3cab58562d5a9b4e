#include "events/rules.hpp"

#include <algorithm>

#include "rfm/rfm.hpp"

namespace c360::events {

namespace {

constexpr RuleKindSpec kKinds[] = {
    {"welcome", RuleKind::Welcome, {}, 0, false, true, "{}"},
    {"spend_threshold", RuleKind::SpendThreshold, {{{"amount", ParamType::PositiveNumber}}}, 1, false, true,
     R"({"amount": 1000})"},
    {"order_count", RuleKind::OrderCount, {{{"count", ParamType::PositiveWholeNumber}}}, 1, false, true,
     R"({"count": 5})"},
    {"segment_transition", RuleKind::SegmentTransition,
     {{{"from", ParamType::Segment}, {"to", ParamType::Segment}}}, 2, true, true,
     R"({"from": "Potential Loyalist", "to": "Champions"})"},
    {"inactivity", RuleKind::Inactivity, {{{"days", ParamType::PositiveWholeNumber}}}, 1, false, false,
     R"({"days": 90})"},
};

constexpr std::string_view kAnySegment = "*";

// The sign and digits of a number in numeric_out form ([-]digits[.digits]); ok = false otherwise.
struct Decimal {
    bool ok = false;
    bool negative = false;
    bool nonzero = false;      // some digit is not 0
    bool whole = true;         // no fractional digit other than 0
    bool integer_part = false; // a digit other than 0 before the point
};

Decimal read_decimal(std::string_view s) {
    Decimal d;
    std::size_t i = 0;
    if (i < s.size() && s[i] == '-') {
        d.negative = true;
        ++i;
    }
    bool digits = false;
    bool point = false;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '.' && !point) {
            point = true;
            continue;
        }
        if (c < '0' || c > '9') return Decimal{};
        digits = true;
        if (c == '0') continue;
        d.nonzero = true;
        if (point) {
            d.whole = false;
        } else {
            d.integer_part = true;
        }
    }
    d.ok = digits;
    return d;
}

bool valid_value(ParamType type, const JsonParam& p) {
    switch (type) {
    case ParamType::PositiveNumber: {
        const Decimal d = read_decimal(p.value);
        return p.type == JsonType::Number && d.ok && !d.negative && d.nonzero;
    }
    case ParamType::PositiveWholeNumber: {
        const Decimal d = read_decimal(p.value);
        return p.type == JsonType::Number && d.ok && !d.negative && d.whole && d.integer_part;
    }
    case ParamType::Segment: {
        const std::vector<std::string_view> values = segment_values();
        return p.type == JsonType::String && std::find(values.begin(), values.end(), p.value) != values.end();
    }
    }
    return false;
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// What a kind needs, as "a positive number \"amount\"" or "\"from\" and/or \"to\"".
std::string needs(const RuleParam& p) {
    switch (p.type) {
    case ParamType::PositiveNumber:
        return "a positive number " + quoted(p.name);
    case ParamType::PositiveWholeNumber:
        return "a whole number " + quoted(p.name) + " >= 1";
    case ParamType::Segment:
        break;
    }
    return "a segment " + quoted(p.name);
}

std::string any_of_list(const RuleKindSpec& k, std::string_view sep, bool quote) {
    std::string out;
    for (const RuleParam& p : k.params()) {
        if (!out.empty()) out += sep;
        out += quote ? quoted(p.name) : std::string(p.name);
    }
    return out;
}

std::string example_hint(const RuleKindSpec& k) {
    std::string hint = "Example: " + std::string(k.example);
    const auto params = k.params();
    if (std::any_of(params.begin(), params.end(), [](const RuleParam& p) { return p.type == ParamType::Segment; })) {
        hint += "; \"*\" matches any segment";
    }
    return hint;
}

const JsonParam* find_param(const RuleParams& params, std::string_view key) {
    for (const JsonParam& e : params.entries) {
        if (e.key == key) return &e;
    }
    return nullptr;
}

std::string join(const std::vector<std::string_view>& v) {
    std::string out;
    for (std::string_view s : v) {
        if (!out.empty()) out += ", ";
        out += s;
    }
    return out;
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string describe(ParamType t) {
    switch (t) {
    case ParamType::PositiveNumber:
        return "number > 0";
    case ParamType::PositiveWholeNumber:
        return "whole number >= 1";
    case ParamType::Segment:
        break;
    }
    return "RFM segment name or *";
}

} // namespace

std::span<const RuleKindSpec> rule_kinds() noexcept { return kKinds; }

const RuleKindSpec* find_rule_kind(std::string_view rule_type) noexcept {
    for (const RuleKindSpec& k : kKinds) {
        if (k.name == rule_type) return &k;
    }
    return nullptr;
}

std::string rule_kind_names() {
    std::vector<std::string_view> names;
    for (const RuleKindSpec& k : kKinds) names.push_back(k.name);
    return join(names);
}

std::vector<std::string_view> segment_values() {
    std::vector<std::string_view> v(rfm::kSegmentNames.begin(), rfm::kSegmentNames.end());
    v.push_back(kAnySegment);
    return v;
}

std::optional<RuleProblem> rule_problem(std::optional<std::string_view> rule_type, const RuleParams& params) {
    if (!params.is_null && !params.is_object) return RuleProblem{"params must be a JSON object", {}};
    const RuleKindSpec* k = rule_type ? find_rule_kind(*rule_type) : nullptr;
    if (k == nullptr) {
        // a NULL rule_type reads as RAISE printed it
        return RuleProblem{"unknown rule_type " + quoted(rule_type ? *rule_type : "<NULL>"),
                           "Rule types: " + rule_kind_names()};
    }
    const std::string kind(k->name);
    if (k->any_of) {
        const auto ps = k->params();
        const bool some = std::any_of(ps.begin(), ps.end(), [&](const RuleParam& p) { return find_param(params, p.name); });
        if (!some && !params.is_null) {
            return RuleProblem{kind + " needs " + any_of_list(*k, " and/or ", true), example_hint(*k)};
        }
    }
    for (const RuleParam& p : k->params()) {
        const JsonParam* v = find_param(params, p.name);
        if (v == nullptr && k->any_of) continue;
        if (v != nullptr && valid_value(p.type, *v)) continue;
        if (p.type == ParamType::Segment && v != nullptr) {
            return RuleProblem{"unknown segment " + v->json + " in " + quoted(p.name), "Segments: " + join(segment_values())};
        }
        return RuleProblem{kind + " needs " + needs(p), example_hint(*k)};
    }
    for (const JsonParam& e : params.entries) {
        const auto ps = k->params();
        if (std::none_of(ps.begin(), ps.end(), [&](const RuleParam& p) { return p.name == e.key; })) {
            return RuleProblem{"unexpected parameter " + quoted(e.key) + " for rule type " + kind, {}};
        }
    }
    return std::nullopt;
}

std::string parameters_json(const RuleKindSpec& k) {
    std::string out = "{";
    for (const RuleParam& p : k.params()) {
        if (out.size() > 1) out += ", ";
        const std::string rule = k.any_of ? "at least one of " + any_of_list(k, ", ", false) : "required";
        out += json_string(p.name) + ": " + json_string(describe(p.type) + ", " + rule);
    }
    return out + "}";
}

} // namespace c360::events
