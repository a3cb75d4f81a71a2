#include "deluge/tasks.h"

#include <string>

#include "deluge/text_util.h"

namespace relish::deluge {
namespace {

// Counts follow reference §5 (zoho.crm signatures; Bigin mirrors them).
#define RELISH_CRM_TASKS(prefix)                                                                   \
  {prefix "getRecordById", 2, 4},     /* module, id[, queryMap][, connection] */                   \
      {prefix "getRecords", 1, 5},    /* module[, page, perPage, optionMap, connection] */         \
      {prefix "searchRecords", 2, 6}, /* module, criteria[, page, perPage, options, connection] */ \
      {prefix "createRecord", 2, 4},  /* module, map[, options][, connection] */                   \
      {prefix "updateRecord", 3, 5},  /* module, id, map[, options][, connection] */               \
      {prefix "deleteRecord", 2, 3},  /* module, id[, connection] */                               \
      {prefix "upsert", 2, 4},        /* module, map[, options][, connection] */                   \
      {prefix "getRelatedRecords", 3, 6}, /* relation, module, id[, page, perPage, connection] */  \
      {prefix "updateRelatedRecord", 5, 6}, /* relation, relatedId, module, id, map[, conn] */     \
      {prefix "bulkCreate", 2, 4},          /* module, list[, options][, connection] */            \
      {prefix "bulkUpdate", 2, 4},          /* module, list[, options][, connection] */            \
      {prefix "attachFile", 3, 4},          /* module, id, file[, connection] */                   \
      {prefix "getOrgVariable", 1, 2},      /* name[, connection] */                               \
      {prefix "searchRecordsByPhone", 2, 3}, {prefix "searchRecordsByEmail", 2, 3}, {              \
    prefix "searchRecordsByWord", 2, 3                                                             \
  }

constexpr TaskSpec kTasks[] = {
    RELISH_CRM_TASKS("zoho.crm."),
    {"zoho.crm.convertLead", 2, 3},  // leadId, options[, connection]
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
