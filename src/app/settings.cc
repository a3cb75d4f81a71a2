#include "app/settings.h"

#include "outbound/egress.h"
#include "outbound/url.h"

namespace relish::app {

Result<void> CheckSetting(std::string_view key, std::string_view value) {
  if (key == "sandbox_remap" || key == "production_remap") {
    TRY(outbound::ParseRemap(value));
  } else if (key == "outbound_proxy") {
    TRY(outbound::CheckProxyUrl(value));
  } else if (key == "public_url") {
    // OAuth redirect URIs and the CRM's issuer are built from it: an absolute http(s) URL.
    auto url = outbound::ParseUrl(value);
    if (!url.ok()) {
      return InvalidArgument("expected the URL users reach this server at, like "
                             "https://relish.example.com, got '" + std::string(value) + "'");
    }
  }
  return Ok();
}

}  // namespace relish::app
