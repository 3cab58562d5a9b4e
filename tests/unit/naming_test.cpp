// The naming contract (docs/architecture.md, "Naming contract"), checked on the sources: no
// PostgreSQL needed.
//  - C symbol = "c360_" + SQL function name: an internal name's leading '_' is dropped
//    (c360._fired_rules -> c360_fired_rules: C++ reserves identifiers containing "__"); overloads
//    served by different C functions add a tag naming the argument type or model
//    (c360_rfm_add_date, c360_clv_pareto_nbd); one C function serves one SQL name.
//  - C360_FUNCTION defines every symbol src/sql and the upgrade scripts name, and nothing else;
//    the symbols of the frozen 0.1.0 script that were renamed since are one-line aliases in
//    src/pg/compat_0_1.cpp.
//  - The C360_FUNCTION tag (the prefix of the function's error messages) is the SQL function's own
//    name, or the aggregate it supports (the one aggregate, when only one uses it; at error time
//    the bridge names the aggregate actually running), or for c360.logit_terms the inlined SQL
//    wrapper users call (c360.logit_summary).
//  - No message of src/core or src/pg starts with "c360." (the bridge adds the function's name);
//    a PostgreSQL error raised by the glue itself (elog / ereport inside pg_call, which the bridge
//    passes on unchanged) that names a function starts with a tag of its file and ": ".
//  - One capability name: the src/core folders; src/sql/<capability>.sql,
//    src/pg/<capability>[_<core file>]_pg.{cpp,hpp}, sql/<capability>_*.sql tests.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path kRoot = C360_SOURCE_DIR;

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::vector<fs::path> files(const fs::path& dir, const std::set<std::string>& extensions) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.is_regular_file() && extensions.count(e.path().extension().string())) out.push_back(e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// SQL statements without comments and psql meta-commands, split at the semicolons outside quotes
// and dollar quotes.
std::vector<std::string> sql_statements(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    for (std::size_t i = 0; i < s.size();) {
        if (s.compare(i, 2, "--") == 0 || (s[i] == '\\' && (i == 0 || s[i - 1] == '\n'))) {
            i = s.find('\n', i);
            if (i == std::string::npos) break;
        } else if (s[i] == '\'') {
            const std::size_t end = s.find('\'', i + 1);
            cur += s.substr(i, end - i + 1);
            i = end + 1;
        } else if (s[i] == '$' && std::regex_search(s.substr(i, 64), std::regex("^\\$[A-Za-z_]*\\$"))) {
            const std::string tag = s.substr(i, s.find('$', i + 1) - i + 1);
            const std::size_t end = s.find(tag, i + tag.size());
            cur += s.substr(i, end + tag.size() - i);
            i = end + tag.size();
        } else if (s[i] == ';') {
            out.push_back(cur);
            cur.clear();
            ++i;
        } else {
            cur += s[i++];
        }
    }
    return out;
}

// C++ source without comments (string and character literals kept).
std::string strip_cpp_comments(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        if (s.compare(i, 2, "//") == 0) {
            i = s.find('\n', i);
            if (i == std::string::npos) break;
        } else if (s.compare(i, 2, "/*") == 0) {
            i = s.find("*/", i) + 2;
        } else if (s[i] == '"' || s[i] == '\'') {
            std::size_t j = i + 1;
            while (j < s.size() && s[j] != s[i]) j += s[j] == '\\' ? 2 : 1;
            out += s.substr(i, j - i + 1);
            i = j + 1;
        } else {
            out += s[i++];
        }
    }
    return out;
}

std::string unqualified(const std::string& name) { return name.substr(name.find('.') + 1); }

struct SqlCatalog {
    std::map<std::string, std::set<std::string>> symbols_of; // SQL name (c360.x) -> C symbols
    std::map<std::string, std::set<std::string>> names_of;   // C symbol -> SQL names
    std::map<std::string, std::set<std::string>> aggregates_of; // support function -> aggregates
};

void read_sql(const fs::path& p, SqlCatalog& c) {
    static const std::regex function(R"re(^\s*CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+([\w.]+)\s*\()re", std::regex::icase);
    static const std::regex symbol(R"re('MODULE_PATHNAME'\s*,\s*'(\w+)')re");
    static const std::regex aggregate(R"re(^\s*CREATE\s+(?:OR\s+REPLACE\s+)?AGGREGATE\s+([\w.]+)\s*\()re", std::regex::icase);
    static const std::regex support(R"re(\b(?:SFUNC|FINALFUNC|COMBINEFUNC|SERIALFUNC|DESERIALFUNC|MSFUNC|MINVFUNC|MFINALFUNC)\s*=\s*([\w.]+))re",
                                    std::regex::icase);
    for (const std::string& st : sql_statements(read(p))) {
        std::smatch m;
        if (std::regex_search(st, m, function)) {
            const std::string name = m[1];
            std::smatch sm;
            if (std::regex_search(st, sm, symbol)) {
                c.symbols_of[name].insert(sm[1]);
                c.names_of[sm[1]].insert(name);
            }
        } else if (std::regex_search(st, m, aggregate)) {
            const std::string agg = m[1];
            for (auto it = std::sregex_iterator(st.begin(), st.end(), support); it != std::sregex_iterator(); ++it) {
                c.aggregates_of[(*it)[1]].insert(agg);
            }
        }
    }
}

struct GlueFunction {
    std::string tag;
    std::string file;
};

// C360_FUNCTION(name, "tag") of the glue, with the invocations (in any glue file) of macros that
// define several (#define M(name, ...) C360_FUNCTION(name##_in, "c360." #name "_in") ...).
std::map<std::string, GlueFunction> glue_functions(std::map<std::string, std::string>& aliases) {
    static const std::regex direct(R"re(C360_FUNCTION\(\s*(\w+)\s*,\s*"([^"]*)"\s*\))re");
    static const std::regex define(R"re(#define\s+(\w+)(\([^)]*\))?((?:[^\n]*\\\n)*[^\n]*))re");
    static const std::regex generated(R"re(C360_FUNCTION\(\s*(\w+)##(\w+)\s*,\s*"c360\." #\w+ "(\w+)"\s*\))re");
    static const std::regex alias(R"re(C360_ALIAS_0_1\(\s*(\w+)\s*,\s*(\w+)\s*\))re");
    std::map<std::string, std::string> code;                    // file -> source without comments and #defines
    std::vector<std::pair<std::string, std::string>> generators; // macro, body
    for (const fs::path& p : files(kRoot / "src/pg", {".cpp", ".hpp"})) {
        if (p.filename() == "bridge.hpp") continue; // defines C360_FUNCTION itself
        const std::string s = strip_cpp_comments(read(p));
        std::string& without_defines = code[p.filename().string()] = s;
        for (auto it = std::sregex_iterator(s.begin(), s.end(), define); it != std::sregex_iterator(); ++it) {
            without_defines.replace(without_defines.find((*it)[0]), (*it)[0].length(), "");
            if ((*it)[3].str().find("C360_FUNCTION(") != std::string::npos) generators.emplace_back((*it)[1], (*it)[3]);
        }
    }
    std::map<std::string, GlueFunction> out;
    auto define_symbol = [&](const std::string& name, const std::string& tag, const std::string& file) {
        EXPECT_EQ(out.count("c360_" + name), 0u) << "c360_" << name << " defined twice";
        out["c360_" + name] = {tag, file};
    };
    for (const auto& [file, s] : code) {
        for (const auto& [macro, body] : generators) {
            const std::regex use("\\b" + macro + R"re(\(\s*(\w+)\s*,)re");
            for (auto u = std::sregex_iterator(s.begin(), s.end(), use); u != std::sregex_iterator(); ++u) {
                for (auto g = std::sregex_iterator(body.begin(), body.end(), generated); g != std::sregex_iterator(); ++g) {
                    EXPECT_EQ((*g)[2].str(), (*g)[3].str()) << macro << ": the generated tag must follow the name";
                    const std::string name = (*u)[1].str() + (*g)[2].str();
                    define_symbol(name, "c360." + name, file);
                }
            }
        }
        for (auto it = std::sregex_iterator(s.begin(), s.end(), direct); it != std::sregex_iterator(); ++it) {
            define_symbol((*it)[1], (*it)[2], file);
        }
        if (file == "compat_0_1.cpp") {
            for (auto it = std::sregex_iterator(s.begin(), s.end(), alias); it != std::sregex_iterator(); ++it) {
                aliases[(*it)[1]] = "c360_" + (*it)[2].str();
            }
        } else {
            EXPECT_EQ(s.find("C360_ALIAS_0_1("), std::string::npos) << file << ": 0.1.0 aliases belong in compat_0_1.cpp";
        }
    }
    return out;
}

class Naming : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        for (const fs::path& p : files(kRoot / "src/sql", {".sql"})) read_sql(p, sql_);
        read_sql(kRoot / "control/customer360--0.1.0.sql", frozen_);
        for (const fs::path& p : files(kRoot / "control", {".sql"})) {
            if (p.filename().string().find("--0.1.0.sql") == std::string::npos) read_sql(p, upgrades_);
        }
        glue_ = glue_functions(aliases_);
        ASSERT_GT(sql_.names_of.size(), 100u) << "the SQL sources were not read";
        ASSERT_GT(glue_.size(), 100u) << "the glue was not read";
    }

    static SqlCatalog sql_, frozen_, upgrades_;
    static std::map<std::string, GlueFunction> glue_;
    static std::map<std::string, std::string> aliases_; // 0.1.0 symbol -> its replacement
};

SqlCatalog Naming::sql_, Naming::frozen_, Naming::upgrades_;
std::map<std::string, GlueFunction> Naming::glue_;
std::map<std::string, std::string> Naming::aliases_;

TEST_F(Naming, SymbolIsC360PlusSqlName) {
    for (const auto& [symbol, names] : sql_.names_of) {
        EXPECT_EQ(names.size(), 1u) << symbol << " serves several SQL names";
        const std::string name = *names.begin();
        std::string base = unqualified(name);
        if (base[0] == '_') base.erase(0, 1);
        const std::string expected = "c360_" + base;
        const bool overloaded = sql_.symbols_of[name].size() > 1;
        const bool tagged = overloaded && symbol.rfind(expected + "_", 0) == 0;
        EXPECT_TRUE(symbol == expected || tagged)
            << name << " -> " << symbol << ": expected " << expected
            << (overloaded ? " or " + expected + "_<tag>" : "");
        if (base != unqualified(name)) {
            EXPECT_EQ(sql_.symbols_of.count("c360." + base), 0u) << name << " and c360." << base << " would both be " << expected;
        }
    }
}

TEST_F(Naming, EverySymbolDefinedAndUsed) {
    for (const auto& [symbol, names] : sql_.names_of) {
        EXPECT_EQ(glue_.count(symbol), 1u) << symbol << " (" << *names.begin() << ") has no C360_FUNCTION";
    }
    for (const auto& [symbol, names] : upgrades_.names_of) {
        EXPECT_EQ(glue_.count(symbol), 1u) << "the upgrade script names " << symbol << ", which no C360_FUNCTION defines";
    }
    for (const auto& [symbol, f] : glue_) {
        EXPECT_EQ(sql_.names_of.count(symbol), 1u) << symbol << " (" << f.file << ") is named by no src/sql file";
    }
}

TEST_F(Naming, FrozenSymbolsResolve) {
    for (const auto& [symbol, names] : frozen_.names_of) {
        EXPECT_TRUE(glue_.count(symbol) == 1 || aliases_.count(symbol) == 1)
            << "control/customer360--0.1.0.sql names " << symbol << ": keep it (or an alias in compat_0_1.cpp)";
    }
    for (const auto& [old_symbol, target] : aliases_) {
        EXPECT_EQ(frozen_.names_of.count(old_symbol), 1u) << old_symbol << " is not a 0.1.0 symbol: drop the alias";
        EXPECT_EQ(glue_.count(old_symbol), 0u) << old_symbol << " is both an alias and a C360_FUNCTION";
        EXPECT_EQ(glue_.count(target), 1u) << old_symbol << " forwards to " << target << ", which is not defined";
        EXPECT_EQ(sql_.names_of.count(old_symbol), 0u) << "src/sql still names the 0.1.0 symbol " << old_symbol;
    }
}

// The one exception: a C function whose documented entry point is an SQL-language wrapper that the
// planner inlines (no CONTEXT line then names the wrapper) carries the wrapper's name.
const std::map<std::string, std::string> kInlinedWrapper = {{"c360_logit_terms", "c360.logit_summary"}};

TEST_F(Naming, TagIsTheFunctionOrItsAggregate) {
    for (const auto& [symbol, f] : glue_) {
        if (sql_.names_of.count(symbol) == 0) continue; // reported by EverySymbolDefinedAndUsed
        if (kInlinedWrapper.count(symbol)) {
            EXPECT_EQ(f.tag, kInlinedWrapper.at(symbol)) << symbol;
            continue;
        }
        const std::string name = *sql_.names_of[symbol].begin();
        const std::set<std::string>& aggregates = sql_.aggregates_of[name];
        if (aggregates.size() == 1) {
            EXPECT_EQ(f.tag, *aggregates.begin()) << symbol << " (" << f.file << ") supports only that aggregate";
        } else {
            EXPECT_TRUE(f.tag == name || aggregates.count(f.tag) == 1)
                << symbol << " (" << f.file << ") is tagged " << f.tag << ", not " << name << " or an aggregate it supports";
        }
    }
}

TEST_F(Naming, MessagesDoNotRepeatThePrefix) {
    // The message literal of c360::fail(code, "..."), fail(code, std::string("...") ...), throw std::x("..."),
    // and of PostgreSQL errors raised in the glue (ereport(ERROR, ... errmsg("...")), elog(ERROR, "...")).
    static const std::regex bridged(R"re(\b(?:fail\(\s*[\w:]+\s*,|throw\s+std::\w+\()\s*(?:std::string\(\s*)?"([^"]*)")re");
    static const std::regex raw(R"re(\b(?:ereport\(\s*ERROR\s*,[^;]*?errmsg\(|elog\(\s*ERROR\s*,)\s*"([^"]*)")re");
    std::vector<fs::path> sources;
    for (const auto& e : fs::recursive_directory_iterator(kRoot / "src/core")) {
        if (e.path().extension() == ".cpp" || e.path().extension() == ".hpp") sources.push_back(e.path());
    }
    for (const fs::path& p : files(kRoot / "src/pg", {".cpp", ".hpp"})) sources.push_back(p);
    std::map<std::string, std::set<std::string>> tags_of_file;
    for (const auto& [symbol, f] : glue_) tags_of_file[f.file].insert(f.tag);
    int messages = 0;
    for (const fs::path& p : sources) {
        const std::string s = strip_cpp_comments(read(p));
        for (auto it = std::sregex_iterator(s.begin(), s.end(), bridged); it != std::sregex_iterator(); ++it, ++messages) {
            EXPECT_NE((*it)[1].str().rfind("c360.", 0), 0u) << p << ": \"" << (*it)[1] << "\": the bridge adds the name";
        }
        for (auto it = std::sregex_iterator(s.begin(), s.end(), raw); it != std::sregex_iterator(); ++it, ++messages) {
            const std::string text = (*it)[1];
            if (text.rfind("c360", 0) != 0) continue;
            const std::string prefix = text.substr(0, text.find(": "));
            EXPECT_TRUE(text.find(": ") != std::string::npos && tags_of_file[p.filename().string()].count(prefix) == 1)
                << p << ": \"" << text << "\" must start with the tag of its function and \": \"";
        }
    }
    EXPECT_GT(messages, 150) << "the message patterns no longer match the sources";
}

TEST(NamingLayout, OneCapabilityName) {
    std::set<std::string> capabilities;
    std::map<std::string, std::set<std::string>> core_files; // capability -> file stems
    for (const auto& e : fs::directory_iterator(kRoot / "src/core")) {
        if (!e.is_directory()) continue;
        const std::string cap = e.path().filename().string();
        capabilities.insert(cap);
        for (const fs::path& f : files(e.path(), {".cpp", ".hpp"})) core_files[cap].insert(f.stem().string());
    }
    ASSERT_TRUE(capabilities.count("common") && capabilities.count("rfm"));

    for (const fs::path& p : files(kRoot / "src/sql", {".sql"})) {
        EXPECT_EQ(capabilities.count(p.stem().string()), 1u) << p << ": src/sql/<capability>.sql";
    }

    // src/pg: the house files, and <capability>[_<core file>]_pg.{cpp,hpp}.
    const std::set<std::string> house = {"bridge.hpp", "bridge.cpp", "module.cpp", "arrays.hpp",
                                         "tuples.hpp", "compat_0_1.cpp", "pg_version_compat.hpp"};
    static const std::regex glue(R"re(([a-z]+)(?:_([a-z0-9_]+))?_pg)re");
    for (const fs::path& p : files(kRoot / "src/pg", {".cpp", ".hpp"})) {
        const std::string file = p.filename().string();
        if (house.count(file)) continue;
        std::smatch m;
        const std::string stem = p.stem().string();
        ASSERT_TRUE(std::regex_match(stem, m, glue)) << p << ": <capability>[_<core file>]_pg" << p.extension().string();
        EXPECT_EQ(capabilities.count(m[1]), 1u) << p << ": " << m[1] << " is not a src/core folder";
        if (m[2].matched) {
            EXPECT_EQ(core_files[m[1]].count(m[2]), 1u) << p << ": src/core/" << m[1] << " has no " << m[2] << ".cpp/.hpp";
        }
    }

    // pg_regress tests: <capability>_*.sql, or a house test.
    const std::set<std::string> house_tests = {"bridge", "upgrade", "catalog"};
    for (const fs::path& p : files(kRoot / "sql", {".sql"})) {
        const std::string stem = p.stem().string();
        const std::string cap = stem.substr(0, stem.find('_'));
        EXPECT_TRUE(house_tests.count(stem) || (stem.find('_') != std::string::npos && capabilities.count(cap)))
            << p << ": name a test <capability>_<topic>";
    }
}

} // namespace

TEST(NamingLayout, VersionDifferencesInOneHeader) {
    // #if PG_VERSION_NUM (or any other use of it) only in src/pg/pg_version_compat.hpp (docs/architecture.md).
    std::vector<fs::path> sources;
    for (const auto& e : fs::recursive_directory_iterator(kRoot / "src")) {
        const auto ext = e.path().extension();
        if (ext == ".cpp" || ext == ".hpp" || ext == ".h" || ext == ".c") sources.push_back(e.path());
    }
    int compat_uses = 0;
    for (const fs::path& p : sources) {
        const bool uses = read(p).find("PG_VERSION_NUM") != std::string::npos;
        if (p.filename() == "pg_version_compat.hpp") {
            compat_uses += uses;
        } else {
            EXPECT_FALSE(uses) << p << ": version differences belong in src/pg/pg_version_compat.hpp";
        }
    }
    EXPECT_EQ(compat_uses, 1) << "src/pg/pg_version_compat.hpp should hold the version tests";
}
