// French postal addresses (src/core/match/address.hpp): test vectors derived from the published rules.
// Sources (docs/match.md, "French postal addresses"), cited per vector:
//   [R6]   La Poste SNA, "Les 6 règles d'or de la norme" (NF Z10-011): at most 6 lines, at most 38
//          characters per line spaces included, one space between words, abbreviations only when the
//          street label exceeds 32 characters (AVENUE DES FLEURS stays whole), no punctuation from
//          line 4 on, the last 3 lines in upper case.
//   [VOIE] La Poste SNA, "La voie (ligne 4)": the number is not 0 and has at most 4 digits, with a letter
//          A, B, C... or an extension B, T, Q, C for BIS, TER, QUATER, QUINQUIES; of a series of numbers
//          only the first is kept (15 for 15/17); the street type is optional (LA CANEBIERE).
//   [FAQ]  La Poste SNA, addressing FAQ: 5 bis / 5 ter are written 5 B / 5 T; 4 to 8 is written 4 and
//          12/14 is written 12; line 6 is the postcode and locality, or the CEDEX postcode and office.
//   [ABR]  La Poste SNA, "Les règles d'abréviation des noms de voies": titles have standard short words,
//          articles are dropped (the nobiliary DE is part of the name), SAINT/SAINTE is written in full
//          in a street label but abbreviated in the locality (line 6).
//   [UPU]  UPU, postal addressing systems, France: line 2 delivery point (apartment, floor, staircase),
//          line 3 building, line 4 number and street, line 5 BP / lieu-dit, line 6 postcode and locality;
//          SAINT/SAINTE written ST/STE in the locality; CEDEX never dropped, maybe followed by 1-2 digits;
//          example 25 RUE DE L EGLISE / CAUDOS / 33380 MIOS.
//   [RIL]  INSEE RIL documentation: street type abbreviations of NF Z10-011 (ALL, AV, BD, CHE, PL...).
//   [L46]  Lines 4 to 6 hold only letters, digits and spaces; the postcode is 5 digits without separator.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "match/address.hpp"
#include "match/compare.hpp"

using namespace c360::match;

namespace {

struct Vector {
    const char* address;
    const char* postcode; // nullptr: not given
    const char* city;
    const char* normalized; // nullptr: NULL
    const char* key;        // nullptr: NULL
    const char* rule;
};

std::optional<std::string_view> opt(const char* s) {
    if (s == nullptr) return std::nullopt;
    return std::string_view(s);
}

const std::vector<Vector> kVectors = {
    // [FAQ] 12 bis -> 12 B; [RIL] AV = AVENUE; hyphens and case do not matter: one key
    {"12 bis av. Victor Hugo 75016 Paris", nullptr, nullptr, "12 B AVENUE VICTOR HUGO, 75016 PARIS", "75016|AVENUE|VICTOR HUGO|12B", "FAQ RIL"},
    {"12B AVENUE VICTOR-HUGO, 75016 PARIS", nullptr, nullptr, "12 B AVENUE VICTOR HUGO, 75016 PARIS", "75016|AVENUE|VICTOR HUGO|12B", "FAQ L46"},
    {"12 BIS AVENUE VICTOR HUGO", "75016", "PARIS", "12 B AVENUE VICTOR HUGO, 75016 PARIS", "75016|AVENUE|VICTOR HUGO|12B", "FAQ"},
    {"12 b avenue victor hugo", "75016", "paris", "12 B AVENUE VICTOR HUGO, 75016 PARIS", "75016|AVENUE|VICTOR HUGO|12B", "VOIE"},
    // [FAQ] 5 ter -> 5 T; [VOIE] quater Q, quinquies C; a plain letter index kept
    {"5 ter rue Pasteur", "13008", "Marseille", "5 T RUE PASTEUR, 13008 MARSEILLE", "13008|RUE|PASTEUR|5T", "FAQ"},
    {"5 quater rue Pasteur", "13008", "Marseille", "5 Q RUE PASTEUR, 13008 MARSEILLE", "13008|RUE|PASTEUR|5Q", "VOIE"},
    {"5 quinquies rue Pasteur", "13008", "Marseille", "5 C RUE PASTEUR, 13008 MARSEILLE", "13008|RUE|PASTEUR|5C", "VOIE"},
    {"5A rue Pasteur", "13008", "Marseille", "5 A RUE PASTEUR, 13008 MARSEILLE", "13008|RUE|PASTEUR|5A", "VOIE"},
    // [VOIE] [FAQ] a series of numbers keeps the first
    {"15/17 bd Saint-Michel", "75005", "Paris", "15 BOULEVARD SAINT MICHEL, 75005 PARIS", "75005|BOULEVARD|SAINT MICHEL|15", "VOIE"},
    {"12-14 rue de la Paix", "75002", "Paris", "12 RUE DE LA PAIX, 75002 PARIS", "75002|RUE|DE LA PAIX|12", "FAQ"},
    {"4 à 8 rue Pasteur", "13008", "Marseille", "4 RUE PASTEUR, 13008 MARSEILLE", "13008|RUE|PASTEUR|4", "FAQ"},
    // [VOIE] at most 4 digits, never 0; leading zeros are not digits of the number
    {"0012 rue Foch", "76000", "Rouen", "12 RUE FOCH, 76000 ROUEN", "76000|RUE|FOCH|12", "VOIE"},
    {"0 rue Foch", "76000", "Rouen", "RUE FOCH, 76000 ROUEN", "76000|RUE|FOCH|", "VOIE"},
    {"1234 route de Lyon", "38000", "Grenoble", "1234 ROUTE DE LYON, 38000 GRENOBLE", "38000|ROUTE|DE LYON|1234", "VOIE"},
    // [VOIE] the street type is optional
    {"La Canebière", "13001", "Marseille", "LA CANEBIERE, 13001 MARSEILLE", "13001||LA CANEBIERE|", "VOIE"},
    {"12 Victor Hugo", "75016", "Paris", "12 VICTOR HUGO, 75016 PARIS", "75016||VICTOR HUGO|12", "VOIE"},
    // [RIL] types, abbreviated or not: one canonical full form
    {"3 all. des Acacias", "37000", "Tours", "3 ALLEE DES ACACIAS, 37000 TOURS", "37000|ALLEE|DES ACACIAS|3", "RIL"},
    {"3 bd Foch", "49000", "Angers", "3 BOULEVARD FOCH, 49000 ANGERS", "49000|BOULEVARD|FOCH|3", "RIL"},
    {"3 ch. du Moulin", "31000", "Toulouse", "3 CHEMIN DU MOULIN, 31000 TOULOUSE", "31000|CHEMIN|DU MOULIN|3", "RIL"},
    {"3 che du Moulin", "31000", "Toulouse", "3 CHEMIN DU MOULIN, 31000 TOULOUSE", "31000|CHEMIN|DU MOULIN|3", "RIL"},
    {"3 pl. de la République", "75011", "Paris", "3 PLACE DE LA REPUBLIQUE, 75011 PARIS", "75011|PLACE|DE LA REPUBLIQUE|3", "RIL"},
    {"3 imp. des Lilas", "44000", "Nantes", "3 IMPASSE DES LILAS, 44000 NANTES", "44000|IMPASSE|DES LILAS|3", "RIL"},
    {"3 r. Gambetta", "59000", "Lille", "3 RUE GAMBETTA, 59000 LILLE", "59000|RUE|GAMBETTA|3", "RIL"},
    {"3 rte Nationale", "35000", "Rennes", "3 ROUTE NATIONALE, 35000 RENNES", "35000|ROUTE|NATIONALE|3", "RIL"},
    {"3 fg Saint-Antoine", "75012", "Paris", "3 FAUBOURG SAINT ANTOINE, 75012 PARIS", "75012|FAUBOURG|SAINT ANTOINE|3", "RIL"},
    {"3 crs Mirabeau", "13100", "Aix-en-Provence", "3 COURS MIRABEAU, 13100 AIX EN PROVENCE", "13100|COURS|MIRABEAU|3", "RIL"},
    {"3 sq. Foch", "49000", "Angers", "3 SQUARE FOCH, 49000 ANGERS", "49000|SQUARE|FOCH|3", "RIL"},
    {"3 quai Voltaire", "75007", "Paris", "3 QUAI VOLTAIRE, 75007 PARIS", "75007|QUAI|VOLTAIRE|3", "RIL"},
    {"3 mte du Chateau", "69005", "Lyon", "3 MONTEE DU CHATEAU, 69005 LYON", "69005|MONTEE|DU CHATEAU|3", "RIL"},
    {"3 rond-point de l'Europe", "80000", "Amiens", "3 ROND POINT DE L EUROPE, 80000 AMIENS", "80000|ROND POINT|DE L EUROPE|3", "RIL"},
    {"12BD SAINT MICHEL", "75005", "PARIS", "12 BOULEVARD SAINT MICHEL, 75005 PARIS", "75005|BOULEVARD|SAINT MICHEL|12", "RIL"},
    // [ABR] SAINT written in full in a street label: ST -> SAINT; usual titles expanded in the key
    {"12 r St Michel", "35000", "Rennes", "12 RUE SAINT MICHEL, 35000 RENNES", "35000|RUE|SAINT MICHEL|12", "ABR"},
    {"12 r Ste Anne", "35000", "Rennes", "12 RUE SAINTE ANNE, 35000 RENNES", "35000|RUE|SAINTE ANNE|12", "ABR"},
    {"10 av. du Gal de Gaulle", "38000", "Grenoble", "10 AVENUE DU GENERAL DE GAULLE, 38000 GRENOBLE", "38000|AVENUE|DU GENERAL DE GAULLE|10", "ABR"},
    // [L46] no punctuation, one space between words, upper case without accents
    {"  25,  rue de l'Église  ", "33380", "Mios", "25 RUE DE L EGLISE, 33380 MIOS", "33380|RUE|DE L EGLISE|25", "L46 UPU"},
    {"N° 3 allée des Écoles", "63000", "Clermont-Ferrand", "3 ALLEE DES ECOLES, 63000 CLERMONT FERRAND", "63000|ALLEE|DES ECOLES|3", "L46"},
    // [UPU] line 2 (delivery point), line 3 (building), line 5 (place), written before / after line 4
    {"Appt 12 - 12 bis av. Victor Hugo", "75016", "Paris", "APPT 12, 12 B AVENUE VICTOR HUGO, 75016 PARIS", "75016|AVENUE|VICTOR HUGO|12B", "UPU"},
    {"Appartement 12, 3ème étage, 5 rue Foch", "76000", "Rouen", "APPT 12 ETAGE 3, 5 RUE FOCH, 76000 ROUEN", "76000|RUE|FOCH|5", "UPU"},
    {"BAT A ESC 2 APPT 12, 7 ch. du Moulin", "31000", "Toulouse", "ESC 2 APPT 12, BAT A, 7 CHEMIN DU MOULIN, 31000 TOULOUSE", "31000|CHEMIN|DU MOULIN|7", "UPU"},
    {"Résidence Les Pins, 4 imp. des Lilas", "44000", "Nantes", "RESIDENCE LES PINS, 4 IMPASSE DES LILAS, 44000 NANTES", "44000|IMPASSE|DES LILAS|4", "UPU"},
    {"12 rue Foch Bâtiment B", "76000", "Rouen", "BAT B, 12 RUE FOCH, 76000 ROUEN", "76000|RUE|FOCH|12", "UPU"},
    {"25 rue de l'Eglise, Caudos", "33380", "Mios", "25 RUE DE L EGLISE, CAUDOS, 33380 MIOS", "33380|RUE|DE L EGLISE|25", "UPU"},
    {"Lieu-dit Le Moulin", "33380", "Mios", "LIEU DIT LE MOULIN, 33380 MIOS", "33380|LIEU DIT|LE MOULIN|", "UPU"},
    {"RESIDENCE LES PINS", "80000", "AMIENS", "RESIDENCE LES PINS, 80000 AMIENS", "80000|RESIDENCE|LES PINS|", "UPU"},
    // [UPU] [ABR] the locality: ST/STE, CEDEX kept with its number, arrondissement carried by the postcode
    {"10 rue Foch", "42000", "Saint-Étienne", "10 RUE FOCH, 42000 ST ETIENNE", "42000|RUE|FOCH|10", "UPU ABR"},
    {"10 rue Foch", "78100", "Saint Germain en Laye", "10 RUE FOCH, 78100 ST GERMAIN EN LAYE", "78100|RUE|FOCH|10", "UPU"},
    {"BP 123 75008 PARIS CEDEX 08", nullptr, nullptr, "BP 123, 75008 PARIS CEDEX 08", nullptr, "UPU FAQ"},
    {"12 rue Foch", "92100", "Boulogne-Billancourt Cedex", "12 RUE FOCH, 92100 BOULOGNE BILLANCOURT CEDEX", "92100|RUE|FOCH|12", "UPU"},
    {"15 bd Saint-Michel", "75005", "PARIS 5E", "15 BOULEVARD SAINT MICHEL, 75005 PARIS", "75005|BOULEVARD|SAINT MICHEL|15", "L46"},
    // [L46] the postcode: 5 digits (a 4-digit value lost its leading 0), free text or argument
    {"7 rte Nationale", "6000", "Nice", "7 ROUTE NATIONALE, 06000 NICE", "06000|ROUTE|NATIONALE|7", "L46"},
    {"12 rue Foch", "F-76000", "Rouen", "12 RUE FOCH, 76000 ROUEN", "76000|RUE|FOCH|12", "L46"},
    {"12 rue Foch, Rouen 76000", nullptr, nullptr, "12 RUE FOCH, 76000 ROUEN", "76000|RUE|FOCH|12", "L46"},
    {"14 quai Voltaire 75007 Paris, France", nullptr, nullptr, "14 QUAI VOLTAIRE, 75007 PARIS", "75007|QUAI|VOLTAIRE|14", "L46"},
    {"12 rue Foch", nullptr, "Rouen", "12 RUE FOCH, ROUEN", nullptr, "L46"},
    {"12 rue Foch", "abc", "Rouen", "12 RUE FOCH, ROUEN", nullptr, "L46"},
    {"12 rue Foch 75016 Paris", "76000", "Rouen", "12 RUE FOCH, 76000 ROUEN", "76000|RUE|FOCH|12", "arguments win"},
    // the locality repeated in the address column is not a street or a line 5
    {"Paris", "75016", "Paris", "75016 PARIS", nullptr, "locality repeated"},
    {"12 rue Foch, Rouen", "76000", "ROUEN", "12 RUE FOCH, 76000 ROUEN", "76000|RUE|FOCH|12", "locality repeated"},
    {"Saint-Étienne", "42000", "St Etienne", "42000 ST ETIENNE", nullptr, "locality repeated"},
    // nothing to read
    {"", nullptr, nullptr, nullptr, nullptr, "empty"},
    {" ,;- .. !!! ??? ", nullptr, nullptr, nullptr, nullptr, "punctuation"},
    {"75016 Paris", nullptr, nullptr, "75016 PARIS", nullptr, "no street"},
};

} // namespace

TEST(MatchAddress, PublishedRuleVectors) {
    ASSERT_GE(kVectors.size(), 40u);
    for (const Vector& v : kVectors) {
        SCOPED_TRACE(std::string(v.address) + " [" + v.rule + "]");
        const AddressFr a = parse_address_fr(v.address, opt(v.postcode), opt(v.city));
        const std::optional<std::string> n = normalize_address_fr(a);
        const std::optional<std::string> k = address_key_fr(a);
        EXPECT_EQ(n.value_or("<NULL>"), v.normalized ? v.normalized : "<NULL>");
        EXPECT_EQ(k.value_or("<NULL>"), v.key ? v.key : "<NULL>");
        if (n) {
            // the canonical form reads back to itself and to the same key
            const AddressFr b = parse_address_fr(*n);
            EXPECT_EQ(normalize_address_fr(b).value_or("<NULL>"), *n);
            if (v.postcode == nullptr || k) {
                EXPECT_EQ(address_key_fr(b).value_or("<NULL>"), k.value_or("<NULL>"));
            }
        }
    }
}

TEST(MatchAddress, Parts) {
    const AddressFr a = parse_address_fr("Chez M. Martin, Bât. C, 3 bis rue des Écoles, BP 12, 63000 Clermont-Ferrand Cedex 1");
    EXPECT_EQ(a.number, "3");
    EXPECT_EQ(a.repetition, "B");
    EXPECT_EQ(a.street_type, "RUE");
    EXPECT_EQ(a.street_type_abbr, "R");
    EXPECT_EQ(a.street_name, "DES ECOLES");
    EXPECT_EQ(a.line2, "CHEZ M MARTIN");
    EXPECT_EQ(a.line3, "BAT C");
    EXPECT_EQ(a.line5, "BP 12");
    EXPECT_EQ(a.postcode, "63000");
    EXPECT_EQ(a.city, "CLERMONT FERRAND");
    EXPECT_EQ(a.cedex, "CEDEX 1");
}

// [R6] lines: at most 6 of at most 38 characters, upper case, letters digits and spaces only
TEST(MatchAddress, FormatLines) {
    using L = std::vector<std::string>;
    // AVENUE DES FLEURS (17 characters) is not abbreviated
    EXPECT_EQ(format_address_fr(parse_address_fr("12 av. des Fleurs", "75011", "Paris")), (L{"12 AVENUE DES FLEURS", "75011 PARIS"}));
    // a 43-character label: type abbreviated (BD), then the title (MAL), DE kept [ABR]
    EXPECT_EQ(format_address_fr(parse_address_fr("12 boulevard du Maréchal de Lattre de Tassigny", "06000", "Nice")),
              (L{"12 BD DU MAL DE LATTRE DE TASSIGNY", "06000 NICE"}));
    // then articles (LA dropped, DE kept), then SAINT -> ST
    EXPECT_EQ(format_address_fr(parse_address_fr("128 bis rue de la Porte de la Chapelle Saint Denis", "75018", "Paris")),
              (L{"128 B R DE PORTE DE CHAPELLE ST DENIS", "75018 PARIS"}));
    // [UPU] the recipient first, then lines 2 to 6 in their order
    EXPECT_EQ(format_address_fr(parse_address_fr("Bât. C, Appt 4, 3 rue des Écoles, BP 12, 63000 Clermont-Ferrand Cedex 1"),
                                "M. Jean-Pierre Dupont"),
              (L{"M JEAN PIERRE DUPONT", "APPT 4", "BAT C", "3 RUE DES ECOLES", "BP 12", "63000 CLERMONT FERRAND CEDEX 1"}));
    const std::vector<std::string> lines = format_address_fr(
        parse_address_fr(std::string(500, 'x') + " Appartement 1208 Escalier B Couloir gauche porte 3 chez Madame Marie-Christine, 12 " +
                             std::string(300, 'y') + ", Lieu-dit " + std::string(60, 'z'),
                         "59000", std::string(100, 'w')),
        "Madame Marie-Christine de la Rochefoucauld-Liancourt");
    EXPECT_LE(lines.size(), 6u);
    for (const std::string& l : lines) {
        EXPECT_LE(l.size(), kAddressLineMax) << l;
        EXPECT_EQ(l.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 "), std::string::npos) << l;
        EXPECT_NE(l.front(), ' ');
        EXPECT_NE(l.back(), ' ');
        EXPECT_EQ(l.find("  "), std::string::npos) << l;
    }
    EXPECT_TRUE(format_address_fr(parse_address_fr("")).empty());
}

TEST(MatchAddress, ComparisonLevels) {
    EXPECT_EQ(method_levels(parse_method("address")), 4);
    auto level = [](const char* a, const char* b) { return compare_level(a, b, Method::Address); };
    EXPECT_EQ(level("12 bis av. Victor Hugo 75016 Paris", "12B AVENUE VICTOR-HUGO, 75016 PARIS"), 3);
    EXPECT_EQ(level("12 av. Victor Hugo 75016 Paris", "12 av. Victor Hugi 75016 Paris"), 2);     // typo
    EXPECT_EQ(level("12 Victor Hugo 75016 Paris", "12 avenue Victor Hugo 75016 Paris"), 2);     // type missing
    EXPECT_EQ(level("12 av. Victor Hugo 75016 Paris", "14 av. Victor Hugo 75016 Paris"), 1);    // another number
    EXPECT_EQ(level("12 av. Victor Hugo 75016 Paris", "12 bis av. Victor Hugo 75016 Paris"), 1); // another index
    EXPECT_EQ(level("12 av. Victor Hugo 75016 Paris", "12 rue Victor Hugo 75016 Paris"), 0);    // another street
    EXPECT_EQ(level("12 av. Victor Hugo 75016 Paris", "12 av. Victor Hugo 75116 Paris"), 0);    // another postcode
    EXPECT_EQ(level("12 av. Victor Hugo", "12 av. Victor Hugo"), -1);                           // no postcode: no key
    EXPECT_EQ(level("75016 Paris", "75016 Paris"), -1);                                         // no street
    EXPECT_EQ(level("", "12 av. Victor Hugo 75016 Paris"), -1);
}

// 'location': the address key and its postcode as one field ("<postcode>|<rest>" or a postcode alone),
// a move being one disagreement.
TEST(MatchAddress, LocationLevels) {
    EXPECT_EQ(method_levels(parse_method("location")), 4);
    EXPECT_EQ(conflict_level(parse_method("location")), 0);
    auto level = [](const char* a, const char* b) { return compare_level(a, b, Method::Location); };
    const char* home = "75016|AVENUE|VICTOR HUGO|12|75016";
    EXPECT_EQ(level(home, home), 3);
    EXPECT_EQ(level(home, "75016|RUE|GAMBETTA|4|75016"), 2); // same postcode, another address
    EXPECT_EQ(level(home, "75016"), 1);                      // the postcode alone on one side
    EXPECT_EQ(level("75016", "75016"), 1);
    EXPECT_EQ(level(home, "75016|"), 1);                     // an empty rest is no address
    EXPECT_EQ(level(home, "69001|RUE|GAMBETTA|4|69001"), 0); // a move
    EXPECT_EQ(level(home, "69001"), 0);
    EXPECT_EQ(level("|RUE|GAMBETTA|4", home), -1);           // no postcode
    EXPECT_EQ(level("", home), -1);
}

TEST(MatchAddress, BadInput) {
    // non-Latin scripts are kept as they are (no key without a postcode)
    EXPECT_EQ(normalize_address_fr(parse_address_fr("Москва, ул. Ленина 12")).value_or("<NULL>"), "Москва, ул Ленина 12");
    EXPECT_FALSE(address_key_fr(parse_address_fr("北京市 100000")));
    // 10 kB: bounded output lines
    const AddressFr big = parse_address_fr(std::string(10000, 'x'), "75001", "Paris");
    for (const std::string& l : format_address_fr(big)) EXPECT_LE(l.size(), kAddressLineMax);
    // invalid UTF-8: 22P02; more than 65535 code points: 54000
    try {
        (void)parse_address_fr("12 rue \xC3");
        FAIL() << "no error";
    } catch (const c360::Error& e) {
        EXPECT_EQ(e.code(), c360::ErrorCode::InvalidTextRepresentation);
    }
    std::string huge;
    for (int i = 0; i < 33334; ++i) huge += "ab ";
    try {
        (void)parse_address_fr(huge);
        FAIL() << "no error";
    } catch (const c360::Error& e) {
        EXPECT_EQ(e.code(), c360::ErrorCode::ProgramLimitExceeded);
    }
}
