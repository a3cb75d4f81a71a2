#include "deluge/zoho_tasks.h"

#include <cmath>

#include "deluge/format.h"
#include "deluge/json.h"
#include "deluge/tasks.h"
#include "deluge/text_util.h"

namespace relish::deluge {
namespace {

// Signatures and REST calls from Zoho's task pages (zoho.com/deluge/help/<service>/...) and the
// services' API references; docs/language/invokeurl-and-tasks.md has the table with each source
// and what is unverified.
constexpr std::string_view kApis = "www.zohoapis.com";

#define BOOKS_FAMILY(prefix, service, name, base, create, update)                                 \
  {prefix create, service, name, kApis, "POST", base "/$0l", "organization_id=$1", "",            \
   TaskBody::kJson, "$2"},                                                                          \
      {prefix "getRecords", service, name, kApis, "GET", base "/$0l", "organization_id=$1&$2*", ""}, \
      {prefix "getRecordsByID", service, name, kApis, "GET", base "/$0l/$2", "organization_id=$1",  \
       ""},                                                                                         \
  {                                                                                                 \
    prefix update, service, name, kApis, "PUT", base "/$0l/$2", "organization_id=$1", "",          \
        TaskBody::kJson, "$3"                                                                       \
  }

constexpr ZohoServiceTask kTable[] = {
    // Zoho Books (API v3).
    BOOKS_FAMILY("zoho.books.", "zoho_books", "Zoho Books", "/books/v3", "createRecord",
                 "updateRecord"),
    {"zoho.books.markStatus", "zoho_books", "Zoho Books", kApis, "POST", "/books/v3/$0l/$2/status/$3",
     "organization_id=$1", ""},
    {"zoho.books.attachFile", "zoho_books", "Zoho Books", kApis, "POST",
     "/books/v3/$0l/$2/attachment", "organization_id=$1", "", TaskBody::kMultipart,
     "attachment=@$3"},
    // Zoho Inventory (API v1) and Zoho Invoice (API v3): the same family as Books.
    BOOKS_FAMILY("zoho.inventory.", "zoho_inventory", "Zoho Inventory", "/inventory/v1",
                 "createRecord", "updateRecord"),
    {"zoho.inventory.getOrganization", "zoho_inventory", "Zoho Inventory", kApis, "GET",
     "/inventory/v1/organizations", "", ""},
    // Zoho Invoice (API v3): its pages (zoho.com/deluge/help/invoice/) name getRecordById, and
    // getRecords takes a search map (or a filter_by text), search text and a sort column.
    {"zoho.invoice.create", "zoho_invoice", "Zoho Invoice", kApis, "POST", "/invoice/v3/$0l",
     "organization_id=$1", "", TaskBody::kJson, "$2"},
    {"zoho.invoice.getRecords", "zoho_invoice", "Zoho Invoice", kApis, "GET", "/invoice/v3/$0l",
     "organization_id=$1&$2*=filter_by&search_text=$3&sort_column=$4", ""},
    {"zoho.invoice.getRecordById", "zoho_invoice", "Zoho Invoice", kApis, "GET",
     "/invoice/v3/$0l/$2", "organization_id=$1", ""},
    {"zoho.invoice.update", "zoho_invoice", "Zoho Invoice", kApis, "PUT", "/invoice/v3/$0l/$2",
     "organization_id=$1", "", TaskBody::kJson, "$3"},
    // Zoho Desk (API v1): the organization goes in the orgId header.
    {"zoho.desk.getRecords", "zoho_desk", "Zoho Desk", "desk.zoho.com", "GET", "/api/v1/$1l",
     "from=$2&limit=$3&$4*", "orgId=$0"},
    {"zoho.desk.getRecordById", "zoho_desk", "Zoho Desk", "desk.zoho.com", "GET", "/api/v1/$1l/$2",
     "", "orgId=$0"},
    {"zoho.desk.searchRecords", "zoho_desk", "Zoho Desk", "desk.zoho.com", "GET",
     "/api/v1/$1l/search", "$2*&from=$3&limit=$4", "orgId=$0"},
    {"zoho.desk.create", "zoho_desk", "Zoho Desk", "desk.zoho.com", "POST", "/api/v1/$1l", "",
     "orgId=$0", TaskBody::kJson, "$2"},
    {"zoho.desk.update", "zoho_desk", "Zoho Desk", "desk.zoho.com", "PATCH", "/api/v1/$1l/$2", "",
     "orgId=$0", TaskBody::kJson, "$3"},
    // Zoho Projects (the REST API the tasks are built on: form fields in, JSON out).
    {"zoho.projects.getPortals", "zoho_projects", "Zoho Projects", "projectsapi.zoho.com", "GET",
     "/restapi/portals/", "", ""},
    {"zoho.projects.createProject", "zoho_projects", "Zoho Projects", "projectsapi.zoho.com",
     "POST", "/restapi/portal/$0/projects/", "", "", TaskBody::kForm, "$1*"},
    {"zoho.projects.createTaskList", "zoho_projects", "Zoho Projects", "projectsapi.zoho.com",
     "POST", "/restapi/portal/$0/projects/$1/tasklists/", "", "", TaskBody::kForm, "$2*"},
    {"zoho.projects.create", "zoho_projects", "Zoho Projects", "projectsapi.zoho.com", "POST",
     "/restapi/portal/$0/projects/$1/$2l/", "", "", TaskBody::kForm, "$3*"},
    {"zoho.projects.update", "zoho_projects", "Zoho Projects", "projectsapi.zoho.com", "POST",
     "/restapi/portal/$0/projects/$1/$2l/$3/", "", "", TaskBody::kForm, "$4*"},
    {"zoho.projects.getRecords", "zoho_projects", "Zoho Projects", "projectsapi.zoho.com", "GET",
     "/restapi/portal/$0/projects/$1/$2l/", "$3*index&range=$4", ""},
    // Zoho WorkDrive (API v1).
    {"zoho.workdrive.uploadFile", "zoho_workdrive", "Zoho WorkDrive", kApis, "POST",
     "/workdrive/api/v1/upload", "", "", TaskBody::kMultipart,
     "filename=$2&parent_id=$1&override-name-exist=$3&content=@$0"},
    {"zoho.workdrive.createFolder", "zoho_workdrive", "Zoho WorkDrive", kApis, "POST",
     "/workdrive/api/v1/files", "", "", TaskBody::kJson,
     R"({"data":{"attributes":{"name":$0,"parent_id":$1},"type":"files"}})", -1,
     "application/vnd.api+json"},
    // Zoho Writer: its API lives on the data centre's zohoapis host, which a WorkDrive
    // connection (with Writer's scopes) reaches; Relish's catalog has no Writer service.
    {"zoho.writer.mergeAndStore", "zoho_workdrive", "Zoho WorkDrive", kApis, "POST",
     "/writer/api/v1/documents/$0/merge/store", "", "", TaskBody::kForm,
     "merge_data=$1&output_settings=$2"},
    {"zoho.writer.v2.mergeAndStore", "zoho_workdrive", "Zoho WorkDrive", kApis, "POST",
     "/writer/api/v2/documents/$0/merge/store", "", "", TaskBody::kForm,
     "$1*&output_settings=$2&$3*"},
    // Zoho Sign (API v1): request details go in the `data` field as {"requests": {...}}.
    {"zoho.sign.getDocumentById", "zoho_sign", "Zoho Sign", "sign.zoho.com", "GET",
     "/api/v1/requests/$0", "", ""},
    {"zoho.sign.createDocument", "zoho_sign", "Zoho Sign", "sign.zoho.com", "POST",
     "/api/v1/requests", "", "", TaskBody::kMultipart, R"(file=@$0&data={"requests":$1})"},
    {"zoho.sign.updateDocument", "zoho_sign", "Zoho Sign", "sign.zoho.com", "PUT",
     "/api/v1/requests/$0", "", "", TaskBody::kForm, R"(data={"requests":$1})"},
    {"zoho.sign.submitRequest", "zoho_sign", "Zoho Sign", "sign.zoho.com", "POST",
     "/api/v1/requests/$0/submit", "", "", TaskBody::kForm, R"(data={"requests":$1})"},
    // zoho.sign.createUsingTemplate(templateId, params, connection): the params map's entries
    // (`data` as JSON, `is_quicksend`) are the form fields of Sign's "send using template" call.
    {"zoho.sign.createUsingTemplate", "zoho_sign", "Zoho Sign", "sign.zoho.com", "POST",
     "/api/v1/templates/$0/createdocument", "", "", TaskBody::kForm, "$1*"},
    // Zoho Creator (API v2.1 at the data centre's zohoapis host).
    {"zoho.creator.getRecords", "zoho_creator", "Zoho Creator", kApis, "GET",
     "/creator/v2.1/data/$0/$1/report/$2", "criteria=$3&from=$4&limit=$5", ""},
    {"zoho.creator.getRecordById", "zoho_creator", "Zoho Creator", kApis, "GET",
     "/creator/v2.1/data/$0/$1/report/$2/$3", "", ""},
    {"zoho.creator.createRecord", "zoho_creator", "Zoho Creator", kApis, "POST",
     "/creator/v2.1/data/$0/$1/form/$2", "", "", TaskBody::kJson, R"({"data":$3})", 4},
    {"zoho.creator.updateRecord", "zoho_creator", "Zoho Creator", kApis, "PATCH",
     "/creator/v2.1/data/$0/$1/report/$2/$3", "", "", TaskBody::kJson, R"({"data":$4})", 5},
};
#undef BOOKS_FAMILY

// The argument names of a task, from its params ("module, orgId[, search], connection").
std::vector<std::string> ParamNames(std::string_view params) {
  std::vector<std::string> names;
  std::string current;
  for (char c : params) {
    if (c == '[' || c == ']' || c == ' ') continue;
    if (c == ',') {
      names.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) names.push_back(std::move(current));
  return names;
}

bool Unreserved(unsigned char c) {
  return IsAsciiAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (Unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

class Builder {
 public:
  Builder(const ZohoServiceTask& task, const TaskSpec& spec, const std::vector<Value>& args)
      : task_(task), args_(args), names_(ParamNames(spec.params)) {}

  Error Fail(std::string message) const {
    return InvalidArgument(std::string(task_.name) + ": " + message);
  }

  std::string Name(size_t i) const {
    return i < names_.size() ? names_[i] : "argument " + std::to_string(i + 1);
  }

  const Value& Arg(size_t i) const {
    static const Value kNull;
    return i < args_.size() ? args_[i] : kNull;
  }

  // A scalar's text: text as it is, whole numbers without a fraction (ids arrive as decimals too).
  Result<std::string> Scalar(size_t i) const {
    const Value& v = Arg(i);
    if (v.is_text()) return std::string(v.text());
    if (v.is_int()) return FormatInt(v.AsInt());
    if (v.is_decimal()) {
      double d = v.AsDecimal();
      if (std::floor(d) == d && std::fabs(d) < 9e15) return FormatInt(static_cast<int64_t>(d));
      return FormatDecimal(d);
    }
    if (v.is_bool()) return std::string(v.AsBool() ? "true" : "false");
    if (v.is_null()) return std::string();
    return Fail(Name(i) + " must be TEXT or a number, got " + std::string(TypeName(v.type())));
  }

  // A field's text: scalars as Scalar, maps and lists as JSON.
  Result<std::string> FieldText(const Value& v) const {
    if (v.is_map() || v.is_list() || v.is_collection()) {
      std::string out;
      if (!AppendJson(out, v)) return Fail("a value nests too deeply");
      return out;
    }
    if (v.is_file()) return Fail("a FILE can only be sent as a file");
    std::string out;
    AppendDisplay(out, v);
    return out;
  }

  const OrderedMap* MapOf(const Value& v) const {
    if (v.is_map()) return &v.map()->map;
    if (v.is_collection() && v.collection()->inner.is_map()) return &v.collection()->inner.map()->map;
    return nullptr;
  }

  bool EmptyContainer(const Value& v) const {
    return v.is_null() || (v.is_text() && v.text().empty()) ||
           (v.is_collection() && v.collection()->inner.is_null());
  }

  // Reads `$N` (and a suffix) at template[pos]; returns the index and advances pos.
  static bool ReadRef(std::string_view t, size_t& pos, size_t& index) {
    if (pos >= t.size() || t[pos] != '$' || pos + 1 >= t.size() || !IsAsciiDigit(t[pos + 1])) {
      return false;
    }
    index = static_cast<size_t>(t[pos + 1] - '0');
    pos += 2;
    return true;
  }

  Result<std::string> Path() const {
    std::string out;
    std::string_view t = task_.path;
    for (size_t pos = 0; pos < t.size();) {
      size_t index;
      if (!ReadRef(t, pos, index)) {
        out += t[pos++];
        continue;
      }
      bool module = pos < t.size() && t[pos] == 'l';
      if (module) ++pos;
      std::string text = TRY(Scalar(index));
      if (text.empty()) return Fail(Name(index) + " is empty");
      if (module) {
        std::string lower;
        for (char c : ToLower(text)) {
          if (c != ' ') lower += c;
        }
        text = std::move(lower);
      }
      out += PercentEncode(text);
    }
    return out;
  }

  // Splits "a=$1&$2*&b=x" into its parts.
  static std::vector<std::string_view> Parts(std::string_view t) {
    std::vector<std::string_view> parts;
    while (!t.empty()) {
      size_t amp = t.find('&');
      parts.push_back(t.substr(0, amp));
      if (amp == std::string_view::npos) break;
      t.remove_prefix(amp + 1);
    }
    return parts;
  }

  Result<std::string> Query() const {
    std::string out;
    auto add = [&out](std::string_view raw) {
      if (raw.empty()) return;
      out += out.empty() ? "?" : "&";
      out += raw;
    };
    for (std::string_view part : Parts(task_.query)) {
      size_t pos = 0, index;
      if (ReadRef(part, pos, index) && pos < part.size() && part[pos] == '*') {
        std::string_view scalar_key = part.substr(pos + 1);
        const Value& v = Arg(index);
        if (EmptyContainer(v)) continue;
        if (const OrderedMap* map = MapOf(v)) {
          for (const auto& e : map->entries()) {
            if (e.key.is_null() || e.key.text().empty() || e.value.is_null()) continue;
            add(PercentEncode(e.key.text()) + "=" + PercentEncode(TRY(FieldText(e.value))));
          }
        } else if (v.is_text() && scalar_key.starts_with('=')) {
          // `$N*=key`: a text is one value of `key` (Invoice's filter_by: "Status.Active").
          add(std::string(scalar_key.substr(1)) + "=" + PercentEncode(v.text()));
        } else if (v.is_text()) {
          // Zoho's text form: "key=value&key=value", values already encoded by the script.
          std::string_view q = v.text();
          if (!q.empty() && q.front() == '?') q.remove_prefix(1);
          for (char c : q) {
            if (static_cast<unsigned char>(c) <= ' ' || c == '#') {
              return Fail(Name(index) +
                          " as text is a query string such as status=paid&customer_id=1; encode "
                          "spaces and other special characters with encodeUrl()");
            }
          }
          add(q);
        } else if (!scalar_key.empty() && !scalar_key.starts_with('=') && v.is_number()) {
          // ("=name": a text-only argument; a number has no field name to go with it.)
          add(std::string(scalar_key) + "=" + TRY(Scalar(index)));
        } else {
          return Fail(Name(index) + " must be KEY-VALUE or TEXT, got " +
                      std::string(TypeName(v.type())));
        }
        continue;
      }
      size_t eq = part.find('=');
      pos = eq + 1;
      if (eq == std::string_view::npos || !ReadRef(part, pos, index)) {
        add(part);
        continue;
      }
      std::string value = TRY(Scalar(index));
      if (value.empty()) continue;
      add(std::string(part.substr(0, eq)) + "=" + PercentEncode(value));
    }
    return out;
  }

  // JSON text with each `$N` replaced by argument N's JSON.
  Result<std::string> JsonTemplate(std::string_view t) const {
    std::string out;
    for (size_t pos = 0; pos < t.size();) {
      size_t index;
      if (!ReadRef(t, pos, index)) {
        out += t[pos++];
        continue;
      }
      const Value& v = Arg(index);
      if (v.is_file()) return Fail(Name(index) + " cannot be a FILE");
      if (!AppendJson(out, v)) return Fail(Name(index) + " nests too deeply");
    }
    return out;
  }

  Result<HttpHeaders> Headers() const {
    HttpHeaders headers;
    for (std::string_view part : Parts(task_.headers)) {
      size_t eq = part.find('=');
      size_t pos = eq + 1, index;
      if (eq == std::string_view::npos || !ReadRef(part, pos, index)) continue;
      std::string value = TRY(Scalar(index));
      if (value.empty()) return Fail(Name(index) + " is empty");
      headers.emplace_back(std::string(part.substr(0, eq)), std::move(value));
    }
    return headers;
  }

  struct Field {
    std::string name;
    std::string value;
    const FileObj* file = nullptr;
  };

  Result<std::vector<Field>> Fields() const {
    std::vector<Field> fields;
    for (std::string_view part : Parts(task_.body_template)) {
      size_t pos = 0, index;
      if (ReadRef(part, pos, index) && pos < part.size() && part[pos] == '*') {
        const Value& v = Arg(index);
        if (EmptyContainer(v)) continue;
        const OrderedMap* map = MapOf(v);
        if (map == nullptr) {
          return Fail(Name(index) + " must be KEY-VALUE, got " + std::string(TypeName(v.type())));
        }
        for (const auto& e : map->entries()) {
          if (e.key.is_null() || e.value.is_null()) continue;
          fields.push_back({std::string(e.key.text()), TRY(FieldText(e.value))});
        }
        continue;
      }
      size_t eq = part.find('=');
      if (eq == std::string_view::npos) continue;
      std::string name(part.substr(0, eq));
      std::string_view value = part.substr(eq + 1);
      pos = 0;
      if (value.starts_with("@") && (pos = 1, ReadRef(value, pos, index))) {
        TRY(AddFiles(name, index, fields));
        continue;
      }
      pos = 0;
      if (ReadRef(value, pos, index) && pos == value.size()) {
        const Value& v = Arg(index);
        if (v.is_null()) continue;
        if (v.is_file()) return Fail(Name(index) + " cannot be a FILE");
        fields.push_back({std::move(name), TRY(FieldText(v))});
        continue;
      }
      fields.push_back({std::move(name), TRY(JsonTemplate(value))});
    }
    return fields;
  }

  Result<void> AddFiles(const std::string& name, size_t index, std::vector<Field>& fields) const {
    const Value& v = Arg(index);
    auto one = [&](const Value& f) -> Result<void> {
      if (!f.is_file()) {
        return Fail(Name(index) + " must be a FILE, got " + std::string(TypeName(f.type())));
      }
      fields.push_back({name, "", f.file()});
      return Ok();
    };
    if (v.is_list()) {
      if (v.list()->items.empty()) return Fail(Name(index) + " is an empty list");
      for (const Value& f : v.list()->items) TRY(one(f));
      return Ok();
    }
    return one(v);
  }

  static std::string FormEncode(const std::vector<Field>& fields) {
    std::string out;
    for (const auto& f : fields) {
      if (!out.empty()) out += '&';
      out += PercentEncode(f.name) + "=" + PercentEncode(f.value);
    }
    return out;
  }

  // multipart/form-data (RFC 7578) with a fixed boundary, lengthened until no part contains it.
  static std::pair<std::string, std::string> Multipart(const std::vector<Field>& fields) {
    std::string boundary = "----RelishZohoTaskBoundary";
    auto clashes = [&] {
      for (const auto& f : fields) {
        std::string_view bytes = f.file ? std::string_view(f.file->bytes) : f.value;
        if (bytes.find(boundary) != std::string_view::npos) return true;
      }
      return false;
    };
    while (clashes()) boundary += "x";
    auto quoted = [](std::string_view s) {
      std::string out;
      for (char c : s) {
        if (c == '"' || c == '\r' || c == '\n') {
          out += '%';
          out += c == '"' ? "22" : (c == '\r' ? "0D" : "0A");
        } else {
          out += c;
        }
      }
      return out;
    };
    std::string body;
    for (const auto& f : fields) {
      body += "--" + boundary + "\r\n";
      body += "Content-Disposition: form-data; name=\"" + quoted(f.name) + "\"";
      if (f.file != nullptr) {
        body += "; filename=\"" + quoted(f.file->name.empty() ? "file" : f.file->name) + "\"\r\n";
        body += "Content-Type: " +
                (f.file->content_type.empty() ? std::string("application/octet-stream")
                                              : f.file->content_type) +
                "\r\n\r\n";
        body += f.file->bytes;
      } else {
        body += "\r\n\r\n" + f.value;
      }
      body += "\r\n";
    }
    body += "--" + boundary + "--\r\n";
    return {"multipart/form-data; boundary=" + boundary, body};
  }

  Result<std::string> MergedJson() const {
    std::string body = TRY(JsonTemplate(task_.body_template));
    if (task_.merge < 0) return body;
    const Value& v = Arg(static_cast<size_t>(task_.merge));
    if (EmptyContainer(v)) return body;
    const OrderedMap* map = MapOf(v);
    if (map == nullptr) {
      return Fail(Name(task_.merge) + " must be KEY-VALUE, got " + std::string(TypeName(v.type())));
    }
    // The template is an object: its closing brace takes the map's entries before it.
    body.pop_back();
    for (const auto& e : map->entries()) {
      if (e.key.is_null()) continue;
      body += ',';
      AppendJsonString(body, e.key.text());
      body += ':';
      if (!AppendJson(body, e.value)) return Fail(Name(task_.merge) + " nests too deeply");
    }
    body += '}';
    return body;
  }

 private:
  const ZohoServiceTask& task_;
  const std::vector<Value>& args_;
  std::vector<std::string> names_;
};

std::string Ordinal(size_t n) {
  std::string s = std::to_string(n);
  if (n % 100 >= 11 && n % 100 <= 13) return s + "th";
  switch (n % 10) {
    case 1: return s + "st";
    case 2: return s + "nd";
    case 3: return s + "rd";
    default: return s + "th";
  }
}

}  // namespace

std::span<const ZohoServiceTask> AllZohoServiceTasks() { return kTable; }

const ZohoServiceTask* FindZohoServiceTask(std::string_view name) {
  for (const auto& t : kTable) {
    if (EqualsIgnoreCase(t.name, name)) return &t;
  }
  return nullptr;
}

Result<ZohoTaskRequest> BuildZohoTaskRequest(const ZohoServiceTask& task,
                                             const std::vector<Value>& args) {
  const TaskSpec* spec = FindTask(task.name);
  if (spec == nullptr) return Internal(std::string(task.name) + " has no TaskSpec");
  Builder b(task, *spec, args);
  size_t max = static_cast<size_t>(spec->max_args);
  // Zoho's optional arguments come before the connection: a call reaches the connection only
  // with all of them, so fewer arguments means no connection.
  if (args.size() < max) {
    return FailedPrecondition(std::string(task.name) + " needs a connection: Relish calls " +
                              std::string(task.service_name) +
                              " only through one, given by its link name as the " +
                              Ordinal(max) + " argument");
  }
  if (args.size() > max) return b.Fail("takes at most " + std::to_string(max) + " arguments");
  const Value& link = args.back();
  if (!link.is_text() || link.text().empty()) {
    return b.Fail("the connection must be the link name of a " + std::string(task.service_name) +
                  " connection, got " +
                  (link.is_text() ? std::string("an empty text")
                                  : std::string(TypeName(link.type()))));
  }
  ZohoTaskRequest r;
  r.connection = std::string(link.text());
  r.method = std::string(task.method);
  r.target = TRY(b.Path()) + TRY(b.Query());
  r.headers = TRY(b.Headers());
  switch (task.body) {
    case TaskBody::kNone:
      break;
    case TaskBody::kJson:
      r.body = TRY(b.MergedJson());
      r.headers.emplace_back("Content-Type", task.content_type.empty()
                                                 ? std::string("application/json")
                                                 : std::string(task.content_type));
      break;
    case TaskBody::kForm:
      r.body = Builder::FormEncode(TRY(b.Fields()));
      r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
      break;
    case TaskBody::kMultipart: {
      auto [type, body] = Builder::Multipart(TRY(b.Fields()));
      r.body = std::move(body);
      r.headers.emplace_back("Content-Type", std::move(type));
      break;
    }
  }
  return r;
}

Value ZohoTaskAnswer(const HttpResponse& response, Heap& heap) {
  std::string_view body = response.body;
  size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return heap.NewMap();
  if (body[start] == '{' || body[start] == '[') {
    Value v;
    std::string error;
    if (ParseJson(body, heap, v, error)) return v;
  }
  return Value::Text(body);
}

// ---- invokeapi ----
namespace {

// Zoho's services that have a catalog entry, so a connection can be made for them.
constexpr InvokeApiService kInvokeApiServices[] = {
    {"zoho_crm", "Zoho CRM", kApis},
    {"zoho_bigin", "Bigin", kApis},
    {"zoho_books", "Zoho Books", kApis},
    {"zoho_invoice", "Zoho Invoice", kApis},
    {"zoho_inventory", "Zoho Inventory", kApis},
    {"zoho_desk", "Zoho Desk", "desk.zoho.com"},
    {"zoho_projects", "Zoho Projects", "projectsapi.zoho.com"},
    {"zoho_workdrive", "Zoho WorkDrive", kApis},
    {"zoho_sign", "Zoho Sign", "sign.zoho.com"},
    {"zoho_creator", "Zoho Creator", kApis},
    {"zoho_recruit", "Zoho Recruit", "recruit.zoho.com"},
    {"zoho_people", "Zoho People", "people.zoho.com"},
    {"zoho_cliq", "Zoho Cliq", "cliq.zoho.com"},
    {"zoho_mail", "Zoho Mail", "mail.zoho.com"},
    {"zoho_calendar", "Zoho Calendar", "calendar.zoho.com"},
};

// "Zoho CRM", "ZohoCRM", "zoho_crm" and "crm" all become "crm".
std::string ServiceKey(std::string_view name) {
  std::string key;
  for (char c : ToLower(name)) {
    if (c != ' ' && c != '_' && c != '-') key += c;
  }
  if (key.starts_with("zoho") && key.size() > 4) key.erase(0, 4);
  return key;
}

}  // namespace

Result<InvokeApiService> FindInvokeApiService(std::string_view name) {
  std::string key = ServiceKey(name);
  std::string known;
  for (const auto& s : kInvokeApiServices) {
    std::string short_name(s.id.substr(5));
    if (key == short_name) return s;
    known += (known.empty() ? "" : ", ") + short_name;
  }
  return InvalidArgument("invokeapi: unknown service '" + std::string(name) +
                         "': Relish knows " + known);
}

Error InvokeApiWrongConnection(std::string_view link, std::string_view actual,
                               const InvokeApiService& service) {
  return FailedPrecondition("invokeapi: connection '" + std::string(link) + "' is for " +
                            std::string(actual) + "; service '" + std::string(service.id.substr(5)) +
                            "' needs a " + std::string(service.name) + " connection (" +
                            std::string(service.id) + ")");
}

}  // namespace relish::deluge
