#include "match/fs.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.hpp"

namespace c360::match {

namespace {

constexpr double kFloor = 1e-6; // no zero m/u: EM would get stuck and weights be infinite

void check_levels(const int* nlevels, int k) {
    if (k < 1 || k > kMaxFields) {
        fail(ErrorCode::InvalidParameter,
             "a comparison vector must have between 1 and " + std::to_string(kMaxFields) + " fields, got " +
                 std::to_string(k));
    }
    for (int i = 0; i < k; ++i) {
        if (nlevels[i] < 2 || nlevels[i] > kMaxLevels) {
            fail(ErrorCode::InvalidParameter,
                 "field " + std::to_string(i + 1) + " has " + std::to_string(nlevels[i]) +
                     " levels; each field needs between 2 and " + std::to_string(kMaxLevels));
        }
    }
}

// Every value at least `floor`, rescaled to sum to 1.
void normalise(std::vector<double>& p, double floor = kFloor) {
    double s = 0.0;
    for (double& x : p) {
        x = std::max(x, floor);
        s += x;
    }
    for (double& x : p) x /= s;
}

bool finite_count(double c) { return std::isfinite(c) && c >= 0.0 && c == std::floor(c); }

// The non-empty cells of a pattern table as (levels, count); patterns whose fields are all null
// carry no information and are left out.
void decode_patterns(const double* counts, std::size_t cells, const std::vector<int>& nlevels,
                     std::vector<std::vector<int>>& pat, std::vector<double>& cnt) {
    const int k = static_cast<int>(nlevels.size());
    for (std::size_t c = 0; c < cells; ++c) {
        if (counts[c] == 0.0) continue;
        std::vector<int> lv(static_cast<std::size_t>(k));
        std::size_t rest = c;
        for (int i = k - 1; i >= 0; --i) {
            const std::size_t base = static_cast<std::size_t>(nlevels[static_cast<std::size_t>(i)] + 1);
            lv[static_cast<std::size_t>(i)] = static_cast<int>(rest % base) - 1;
            rest /= base;
        }
        if (std::all_of(lv.begin(), lv.end(), [](int l) { return l < 0; })) continue;
        pat.push_back(std::move(lv));
        cnt.push_back(counts[c]);
    }
}

} // namespace

std::size_t pattern_cells(const int* nlevels, int k) {
    check_levels(nlevels, k);
    std::size_t cells = 1;
    for (int i = 0; i < k; ++i) {
        cells *= static_cast<std::size_t>(nlevels[i] + 1);
        if (cells > kMaxPatternCells) {
            fail(ErrorCode::ProgramLimitExceeded,
                 "too many comparison patterns: the product of (levels + 1) over the fields exceeds " +
                     std::to_string(kMaxPatternCells),
                 {}, "Use fewer fields or fewer levels per field.");
        }
    }
    return cells;
}

std::vector<double> empty_patterns(const int* nlevels, int k) {
    const std::size_t cells = pattern_cells(nlevels, k);
    std::vector<double> t(patterns_counts_at(k) + cells, 0.0);
    t[kTagAt] = kPatternsTag;
    t[kFieldsAt] = k;
    for (int i = 0; i < k; ++i) t[kPatternsHeader + static_cast<std::size_t>(i)] = nlevels[i];
    return t;
}

int validate_patterns(const double* t, std::size_t len) {
    if (len < kPatternsHeader || t[kTagAt] != kPatternsTag || !(t[kFieldsAt] >= 1 && t[kFieldsAt] <= kMaxFields) ||
        t[kFieldsAt] != std::floor(t[kFieldsAt])) {
        fail(ErrorCode::DataCorrupted, "not a comparison pattern table (c360.fs_patterns result)");
    }
    const int k = static_cast<int>(t[kFieldsAt]);
    if (len < patterns_counts_at(k)) {
        fail(ErrorCode::DataCorrupted, "truncated comparison pattern table");
    }
    std::vector<int> nl(static_cast<std::size_t>(k));
    for (int i = 0; i < k; ++i) {
        const double v = t[kPatternsHeader + static_cast<std::size_t>(i)];
        if (!(v >= 2 && v <= kMaxLevels) || v != std::floor(v)) {
            fail(ErrorCode::DataCorrupted, "corrupted comparison pattern table: bad level count");
        }
        nl[static_cast<std::size_t>(i)] = static_cast<int>(v);
    }
    const std::size_t cells = pattern_cells(nl.data(), k);
    if (len != patterns_counts_at(k) + cells) {
        fail(ErrorCode::DataCorrupted, "corrupted comparison pattern table: wrong length");
    }
    for (std::size_t i = 0; i < cells; ++i) {
        if (!finite_count(t[patterns_counts_at(k) + i])) {
            fail(ErrorCode::DataCorrupted, "corrupted comparison pattern table: bad count");
        }
    }
    return k;
}

std::size_t pattern_index(const double* t, std::size_t len, const int* levels, const bool* nulls, int k) {
    if (len < kPatternsHeader || static_cast<int>(t[kFieldsAt]) != k) {
        fail(ErrorCode::InvalidParameter,
             "comparison vector has " + std::to_string(k) + " levels, the table expects " +
                 std::to_string(len >= kPatternsHeader ? static_cast<int>(t[kFieldsAt]) : 0));
    }
    std::size_t idx = 0;
    for (int i = 0; i < k; ++i) {
        const int nl = static_cast<int>(t[kPatternsHeader + static_cast<std::size_t>(i)]);
        const int lv = nulls[i] ? -1 : levels[i];
        if (lv < -1 || lv >= nl) {
            fail(ErrorCode::InvalidParameter, "level " + std::to_string(lv) + " of field " + std::to_string(i + 1) +
                                                  " is out of range -1.." + std::to_string(nl - 1));
        }
        idx = idx * static_cast<std::size_t>(nl + 1) + static_cast<std::size_t>(lv + 1);
    }
    return idx;
}

FsModel estimate(const double* table, std::size_t len, const double* u_table, std::size_t u_len,
                 const EmOptions& opt) {
    const int k = validate_patterns(table, len);
    if (opt.max_iterations < 1 || opt.max_iterations > 10000 || !(opt.tolerance > 0) ||
        !(opt.initial_lambda > 0 && opt.initial_lambda < 1)) {
        fail(ErrorCode::InvalidParameter,
             "EM options out of range: max_iterations 1..10000, tolerance > 0, 0 < initial_lambda < 1");
    }
    FsModel m;
    m.levels.assign(table + kPatternsHeader, table + patterns_counts_at(k));
    const std::size_t cells = len - patterns_counts_at(k);
    const double* counts = table + patterns_counts_at(k);
    std::vector<std::vector<int>> pat;
    std::vector<double> cnt;
    decode_patterns(counts, cells, m.levels, pat, cnt);
    double total = 0.0;
    for (double c : cnt) total += c;
    if (total == 0.0) {
        fail(ErrorCode::InvalidParameter, "no comparison vectors to train on (every pair is empty or all-null)");
    }
    // u: from random pairs when given, else the level frequencies among all candidate pairs
    m.m.resize(static_cast<std::size_t>(k));
    m.u.resize(static_cast<std::size_t>(k));
    auto frequencies = [&](const std::vector<std::vector<int>>& pats, const std::vector<double>& cs) {
        std::vector<std::vector<double>> f(static_cast<std::size_t>(k));
        for (int i = 0; i < k; ++i) f[static_cast<std::size_t>(i)].assign(static_cast<std::size_t>(m.levels[static_cast<std::size_t>(i)]), 0.0);
        for (std::size_t p = 0; p < pats.size(); ++p) {
            for (int i = 0; i < k; ++i) {
                const int lv = pats[p][static_cast<std::size_t>(i)];
                if (lv >= 0) f[static_cast<std::size_t>(i)][static_cast<std::size_t>(lv)] += cs[p];
            }
        }
        for (auto& v : f) normalise(v);
        return f;
    };
    if (u_table != nullptr) {
        const int uk = validate_patterns(u_table, u_len);
        if (uk != k || !std::equal(m.levels.begin(), m.levels.end(), u_table + kPatternsHeader)) {
            fail(ErrorCode::InvalidParameter, "the random-pair table has different fields or levels");
        }
        std::vector<std::vector<int>> upat;
        std::vector<double> ucnt;
        decode_patterns(u_table + patterns_counts_at(k), u_len - patterns_counts_at(k), m.levels, upat, ucnt);
        m.u = frequencies(upat, ucnt);
    } else {
        m.u = frequencies(pat, cnt);
    }
    for (int i = 0; i < k; ++i) {
        auto& v = m.m[static_cast<std::size_t>(i)];
        v.resize(static_cast<std::size_t>(m.levels[static_cast<std::size_t>(i)]));
        for (std::size_t l = 0; l < v.size(); ++l) v[l] = std::pow(4.0, static_cast<double>(l));
        normalise(v);
    }
    m.lambda = opt.initial_lambda;
    std::vector<double> w(pat.size());
    for (int it = 1; it <= opt.max_iterations; ++it) {
        check_interrupts();
        m.iterations = it;
        // E step
        for (std::size_t p = 0; p < pat.size(); ++p) {
            double lm = std::log(m.lambda);
            double lu = std::log1p(-m.lambda);
            for (int i = 0; i < k; ++i) {
                const int lv = pat[p][static_cast<std::size_t>(i)];
                if (lv < 0) continue;
                lm += std::log(m.m[static_cast<std::size_t>(i)][static_cast<std::size_t>(lv)]);
                lu += std::log(m.u[static_cast<std::size_t>(i)][static_cast<std::size_t>(lv)]);
            }
            w[p] = 1.0 / (1.0 + std::exp(lu - lm));
        }
        // M step
        FsModel next = m;
        double matched = 0.0;
        for (int i = 0; i < k; ++i) {
            std::fill(next.m[static_cast<std::size_t>(i)].begin(), next.m[static_cast<std::size_t>(i)].end(), 0.0);
            if (!opt.fix_u) std::fill(next.u[static_cast<std::size_t>(i)].begin(), next.u[static_cast<std::size_t>(i)].end(), 0.0);
        }
        for (std::size_t p = 0; p < pat.size(); ++p) {
            matched += cnt[p] * w[p];
            for (int i = 0; i < k; ++i) {
                const int lv = pat[p][static_cast<std::size_t>(i)];
                if (lv < 0) continue;
                next.m[static_cast<std::size_t>(i)][static_cast<std::size_t>(lv)] += cnt[p] * w[p];
                if (!opt.fix_u) next.u[static_cast<std::size_t>(i)][static_cast<std::size_t>(lv)] += cnt[p] * (1.0 - w[p]);
            }
        }
        for (int i = 0; i < k; ++i) {
            normalise(next.m[static_cast<std::size_t>(i)]);
            if (!opt.fix_u) normalise(next.u[static_cast<std::size_t>(i)]);
        }
        next.lambda = std::clamp(matched / total, kFloor, 1.0 - kFloor);
        double change = std::abs(next.lambda - m.lambda);
        for (int i = 0; i < k; ++i) {
            for (std::size_t l = 0; l < next.m[static_cast<std::size_t>(i)].size(); ++l) {
                change = std::max(change, std::abs(next.m[static_cast<std::size_t>(i)][l] - m.m[static_cast<std::size_t>(i)][l]));
                change = std::max(change, std::abs(next.u[static_cast<std::size_t>(i)][l] - m.u[static_cast<std::size_t>(i)][l]));
            }
        }
        m = std::move(next);
        if (change < opt.tolerance) break;
    }
    return m;
}

double estimate_prior(const double* table, std::size_t len, const FsModel& model, int max_iterations, double tolerance) {
    const int k = validate_patterns(table, len);
    if (k != static_cast<int>(model.levels.size()) ||
        !std::equal(model.levels.begin(), model.levels.end(), table + kPatternsHeader)) {
        fail(ErrorCode::InvalidParameter, "the pattern table and the model have different fields or levels");
    }
    if (max_iterations < 1 || max_iterations > 100000 || !(tolerance > 0)) {
        fail(ErrorCode::InvalidParameter, "EM options out of range: max_iterations 1..100000, tolerance > 0");
    }
    std::vector<std::vector<int>> pat;
    std::vector<double> cnt;
    decode_patterns(table + patterns_counts_at(k), len - patterns_counts_at(k), model.levels, pat, cnt);
    double total = 0.0;
    for (double c : cnt) total += c;
    if (total == 0.0) {
        fail(ErrorCode::InvalidParameter, "no comparison vectors (every pair is empty or all-null)");
    }
    // log Bayes factor of each pattern, then lambda <- mean posterior
    std::vector<double> lbf(pat.size(), 0.0);
    for (std::size_t p = 0; p < pat.size(); ++p) {
        for (int i = 0; i < k; ++i) {
            const int lv = pat[p][static_cast<std::size_t>(i)];
            if (lv < 0) continue;
            lbf[p] += std::log(model.m[static_cast<std::size_t>(i)][static_cast<std::size_t>(lv)]) -
                      std::log(model.u[static_cast<std::size_t>(i)][static_cast<std::size_t>(lv)]);
        }
    }
    double lambda = 0.5;
    for (int it = 0; it < max_iterations; ++it) {
        check_interrupts();
        const double prior = std::log(lambda) - std::log1p(-lambda);
        double matched = 0.0;
        for (std::size_t p = 0; p < pat.size(); ++p) matched += cnt[p] / (1.0 + std::exp(-(prior + lbf[p])));
        const double next = std::clamp(matched / total, kFloor, 1.0 - kFloor);
        const bool done = std::abs(next - lambda) < tolerance;
        lambda = next;
        if (done) break;
    }
    return lambda;
}

std::vector<double> to_array(const FsModel& m) {
    std::vector<double> a(kModelHeader);
    a[kTagAt] = kModelTag;
    a[kFieldsAt] = static_cast<double>(m.levels.size());
    a[kModelLambdaAt] = m.lambda;
    a[kModelIterationsAt] = static_cast<double>(m.iterations);
    for (int l : m.levels) a.push_back(l);
    for (std::size_t i = 0; i < m.levels.size(); ++i) {
        a.insert(a.end(), m.m[i].begin(), m.m[i].end());
        a.insert(a.end(), m.u[i].begin(), m.u[i].end());
    }
    if (m.has_tf()) {
        a.push_back(kModelTfTag);
        for (std::size_t i = 0; i < m.levels.size(); ++i) {
            const TermFrequencies& tf = m.tf[i];
            a.push_back(tf.weight);
            a.push_back(tf.min_u);
            if (tf.enabled()) {
                const std::vector<double> t = tf_to_table(tf);
                a.insert(a.end(), t.begin(), t.end());
            } else {
                a.insert(a.end(), {kTfTableTag, 1.0, 0.0});
            }
        }
    }
    return a;
}

bool FsModel::has_tf() const noexcept {
    return std::any_of(tf.begin(), tf.end(), [](const TermFrequencies& t) { return t.enabled(); });
}

void set_term_frequencies(FsModel& m, int field, TermFrequencies tf, double weight, double min_u) {
    if (field < 0 || field >= static_cast<int>(m.levels.size())) {
        fail(ErrorCode::InvalidParameter, "field " + std::to_string(field + 1) + " does not exist in the model (it has " +
                                              std::to_string(m.levels.size()) + " fields)");
    }
    if (!(weight > 0 && weight <= kMaxTfWeight)) {
        fail(ErrorCode::InvalidParameter, "the term-frequency adjustment weight must be in (0, 16]");
    }
    if (!(min_u >= 0 && min_u < 1)) fail(ErrorCode::InvalidParameter, "the minimum u must be in [0, 1)");
    if (m.tf.empty()) m.tf.resize(m.levels.size());
    tf.weight = weight;
    tf.min_u = min_u;
    m.tf[static_cast<std::size_t>(field)] = std::move(tf);
}

double field_weight_tf(const FsModel& m, int field, int level, double freq_l, double freq_r) {
    double w = field_weight(m, field, level);
    const auto f = static_cast<std::size_t>(field);
    if (!m.tf.empty() && m.tf[f].enabled() && level == m.levels[f] - 1) {
        w += tf_adjustment(m.tf[f], m.u[f][static_cast<std::size_t>(level)], freq_l, freq_r);
    }
    return w;
}

FsModel from_array(const double* a, std::size_t len) {
    auto bad = [](const std::string& why) {
        fail(ErrorCode::DataCorrupted, "invalid match model: " + why, {},
             "Models come from c360.fs_estimate; do not edit the array by hand.");
    };
    if (len < kModelHeader || a[kTagAt] != kModelTag) bad("not a c360 match model");
    if (!(a[kFieldsAt] >= 1 && a[kFieldsAt] <= kMaxFields) || a[kFieldsAt] != std::floor(a[kFieldsAt])) {
        bad("bad field count");
    }
    const int k = static_cast<int>(a[kFieldsAt]);
    FsModel m;
    m.lambda = a[kModelLambdaAt];
    if (!(m.lambda > 0 && m.lambda < 1)) bad("lambda must be in (0, 1)");
    if (!(a[kModelIterationsAt] >= 0 && a[kModelIterationsAt] <= 1e6)) bad("bad iteration count");
    m.iterations = static_cast<int>(a[kModelIterationsAt]);
    if (len < model_blocks_at(k)) bad("truncated");
    std::size_t pos = model_blocks_at(k);
    for (int i = 0; i < k; ++i) {
        const double v = a[kModelHeader + static_cast<std::size_t>(i)];
        if (!(v >= 2 && v <= kMaxLevels) || v != std::floor(v)) bad("bad level count");
        m.levels.push_back(static_cast<int>(v));
    }
    for (std::size_t i = 0; i < m.levels.size(); ++i) {
        const std::size_t nl = static_cast<std::size_t>(m.levels[i]);
        if (pos + 2 * nl > len) bad("truncated");
        for (int which = 0; which < 2; ++which) {
            std::vector<double> p(a + pos, a + pos + nl);
            double s = 0.0;
            for (double x : p) {
                if (!(x > 0 && x <= 1)) bad("probabilities must be in (0, 1]");
                s += x;
            }
            if (std::abs(s - 1.0) > 1e-9) bad("probabilities of a field must sum to 1");
            (which == 0 ? m.m : m.u).push_back(std::move(p));
            pos += nl;
        }
    }
    if (pos < len) { // the term-frequency section
        if (a[pos] != kModelTfTag) bad("wrong length");
        ++pos;
        m.tf.resize(m.levels.size());
        for (std::size_t i = 0; i < m.levels.size(); ++i) {
            if (pos + 2 + kTfTableHeader > len) bad("truncated term-frequency section");
            const double weight = a[pos];
            const double min_u = a[pos + 1];
            if (!(weight >= 0 && weight <= kMaxTfWeight)) bad("term-frequency weight must be in [0, 16]");
            if (!(min_u >= 0 && min_u < 1)) bad("term-frequency minimum u must be in [0, 1)");
            pos += 2;
            const double n = a[pos + 2];
            if (!(n >= 0 && n <= static_cast<double>(len - pos - kTfTableHeader) / 2) || n != std::floor(n)) {
                bad("truncated term-frequency table");
            }
            const std::size_t tlen = kTfTableHeader + 2 * static_cast<std::size_t>(n);
            TermFrequencies tf = tf_from_table(a + pos, tlen, "match model");
            pos += tlen;
            if (weight == 0 && !(tf.counts.empty() && tf.records == 1 && min_u == 0)) bad("field without adjustment holds a table");
            tf.weight = weight;
            tf.min_u = min_u;
            m.tf[i] = std::move(tf);
        }
        if (!m.has_tf()) bad("term-frequency section without an adjusted field");
    }
    if (pos != len) bad("wrong length");
    return m;
}

double field_weight(const FsModel& m, int field, int level) {
    if (field < 0 || field >= static_cast<int>(m.levels.size())) {
        fail(ErrorCode::InvalidParameter, "field " + std::to_string(field + 1) + " does not exist in the model");
    }
    if (level == -1) return 0.0;
    if (level < -1 || level >= m.levels[static_cast<std::size_t>(field)]) {
        fail(ErrorCode::InvalidParameter, "level " + std::to_string(level) + " of field " + std::to_string(field + 1) +
                                              " is out of range -1.." + std::to_string(m.levels[static_cast<std::size_t>(field)] - 1));
    }
    return std::log2(m.m[static_cast<std::size_t>(field)][static_cast<std::size_t>(level)] /
                     m.u[static_cast<std::size_t>(field)][static_cast<std::size_t>(level)]);
}

double match_weight(const FsModel& m, const int* levels, const bool* nulls, int k) {
    if (k != static_cast<int>(m.levels.size())) {
        fail(ErrorCode::InvalidParameter, "comparison vector has " + std::to_string(k) + " levels, the model has " +
                                              std::to_string(m.levels.size()) + " fields");
    }
    double w = std::log2(m.lambda / (1.0 - m.lambda));
    for (int i = 0; i < k; ++i) w += field_weight(m, i, nulls[i] ? -1 : levels[i]);
    return w;
}

double probability_of_weight(double w) { return 1.0 / (1.0 + std::exp2(-w)); }

PatternPairs pattern_pairs(const double* table, std::size_t len) {
    const int k = validate_patterns(table, len);
    PatternPairs p;
    for (std::size_t c = patterns_counts_at(k); c < len; ++c) {
        p.total += table[c];
        if (c > patterns_counts_at(k)) p.compared += table[c];
    }
    return p;
}

FsModel combine_rule_fits(const std::vector<RuleFit>& fits, double random_pairs) {
    auto left_out = [](std::size_t i) {
        fail(ErrorCode::InvalidParameter,
             "every fit leaves out field " + std::to_string(i + 1) + ", so its m cannot be estimated", {},
             "Each field needs a blocking rule that does not use it.");
    };
    if (fits.empty()) left_out(0);
    if (!(random_pairs > 0) || !std::isfinite(random_pairs)) fail(ErrorCode::InvalidParameter, "the random-pair table holds no pair");
    FsModel out;
    out.levels = fits.front().model.levels;
    out.lambda = 0.5;
    const std::size_t k = out.levels.size();
    std::vector<std::vector<double>> m_sum(k); // per field and level: sum of expected matches x m
    std::vector<double> w_sum(k, 0.0);         // per field: sum of expected matches
    for (std::size_t i = 0; i < k; ++i) m_sum[i].assign(static_cast<std::size_t>(out.levels[i]), 0.0);
    for (const RuleFit& f : fits) {
        if (!std::isfinite(f.compared) || !(f.compared > 0)) {
            fail(ErrorCode::InvalidParameter, "a blocking rule's compared pair count must be a positive finite number");
        }
        if (f.model.levels != out.levels || f.masked.size() != k) {
            fail(ErrorCode::InvalidParameter, "the blocking rules' models have different fields or levels");
        }
        out.iterations += f.model.iterations;
        const double expected = f.model.lambda * f.compared;
        for (std::size_t i = 0; i < k; ++i) {
            if (f.masked[i]) continue;
            for (std::size_t l = 0; l < m_sum[i].size(); ++l) m_sum[i][l] += expected * f.model.m[i][l];
            w_sum[i] += expected;
        }
    }
    for (std::size_t i = 0; i < k; ++i) {
        if (!(w_sum[i] > 0)) left_out(i);
        std::vector<double> m(m_sum[i].size());
        for (std::size_t l = 0; l < m.size(); ++l) m[l] = m_sum[i][l] / w_sum[i];
        normalise(m);
        std::vector<double> u = fits.back().model.u[i];
        normalise(u, 0.5 / random_pairs); // a level never seen: half a pair of the sample, not ~0
        out.m.push_back(std::move(m));
        out.u.push_back(std::move(u));
    }
    return out;
}

void spread_prior(FsModel& model, const double* candidates, std::size_t len, double records) {
    if (!(records >= 2)) fail(ErrorCode::InvalidParameter, "a table of fewer than 2 records has no pair");
    const double share = estimate_prior(candidates, len, model, 1000, 1e-9);
    const double lambda = share * pattern_pairs(candidates, len).compared / (records * (records - 1) / 2);
    model.lambda = std::min(std::max(lambda, 1e-300), 0.5);
}

} // namespace c360::match
