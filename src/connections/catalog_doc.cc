#include "connections/catalog_doc.h"

#include <algorithm>
#include <cctype>
#include <tuple>

namespace relish::connections {
namespace {

std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

// The host part of a URL or host entry ("https://{x}.a.com/p" -> "{x}.a.com").
std::string_view HostPart(std::string_view url) {
  if (auto p = url.find("://"); p != std::string_view::npos) url.remove_prefix(p + 3);
  return url.substr(0, url.find('/'));
}

bool InHost(const Service& s, const std::string& name) {
  std::string token = "{" + name + "}";
  std::vector<std::string_view> hosts = {HostPart(s.base_url), HostPart(s.sandbox_base_url)};
  for (const auto& h : s.allowed_hosts) hosts.push_back(h);
  for (const auto& h : s.TokenHosts()) hosts.push_back(h);
  return std::any_of(hosts.begin(), hosts.end(),
                     [&](std::string_view h) { return h.find(token) != std::string_view::npos; });
}

std::string Regions(const Service& s) {
  std::string out;
  for (const auto& p : s.parameters) {
    if (!InHost(s, p.name)) continue;
    if (!out.empty()) out += "; ";
    auto values = PatternAlternatives(p.pattern);
    out += "`" + p.name + "`: ";
    if (values.empty()) {
      out += Cell(p.label);
      continue;
    }
    for (size_t i = 0; i < values.size(); ++i) {
      out += (i ? ", " : "") + values[i];
      if (p.default_value == values[i]) out += " (default)";
    }
  }
  return out.empty() ? "—" : out;
}

}  // namespace

std::vector<std::string> PatternAlternatives(std::string_view pattern) {
  if (!pattern.starts_with("^(") || !pattern.ends_with(")$")) return {};
  std::string_view body = pattern.substr(2, pattern.size() - 4);
  std::vector<std::string> out;
  std::string current;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '\\' && i + 1 < body.size() && body[i + 1] == '.') {
      current += '.';
      ++i;
    } else if (c == '|') {
      out.push_back(std::move(current));
      current.clear();
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
      current += c;
    } else {
      return {};  // a character class, a group or a quantifier: not a plain list
    }
  }
  out.push_back(std::move(current));
  return out;
}

std::string CatalogMarkdown(const std::vector<Service>& services) {
  std::vector<const Service*> sorted;
  for (const auto& s : services) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(), [](const Service* a, const Service* b) {
    return std::tie(a->category, a->name, a->id) < std::tie(b->category, b->name, b->id);
  });
  std::string out = std::to_string(services.size()) + " default services.\n\n";
  out += "| Service | Id | Category | Scheme | Regions / instances | Sandbox | Docs |\n";
  out += "|---|---|---|---|---|---|---|\n";
  for (const Service* s : sorted) {
    out += "| " + Cell(s->name) + " | `" + s->id + "` | " + std::string(s->Category()) + " | " +
           std::string(AuthSchemeName(s->auth)) + " | " + Regions(*s) + " | " +
           (s->sandbox_base_url.empty() ? "—" : "yes") + " | [docs](" + s->docs + ") |\n";
  }
  return out;
}

Result<std::string> WithCatalog(std::string_view document, const std::vector<Service>& services) {
  auto begin = document.find(kCatalogDocBegin);
  auto end = document.find(kCatalogDocEnd);
  if (begin == std::string_view::npos || end == std::string_view::npos || end < begin) {
    return InvalidArgument("the document has no catalog markers");
  }
  std::string out(document.substr(0, begin + kCatalogDocBegin.size()));
  out += "\n" + CatalogMarkdown(services);
  out += document.substr(end);
  return out;
}

}  // namespace relish::connections
