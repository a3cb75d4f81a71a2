// A topping as files: topping.yaml and functions/*.dg. ParseManifest reads topping.yaml;
// LoadBundle reads the whole folder's files and checks that they fit together. Every problem is
// reported as "FILE:LINE: reason" (docs/toppings.md has the format).
//
//   namespace: biginandbooksconnectionnew
//   name: Bigin and Books sync
//   version: 1.0.0
//   connections:
//     - link_name: booksconnection        # used as biginandbooksconnectionnew__booksconnection
//       service: zoho_books
//       scopes: [ZohoBooks.fullaccess.ALL]
//   fields:
//     - {module: Contacts, label: Books Id, type: text}
//   functions:
//     - {name: sync_contact, params: [contact]}   # functions/sync_contact.dg
//   rules:
//     - name: Sync contacts to Books               # a workflow rule definition (docs/workflow.md)
//       module: Contacts
//       ...
//
// Plain data: no store, no network.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crm/schema.h"

namespace relish::toppings {

using Json = crm::Json;

inline constexpr std::string_view kManifestFile = "topping.yaml";
inline constexpr size_t kMaxBundleBytes = 4 * 1024 * 1024;

struct ManifestConnection {
  std::string link_name;  // as the topping names it; stored as "<namespace>__<link_name>"
  std::string name;       // display name
  std::string service;
  std::vector<std::string> scopes;
  std::map<std::string, std::string> params;
  bool per_user = false;
  std::string path;  // "connections[1]", for Manifest::LineOf
  int line = 0;
};

struct ManifestField {
  std::string module;
  std::string label;
  std::string api_name;  // empty: from the label
  std::string type;      // crm::ParseFieldType names
  bool required = false;
  bool unique = false;
  std::vector<std::string> options;
  std::string lookup_module;
  int max_length = 0;
  std::string path;
  int line = 0;
};

struct ManifestFunction {
  std::string name;
  std::string file;  // default functions/<name>.dg
  std::vector<std::string> params;
  std::string description;
  int line = 0;
};

struct Manifest {
  std::string ns;  // the namespace
  std::string name;
  std::string version;
  std::string description;
  std::vector<ManifestConnection> connections;
  std::vector<ManifestField> fields;
  std::vector<ManifestFunction> functions;
  std::vector<Json> rules;  // workflow rule definitions
  // The line of each key, by its path ("rules[0].conditions[1].criteria[0]").
  std::map<std::string, int> lines;

  // The line of the longest known prefix of `path` (0 if none).
  int LineOf(std::string_view path) const;
  // "topping.yaml:LINE: <message>" for an error whose message starts with "<path>: ".
  Error Locate(const Error& error, std::string_view path_prefix = "") const;
};

// The full link name a topping's connection gets.
std::string FullLinkName(std::string_view ns, std::string_view link_name);

Result<Manifest> ParseManifest(std::string_view yaml);

// A topping's files by relative path ("topping.yaml", "functions/sync_contact.dg").
using Files = std::map<std::string, std::string>;

struct Bundle {
  Manifest manifest;
  Files files;
  std::map<std::string, std::string> sources;  // function name -> source, of those that compile
  // Every problem ReadBundle found, "FILE:LINE: reason" each, in file order. A bundle with
  // problems is read far enough for further checks (Toppings::Install reports them all at
  // once), never installed.
  std::vector<std::string> problems;
};

// Parses the manifest, finds each function's file, refuses files it does not know (a .dg file
// no function names, any other path), and checks each function compiles. An error only when
// the files cannot be read as a topping at all (too large, no topping.yaml, a topping.yaml
// ParseManifest refuses); anything else is listed in `problems`.
Result<Bundle> ReadBundle(const Files& files);

// ReadBundle, with its problems as one kInvalidArgument error, a line each.
Result<Bundle> LoadBundle(const Files& files);

// The problems as one kInvalidArgument error, one per line; Ok when there are none.
Result<void> ProblemsError(const std::vector<std::string>& problems);

}  // namespace relish::toppings
