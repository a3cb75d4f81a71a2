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

    // --- Integration tasks of other Zoho services (issue 17): REST calls through a connection,
    // mapped in zoho_tasks.cc. Counts are Zoho's (the connection is the last argument; Relish
    // needs it, and says so at run time when it is missing).
    {"zoho.books.createRecord", 3, 4, "module, orgId, map, connection",
     "creates a record in a Zoho Books module; returns Books' answer"},
    {"zoho.books.getRecords", 2, 4, "module, orgId[, search], connection",
     "a Zoho Books module's records matching a search map or query text"},
    {"zoho.books.getRecordsByID", 3, 4, "module, orgId, id, connection",
     "a Zoho Books record by its id"},
    {"zoho.books.updateRecord", 4, 5, "module, orgId, id, map, connection",
     "updates a Zoho Books record"},
    {"zoho.books.markStatus", 4, 5, "module, orgId, id, status, connection",
     "sets an invoice's or estimate's status (sent, void, draft, ...)"},
    {"zoho.books.attachFile", 4, 5, "module, orgId, id, file, connection",
     "attaches a file to a Zoho Books record"},
    {"zoho.inventory.createRecord", 3, 4, "module, orgId, map[, connection]",
     "creates a record in a Zoho Inventory module"},
    {"zoho.inventory.getRecords", 2, 4, "module, orgId[, search][, connection]",
     "a Zoho Inventory module's records"},
    {"zoho.inventory.getRecordsByID", 3, 4, "module, orgId, id[, connection]",
     "a Zoho Inventory record by its id"},
    {"zoho.inventory.updateRecord", 4, 5, "module, orgId, id, map[, connection]",
     "updates a Zoho Inventory record"},
    {"zoho.inventory.getOrganization", 0, 1, "[connection]",
     "the Zoho Inventory organizations of the connection's user"},
    {"zoho.invoice.create", 3, 4, "module, orgId, map[, connection]",
     "creates a record in a Zoho Invoice module"},
    {"zoho.invoice.getRecords", 2, 6,
     "module, orgId[, searchMap, searchText, sortColumn][, connection]",
     "a Zoho Invoice module's records (searchMap: a map of list parameters, or a filter_by text)"},
    {"zoho.invoice.getRecordById", 3, 4, "module, orgId, id[, connection]",
     "a Zoho Invoice record by its id"},
    {"zoho.invoice.update", 4, 5, "module, orgId, id, map[, connection]",
     "updates a Zoho Invoice record"},
    {"zoho.desk.getRecords", 2, 6, "orgId, module[, from, limit, query][, connection]",
     "a Zoho Desk module's records"},
    {"zoho.desk.getRecordById", 3, 4, "orgId, module, id[, connection]",
     "a Zoho Desk record by its id"},
    {"zoho.desk.searchRecords", 2, 6, "orgId, module[, query, from, limit][, connection]",
     "the Zoho Desk records matching a search map"},
    {"zoho.desk.create", 3, 4, "orgId, module, map[, connection]",
     "creates a Zoho Desk record (a ticket, contact, ...)"},
    {"zoho.desk.update", 4, 5, "orgId, module, id, map[, connection]",
     "updates a Zoho Desk record"},
    {"zoho.projects.getPortals", 0, 1, "[connection]", "the Zoho Projects portals of the user"},
    {"zoho.projects.createProject", 2, 3, "portal, map[, connection]",
     "creates a project in a Zoho Projects portal"},
    {"zoho.projects.createTaskList", 3, 4, "portal, projectId, map[, connection]",
     "creates a task list in a Zoho Projects project"},
    {"zoho.projects.create", 4, 5, "portal, projectId, module, map[, connection]",
     "creates a milestone, task list, task, bug or log in a project"},
    {"zoho.projects.update", 5, 6, "portal, projectId, module, id, map[, connection]",
     "updates a record of a project's module"},
    {"zoho.projects.getRecords", 3, 6, "portal, projectId, module[, index, range][, connection]",
     "a project module's records"},
    {"zoho.workdrive.uploadFile", 4, 5, "file, folderId, fileName, overrideNameExist, connection",
     "uploads a file to a Zoho WorkDrive folder"},
    {"zoho.workdrive.createFolder", 2, 3, "name, parentId, connection",
     "creates a folder in Zoho WorkDrive"},
    {"zoho.writer.mergeAndStore", 3, 4, "documentId, mergeData, outputSettings, connection",
     "merges a Zoho Writer document and stores the result in WorkDrive"},
    {"zoho.writer.v2.mergeAndStore", 4, 5,
     "documentId, mergeDetail, outputSettings, optionalSettings, connection",
     "merges a Zoho Writer document and stores it in WorkDrive (Merge and Store V2)"},
    {"zoho.sign.getDocumentById", 1, 2, "requestId, connection",
     "a Zoho Sign request's details"},
    {"zoho.sign.createDocument", 2, 3, "files, map, connection",
     "uploads documents to Zoho Sign as a draft request"},
    {"zoho.sign.updateDocument", 2, 3, "requestId, map, connection",
     "updates a draft Zoho Sign request"},
    {"zoho.sign.submitRequest", 2, 3, "requestId, map[, connection]",
     "adds fields and sends a Zoho Sign request out for signature"},
    {"zoho.sign.createUsingTemplate", 2, 3, "templateId, params, connection",
     "creates a Zoho Sign document from a template and sends it (params: data, is_quicksend)"},
    {"zoho.creator.getRecords", 3, 7,
     "owner, app, report[, criteria, from, limit], connection",
     "a Zoho Creator report's records"},
    {"zoho.creator.getRecordById", 4, 5, "owner, app, report, id, connection",
     "a Zoho Creator record by its id"},
    {"zoho.creator.createRecord", 4, 6, "owner, app, form, values[, otherParams], connection",
     "adds a record to a Zoho Creator form"},
    {"zoho.creator.updateRecord", 5, 7,
     "owner, app, report, id, values[, otherParams], connection",
     "updates a Zoho Creator record"},
    // --- end of other Zoho services' tasks
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

bool IsTaskNamespace(std::string_view lower_name) {
  for (std::string_view prefix :
       {"zoho.books.", "zoho.inventory.", "zoho.invoice.", "zoho.desk.", "zoho.projects.",
        "zoho.workdrive.", "zoho.writer.", "zoho.sign.", "zoho.creator."}) {
    if (lower_name.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace relish::deluge
