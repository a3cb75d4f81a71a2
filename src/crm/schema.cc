#include "crm/schema.h"

#include <algorithm>
#include <cctype>

namespace relish::crm {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

struct TypeName {
  FieldType type;
  std::string_view bigin;   // what the settings API shows
  std::string_view relish;  // Relish's own word for it
};

constexpr TypeName kTypeNames[] = {
    {FieldType::kText, "text", "text"},
    {FieldType::kLongText, "textarea", "long_text"},
    {FieldType::kEmail, "email", "email"},
    {FieldType::kPhone, "phone", "phone"},
    {FieldType::kNumber, "integer", "number"},
    {FieldType::kDecimal, "double", "decimal"},
    {FieldType::kCurrency, "currency", "currency"},
    {FieldType::kDate, "date", "date"},
    {FieldType::kDateTime, "datetime", "datetime"},
    {FieldType::kBoolean, "boolean", "boolean"},
    {FieldType::kPicklist, "picklist", "picklist"},
    {FieldType::kMultiSelect, "multiselectpicklist", "multi_select"},
    {FieldType::kLookup, "lookup", "lookup"},
    {FieldType::kOwner, "ownerlookup", "owner"},
    {FieldType::kTag, "tag", "tag"},
};

// Builders for the catalog below.
Field F(std::string api_name, std::string label, FieldType type) {
  Field f;
  f.api_name = std::move(api_name);
  f.label = std::move(label);
  f.type = type;
  return f;
}
Field Required(Field f) {
  f.required = true;
  return f;
}
Field ReadOnly(Field f) {
  f.read_only = true;
  return f;
}
Field Picklist(std::string api_name, std::string label, std::vector<std::string> options) {
  Field f = F(std::move(api_name), std::move(label), FieldType::kPicklist);
  f.options = std::move(options);
  return f;
}
Field Lookup(std::string api_name, std::string label, std::string module) {
  Field f = F(std::move(api_name), std::move(label), FieldType::kLookup);
  f.lookup_module = std::move(module);
  return f;
}

Module M(std::string api_name, std::string singular, std::string plural, std::string name_field,
         std::vector<Field> fields) {
  Module m;
  m.api_name = std::move(api_name);
  m.singular_label = std::move(singular);
  m.plural_label = std::move(plural);
  m.name_field = std::move(name_field);
  m.id = StableId("module:" + m.api_name);
  m.fields.push_back(F("Owner", "Owner", FieldType::kOwner));
  for (auto& f : fields) m.fields.push_back(std::move(f));
  for (auto& f : m.fields) f.id = StableId("field:" + m.api_name + "." + f.api_name);
  return m;
}

std::vector<Module> BuildStandardModules() {
  using T = FieldType;
  std::vector<Module> modules;
  // The default fields follow Bigin's API (Contacts, Companies, Pipelines, Products, Tasks, Notes).
  // One field per line: clang-format would pack them.
  // clang-format off
  modules.push_back(M("Contacts", "Contact", "Contacts", "Full_Name",
                      {F("First_Name", "First Name", T::kText),
                       Required(F("Last_Name", "Last Name", T::kText)),
                       ReadOnly(F("Full_Name", "Full Name", T::kText)),
                       F("Email", "Email", T::kEmail),
                       F("Phone", "Phone", T::kPhone),
                       F("Mobile", "Mobile", T::kPhone),
                       F("Home_Phone", "Home Phone", T::kPhone),
                       F("Title", "Title", T::kText),
                       Lookup("Account_Name", "Company Name", "Accounts"),
                       F("Email_Opt_Out", "Email Opt Out", T::kBoolean),
                       F("Mailing_Street", "Mailing Street", T::kText),
                       F("Mailing_City", "Mailing City", T::kText),
                       F("Mailing_State", "Mailing State", T::kText),
                       F("Mailing_Zip", "Mailing Zip", T::kText),
                       F("Mailing_Country", "Mailing Country", T::kText),
                       F("Description", "Description", T::kLongText),
                       F("Tag", "Tag", T::kTag)}));
  modules.push_back(M("Accounts", "Company", "Companies", "Account_Name",
                      {Required(F("Account_Name", "Company Name", T::kText)),
                       F("Phone", "Phone", T::kPhone),
                       F("Website", "Website", T::kText),
                       F("Billing_Street", "Billing Street", T::kText),
                       F("Billing_City", "Billing City", T::kText),
                       F("Billing_State", "Billing State", T::kText),
                       F("Billing_Code", "Billing Code", T::kText),
                       F("Billing_Country", "Billing Country", T::kText),
                       F("Description", "Description", T::kLongText),
                       F("Tag", "Tag", T::kTag)}));
  modules.push_back(M("Pipelines", "Pipeline", "Pipelines", "Deal_Name",
                      {Required(F("Deal_Name", "Deal Name", T::kText)),
                       F("Amount", "Amount", T::kCurrency),
                       Required(Picklist("Stage", "Stage",
                                         {"Qualification", "Needs Identification",
                                          "Proposal/Price Quote", "Negotiation/Review",
                                          "Closed Won", "Closed Lost"})),
                       F("Closing_Date", "Closing Date", T::kDate),
                       Lookup("Account_Name", "Company Name", "Accounts"),
                       Lookup("Contact_Name", "Contact Name", "Contacts"),
                       Picklist("Pipeline", "Pipeline", {"Sales Pipeline Standard"}),
                       F("Description", "Description", T::kLongText),
                       F("Tag", "Tag", T::kTag)}));
  modules.push_back(M("Products", "Product", "Products", "Product_Name",
                      {Required(F("Product_Name", "Product Name", T::kText)),
                       F("Product_Code", "Product Code", T::kText),
                       F("Unit_Price", "Unit Price", T::kCurrency),
                       F("Product_Active", "Product Active", T::kBoolean),
                       Picklist("Product_Category", "Product Category",
                                {"Hardware", "Software", "Service"}),
                       F("Description", "Description", T::kLongText),
                       F("Tag", "Tag", T::kTag)}));
  modules.push_back(M("Tasks", "Task", "Tasks", "Subject",
                      {Required(F("Subject", "Subject", T::kText)),
                       F("Due_Date", "Due Date", T::kDate),
                       Picklist("Status", "Status",
                                {"Not Started", "Deferred", "In Progress", "Completed",
                                 "Waiting for input"}),
                       Picklist("Priority", "Priority",
                                {"Highest", "High", "Normal", "Low", "Lowest"}),
                       Lookup("Contact_Name", "Contact Name", "Contacts"),
                       F("Description", "Description", T::kLongText),
                       F("Tag", "Tag", T::kTag)}));
  modules.push_back(M("Notes", "Note", "Notes", "Note_Title",
                      {F("Note_Title", "Note Title", T::kText),
                       Required(F("Note_Content", "Note Content", T::kLongText)),
                       // The record the note belongs to, in any module.
                       Lookup("Parent_Id", "Parent Id", "")}));
  // clang-format on
  return modules;
}

}  // namespace

std::string_view DataTypeName(FieldType type) {
  for (const auto& t : kTypeNames) {
    if (t.type == type) return t.bigin;
  }
  return "text";
}

Result<FieldType> ParseFieldType(std::string_view name) {
  for (const auto& t : kTypeNames) {
    if (EqualsIgnoreCase(name, t.bigin) || EqualsIgnoreCase(name, t.relish)) return t.type;
  }
  if (EqualsIgnoreCase(name, "multiselect") || EqualsIgnoreCase(name, "multi-select")) {
    return FieldType::kMultiSelect;
  }
  if (EqualsIgnoreCase(name, "long text") || EqualsIgnoreCase(name, "longtext")) {
    return FieldType::kLongText;
  }
  return InvalidArgument(
      "unknown field type '" + std::string(name) +
      "'; use text, long_text, email, phone, number, decimal, currency, date, datetime, boolean, "
      "picklist, multi_select, lookup, owner or tag");
}

const Field* Module::FindField(std::string_view name) const {
  for (const auto& f : fields) {
    if (f.api_name == name) return &f;
  }
  for (const auto& f : fields) {
    if (EqualsIgnoreCase(f.api_name, name)) return &f;
  }
  return nullptr;
}

bool IsSystemField(std::string_view api_name) {
  return std::any_of(std::begin(kSystemFields), std::end(kSystemFields),
                     [&](std::string_view s) { return EqualsIgnoreCase(s, api_name); });
}

const std::vector<Module>& StandardModules() {
  static const std::vector<Module> modules = BuildStandardModules();
  return modules;
}

const Module* FindStandardModule(std::string_view api_name) {
  for (const auto& m : StandardModules()) {
    if (EqualsIgnoreCase(m.api_name, api_name)) return &m;
  }
  return nullptr;
}

Result<void> CheckApiName(std::string_view name, std::string_view what) {
  bool ok = !name.empty() && name.size() <= 50 && std::isalpha(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') ok = false;
  }
  if (!ok) {
    return InvalidArgument(std::string(what) + " '" + std::string(name) +
                           "' must start with a letter and hold only letters, digits and '_' "
                           "(at most 50 characters)");
  }
  return Ok();
}

std::string LabelToApiName(std::string_view label) {
  std::string out;
  bool pending_underscore = false;
  for (char c : label) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (pending_underscore && !out.empty()) out += '_';
      pending_underscore = false;
      out += c;
    } else {
      pending_underscore = true;
    }
  }
  return out;
}

std::string StableId(std::string_view key) {
  // FNV-1a, folded into 18 digits after a leading 1: stable, 19 digits, never a leading zero.
  uint64_t h = 14695981039346656037ULL;
  for (char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  std::string digits = std::to_string(h % 1'000'000'000'000'000'000ULL);
  return "1" + std::string(18 - digits.size(), '0') + digits;
}

}  // namespace relish::crm
