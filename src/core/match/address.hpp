// customer360 core, matching: French postal addresses in the spirit of RNVP (docs/match.md,
// "French postal addresses"). A free-form address is parsed into the lines of the AFNOR NF Z10-011
// layout as La Poste publishes it (line 2 delivery point: APPT, ETAGE, ESC...; line 3 building: BAT,
// RESIDENCE...; line 4 number, repetition index, street type and name; line 5 BP, LIEU DIT...; line 6
// postcode, locality, CEDEX). No street reference file is used: nothing checks that a street exists.
// No PostgreSQL header here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace c360::match {

// La Poste: at most 38 characters per line (spaces included), at most 6 lines.
inline constexpr std::size_t kAddressLineMax = 38;
// La Poste: the street label (type + name) is abbreviated only past 32 characters.
inline constexpr std::size_t kStreetLabelMax = 32;

// Every field is upper-case ASCII (accents folded, punctuation removed, one space between words;
// code points outside Latin scripts are kept as they are); "" when absent.
struct AddressFr {
    std::string number;           // house number without leading zeros, 1-4 digits ("12")
    std::string repetition;       // one letter: B (bis), T (ter), Q (quater), C (quinquies) or A..Z
    std::string street_type;      // canonical full form ("AVENUE")
    std::string street_type_abbr; // its abbreviation ("AV")
    std::string street_name;      // "VICTOR HUGO"; ST/STE and usual titles expanded (SAINT, GENERAL...)
    std::string line2;            // delivery point: "APPT 12 ETAGE 3"
    std::string line3;            // building: "BAT A RESIDENCE LES PINS"
    std::string line5;            // "BP 12", "LIEU DIT LE MOULIN"
    std::string postcode;         // 5 digits
    std::string city;             // locality as on line 6 ("ST ETIENNE"), CEDEX split out
    std::string cedex;            // "CEDEX" or "CEDEX 16"
};

// Parses a free-form address. postcode and city, when given (not nullopt and not blank), win over a
// postcode and locality found in the text (which are removed from it either way); a 4-digit postcode
// argument gets its leading 0 back. Invalid UTF-8: 22P02; more than 65535 code points: 54000.
AddressFr parse_address_fr(std::string_view address, std::optional<std::string_view> postcode = std::nullopt,
                           std::optional<std::string_view> city = std::nullopt);

// Line 4: "12 B AVENUE VICTOR HUGO". With abbreviate, shortened by the published steps (street type,
// then titles, then articles, then SAINT/SAINTE, then cut at a word) while the street label is longer
// than 32 characters or the line longer than 38.
std::string street_line_fr(const AddressFr& a, bool abbreviate);
// Line 6: "75016 PARIS CEDEX 16".
std::string locality_line_fr(const AddressFr& a);
// The canonical one-line form: the non-empty lines 2 to 6 (full forms) joined with ", ";
// nullopt when nothing was recognised.
std::optional<std::string> normalize_address_fr(const AddressFr& a);
// The delivery-point key "POSTCODE|STREET TYPE|STREET NAME|NUMBER+INDEX" ("75016|AVENUE|VICTOR HUGO|12B");
// nullopt unless the postcode and the street name are known.
std::optional<std::string> address_key_fr(const AddressFr& a);
// The lines of the NF Z10-011 layout (recipient first when not blank), each at most 38 characters,
// upper case, no punctuation, at most 6; empty lines left out.
std::vector<std::string> format_address_fr(const AddressFr& a, std::string_view recipient = {});

// The 'address' comparison method (4 levels) on two free-form one-line addresses:
//   3 same key; 2 same postcode, number and index, street close (Jaro-Winkler >= 0.92, or the type
//   missing on one side); 1 same postcode and street, another number or index; 0 different;
//   -1 when either address has no key (empty, no postcode or no street).
int compare_address_fr(std::string_view a_utf8, std::string_view b_utf8);

} // namespace c360::match
