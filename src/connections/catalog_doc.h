// The catalog as a Markdown table (docs/services.md's "The default services" section), generated
// from the service files so the list cannot drift from them: the catalog test fails when the
// committed section differs from this output (scripts/services-doc.sh rewrites it).
#pragma once

#include <string>
#include <vector>

#include "connections/service.h"

namespace relish::connections {

// The markers around the generated section in docs/services.md.
inline constexpr std::string_view kCatalogDocBegin =
    "<!-- catalog: generated from services/*.yaml by scripts/services-doc.sh; do not edit -->";
inline constexpr std::string_view kCatalogDocEnd = "<!-- catalog: end -->";

// The values a parameter may take when its pattern is a plain list of alternatives
// ('^(com|eu|com\.au)$' -> com, eu, com.au); empty when it is any other pattern.
std::vector<std::string> PatternAlternatives(std::string_view pattern);

// One line per service (sorted by category, then name): name and id, scheme, the regions or
// instances its parameters choose among, whether it has a sandbox base URL, and its docs page.
std::string CatalogMarkdown(const std::vector<Service>& services);

// `document` with the text between the markers replaced by CatalogMarkdown; an error when the
// markers are missing.
Result<std::string> WithCatalog(std::string_view document, const std::vector<Service>& services);

}  // namespace relish::connections
