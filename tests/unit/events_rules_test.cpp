// Unit tests of the event rule kinds table (src/core/events/rules.hpp): the kinds, their
// parameters, and the validation messages of c360.validate_event_rule (sql/events_tracking.sql
// checks the same messages through the trigger).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "events/rules.hpp"
#include "rfm/rfm.hpp"

namespace ev = c360::events;

namespace {

ev::JsonParam number(std::string key, std::string text) {
    return {std::move(key), ev::JsonType::Number, text, text};
}

ev::JsonParam string(std::string key, std::string text) {
    return {std::move(key), ev::JsonType::String, text, "\"" + text + "\""};
}

ev::RuleParams object(std::vector<ev::JsonParam> entries) {
    ev::RuleParams p;
    p.entries = std::move(entries);
    return p;
}

// The message of a rule's problem, "" when it has none.
std::string problem(std::string_view type, const ev::RuleParams& params) {
    const auto p = ev::rule_problem(type, params);
    return p ? p->message : "";
}

// Its message and hint.
std::pair<std::string, std::string> with_hint(std::string_view type, const ev::RuleParams& params) {
    const auto p = ev::rule_problem(type, params);
    return p ? std::pair(p->message, p->hint) : std::pair<std::string, std::string>();
}

} // namespace

TEST(EventRuleKinds, Table) {
    EXPECT_EQ(ev::rule_kind_names(), "welcome, spend_threshold, order_count, segment_transition, inactivity");
    ASSERT_EQ(ev::rule_kinds().size(), 5u);
    int id = 0;
    for (const ev::RuleKindSpec& k : ev::rule_kinds()) {
        EXPECT_EQ(static_cast<int>(k.kind), id++) << k.name; // the ids the tracking trigger switches on
        EXPECT_EQ(ev::find_rule_kind(k.name), &k);
        EXPECT_EQ(k.realtime, k.kind != ev::RuleKind::Inactivity) << k.name;
        EXPECT_LE(k.params().size(), k.slots.size());
    }
    EXPECT_EQ(ev::find_rule_kind("birthday_cake"), nullptr);
    EXPECT_EQ(ev::find_rule_kind("Welcome"), nullptr);
    const ev::RuleKindSpec* spend = ev::find_rule_kind("spend_threshold");
    ASSERT_NE(spend, nullptr);
    ASSERT_EQ(spend->params().size(), 1u);
    EXPECT_EQ(spend->params()[0].name, "amount");
    EXPECT_EQ(ev::parameters_json(*spend), R"({"amount": "number > 0, required"})");
    EXPECT_EQ(ev::parameters_json(*ev::find_rule_kind("welcome")), "{}");
    EXPECT_EQ(ev::parameters_json(*ev::find_rule_kind("segment_transition")),
              R"({"from": "RFM segment name or *, at least one of from, to", )"
              R"("to": "RFM segment name or *, at least one of from, to"})");
}

TEST(EventRuleKinds, SegmentsAreTheRfmSegments) {
    // every name c360::rfm::segment returns is in kSegmentNames, and each of those is returned
    std::set<std::string> returned;
    for (int r = 1; r <= 5; ++r)
        for (int f = 1; f <= 5; ++f)
            for (int m = 1; m <= 5; ++m) returned.insert(c360::rfm::segment(r, f, m));
    const std::set<std::string> listed(c360::rfm::kSegmentNames.begin(), c360::rfm::kSegmentNames.end());
    EXPECT_EQ(returned, listed);
    const auto values = ev::segment_values();
    EXPECT_EQ(values.size(), c360::rfm::kSegmentNames.size() + 1);
    EXPECT_EQ(values.back(), "*");
}

TEST(EventRuleKinds, ValidRules) {
    EXPECT_EQ(problem("welcome", object({})), "");
    EXPECT_EQ(problem("spend_threshold", object({number("amount", "100")})), "");
    EXPECT_EQ(problem("spend_threshold", object({number("amount", "0.0001")})), "");
    EXPECT_EQ(problem("order_count", object({number("count", "3")})), "");
    EXPECT_EQ(problem("order_count", object({number("count", "3.000")})), ""); // whole, as numeric compares
    EXPECT_EQ(problem("inactivity", object({number("days", "90")})), "");
    EXPECT_EQ(problem("segment_transition", object({string("to", "Champions")})), "");
    EXPECT_EQ(problem("segment_transition", object({string("to", "*"), string("from", "Can't Lose Them")})), "");
}

TEST(EventRuleKinds, MessagesOfRelease010) {
    // the messages and hints of 0.1.0's trigger, word for word
    using MH = std::pair<std::string, std::string>;
    EXPECT_EQ(with_hint("birthday_cake", object({})),
              MH(R"(unknown rule_type "birthday_cake")",
                 "Rule types: welcome, spend_threshold, order_count, segment_transition, inactivity"));
    EXPECT_EQ(ev::rule_problem(std::nullopt, object({}))->message, R"(unknown rule_type "<NULL>")");

    const std::string amount = R"(spend_threshold needs a positive number "amount")";
    EXPECT_EQ(with_hint("spend_threshold", object({number("amount", "-10")})), MH(amount, R"(Example: {"amount": 1000})"));
    EXPECT_EQ(problem("spend_threshold", object({string("amount", "lots")})), amount);
    EXPECT_EQ(problem("spend_threshold", object({number("amount", "0")})), amount);
    EXPECT_EQ(problem("spend_threshold", object({})), amount);

    const std::string count = R"(order_count needs a whole number "count" >= 1)";
    EXPECT_EQ(with_hint("order_count", object({number("count", "2.5")})), MH(count, R"(Example: {"count": 5})"));
    EXPECT_EQ(problem("order_count", object({number("count", "0")})), count);
    EXPECT_EQ(problem("order_count", object({number("count", "0.5")})), count);
    EXPECT_EQ(problem("order_count", object({number("count", "-3")})), count);
    EXPECT_EQ(with_hint("inactivity", object({number("days", "0")})),
              MH(R"(inactivity needs a whole number "days" >= 1)", R"(Example: {"days": 90})"));

    EXPECT_EQ(with_hint("segment_transition", object({})),
              MH(R"(segment_transition needs "from" and/or "to")",
                 R"(Example: {"from": "Potential Loyalist", "to": "Champions"}; "*" matches any segment)"));
    EXPECT_EQ(with_hint("segment_transition", object({string("to", "VIP")})),
              MH(R"(unknown segment "VIP" in "to")",
                 "Segments: Champions, Loyal Customers, Can't Lose Them, At Risk, Potential Loyalist, "
                 "New Customers, Promising, Need Attention, About To Sleep, Hibernating, Lost, *"));
    // "from" is checked before "to", whatever the key order; a non-string shows as JSON
    EXPECT_EQ(problem("segment_transition", object({string("to", "VIP"), number("from", "5")})),
              R"(unknown segment 5 in "from")");

    EXPECT_EQ(with_hint("welcome", object({number("delay", "3")})),
              MH(R"(unexpected parameter "delay" for rule type welcome)", ""));
    // a kind's own checks come first, then the keys in their order
    EXPECT_EQ(problem("spend_threshold", object({number("x", "1")})), amount);
    EXPECT_EQ(problem("spend_threshold", object({number("x", "1"), number("amount", "5")})),
              R"(unexpected parameter "x" for rule type spend_threshold)");

    ev::RuleParams array;
    array.is_object = false;
    EXPECT_EQ(with_hint("welcome", array), MH("params must be a JSON object", ""));
    EXPECT_EQ(problem("birthday_cake", array), "params must be a JSON object"); // checked before the type
}

TEST(EventRuleKinds, NullParams) {
    // as 0.1.0 evaluated a NULL params: required parameters missing, an any_of kind passes (the
    // column's NOT NULL then rejects the row)
    ev::RuleParams null;
    null.is_null = true;
    null.is_object = false;
    EXPECT_EQ(problem("welcome", null), "");
    EXPECT_EQ(problem("segment_transition", null), "");
    EXPECT_EQ(problem("spend_threshold", null), R"(spend_threshold needs a positive number "amount")");
    EXPECT_EQ(problem("nope", null), R"(unknown rule_type "nope")");
}

TEST(EventRuleKinds, NumbersAreReadAsDecimals) {
    // not through a double: 1e-400 is positive, 1.0000000000000000001 is not whole
    EXPECT_EQ(problem("spend_threshold", object({number("amount", "0." + std::string(399, '0') + "1")})), "");
    EXPECT_NE(problem("order_count", object({number("count", "1.0000000000000000001")})), "");
    EXPECT_EQ(problem("order_count", object({number("count", "100000000000000000000000000001")})), "");
    EXPECT_NE(problem("order_count", object({number("count", "1e3")})), ""); // not numeric_out's form
    EXPECT_NE(problem("order_count", object({number("count", "")})), "");
    EXPECT_NE(problem("order_count", object({number("count", "-")})), "");
}
