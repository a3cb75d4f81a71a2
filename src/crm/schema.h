// The CRM's schema: modules (Contacts, Accounts, ...; custom ones), their typed fields, and the
// catalog of Bigin's standard modules with their default fields. Plain data: no store access.
//
// Field API names and module API names are Bigin's (`Last_Name`, `Account_Name`, `Pipelines`);
// lookups by name accept any letter case, as Bigin's API does for module names.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace relish::crm {

using Json = nlohmann::ordered_json;

enum class FieldType {
  kText,      // single line, up to max_length (255) characters
  kLongText,  // multi-line, up to 32,000 characters ("textarea")
  kEmail,
  kPhone,
  kNumber,    // whole number ("integer")
  kDecimal,   // "double"
  kCurrency,  // a decimal with two places
  kDate,      // "2024-01-31"
  kDateTime,  // "2024-01-31T10:20:30+05:30"
  kBoolean,
  kPicklist,     // one of `options`
  kMultiSelect,  // a list of `options` ("multiselectpicklist")
  kLookup,       // the id of a record in `lookup_module`; shown as {"name","id"}
  kOwner,        // a user of the organization; shown as {"name","id","email"}
  kTag,          // free-form labels; shown as [{"name":...}]
};

// The data type name Bigin's settings API shows ("text", "integer", "multiselectpicklist", ...).
std::string_view DataTypeName(FieldType type);
// Accepts Bigin's names and Relish's own ("number", "decimal", "multi_select", "long_text",
// "owner", "datetime", ...).
Result<FieldType> ParseFieldType(std::string_view name);

struct Field {
  std::string api_name;
  std::string label;
  FieldType type = FieldType::kText;
  bool required = false;
  bool unique = false;               // no two records of the module may share a (case-folded) value
  bool custom = false;               // added at runtime
  bool read_only = false;            // derived (Full_Name) or set by the system
  std::vector<std::string> options;  // picklist and multi-select values
  std::string lookup_module;         // a lookup's target module; empty: a record of any module
  int max_length = 0;                // text types; 0: the type's default
  std::string id;                    // 19 digits
};

struct Module {
  std::string api_name;        // "Contacts", "Accounts", "Pipelines", custom "Projects"
  std::string singular_label;  // "Contact", "Company", ...
  std::string plural_label;    // "Contacts", "Companies", ...
  std::string id;              // 19 digits
  bool custom = false;
  std::string name_field;     // the field shown as a lookup's name (Full_Name, Account_Name)
  std::vector<Field> fields;  // every field but the system ones (id, *_Time, *_By), in order

  // The field with this API name (exact match first, then any letter case); nullptr if none.
  const Field* FindField(std::string_view api_name) const;
};

// System fields every module's records carry besides `fields` (all read-only).
inline constexpr std::string_view kSystemFields[] = {"id", "Created_Time", "Modified_Time",
                                                     "Created_By", "Modified_By"};
bool IsSystemField(std::string_view api_name);

// Bigin's standard modules: Contacts, Accounts (Companies), Pipelines, Products, Tasks, Notes.
const std::vector<Module>& StandardModules();
const Module* FindStandardModule(std::string_view api_name);  // any letter case

// Rules for names given at runtime: an API name is a letter then letters, digits and '_', at
// most 50 characters. LabelToApiName("Favourite Colour") is "Favourite_Colour".
Result<void> CheckApiName(std::string_view name, std::string_view what);
std::string LabelToApiName(std::string_view label);

// A stable 19-digit id for a standard module or field (the same on every installation).
std::string StableId(std::string_view key);

}  // namespace relish::crm
