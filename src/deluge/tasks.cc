#include "deluge/tasks.h"

#include <string>

#include "deluge/text_util.h"

namespace relish::deluge {
namespace {

// Counts and parameters follow reference §5 (zoho.crm signatures; Bigin mirrors them).
#define RELISH_CRM_TASKS(prefix)                                                                   \
  {prefix "getRecordById", 2, 4, "module, id[, queryMap][, connection]", "a record by its id"},    \
      {prefix "getRecords", 1, 5, "module[, page, perPage, optionMap, connection]",                \
       "a page of a module's records"},                                                            \
      {prefix "searchRecords", 2, 6, "module, criteria[, page, perPage, options, connection]",     \
       "the records that match a criteria such as (Email:equals:a@b.co)"},                         \
      {prefix "createRecord", 2, 4, "module, map[, options][, connection]",                        \
       "creates a record; returns its id and times"},                                              \
      {prefix "updateRecord", 3, 5, "module, id, map[, options][, connection]",                    \
       "updates a record's fields; returns its id and times"},                                     \
      {prefix "deleteRecord", 2, 3, "module, id[, connection]", "deletes a record"},               \
      {prefix "upsert", 2, 4, "module, map[, options][, connection]",                              \
       "updates the record a duplicate check finds, or creates one"},                              \
      {prefix "getRelatedRecords", 3, 6, "relation, module, id[, page, perPage, connection]",      \
       "a record's related records"},                                                              \
      {prefix "updateRelatedRecord", 5, 6, "relation, relatedId, module, id, map[, connection]",   \
       "updates a related record"},                                                                \
      {prefix "bulkCreate", 2, 4, "module, list[, options][, connection]", "creates records"},     \
      {prefix "bulkUpdate", 2, 4, "module, list[, options][, connection]", "updates records"},     \
      {prefix "attachFile", 3, 4, "module, id, file[, connection]", "attaches a file to a record"}, \
      {prefix "getOrgVariable", 1, 2, "name[, connection]", "an organization variable's value"},   \
      {prefix "searchRecordsByPhone", 2, 3, "module, phone[, connection]",                         \
       "the records with this phone number"},                                                      \
      {prefix "searchRecordsByEmail", 2, 3, "module, email[, connection]",                         \
       "the records with this email address"},                                                     \
  {                                                                                                \
    prefix "searchRecordsByWord", 2, 3, "module, word[, connection]",                              \
        "the records that contain a word"                                                          \
  }

constexpr TaskSpec kTasks[] = {
    RELISH_CRM_TASKS("zoho.crm."),
    {"zoho.crm.convertLead", 2, 3, "leadId, options[, connection]",
     "converts a lead into a contact, account and deal"},
    RELISH_CRM_TASKS("zoho.bigin."),
};
#undef RELISH_CRM_TASKS

}  // namespace

std::span<const TaskSpec> AllTasks() { return kTasks; }

const TaskSpec* FindTask(std::string_view name) {
  std::string n = ToLower(name);
  // zoho.crm.v2.x, zoho.crm.v2_1.x and zoho.crm.v8.x are versioned spellings of zoho.crm.x.
  for (std::string_view prefix : {"zoho.crm.", "zoho.bigin."}) {
    if (n.rfind(prefix, 0) != 0) continue;
    size_t seg = prefix.size();
    size_t dot = n.find('.', seg);
    if (dot != std::string::npos && n.size() > seg + 1 && n[seg] == 'v' &&
        IsAsciiDigit(n[seg + 1])) {
      n = std::string(prefix) + n.substr(dot + 1);
    }
  }
  for (const auto& t : kTasks) {
    if (EqualsIgnoreCase(t.name, n)) return &t;
  }
  return nullptr;
}

}  // namespace relish::deluge
