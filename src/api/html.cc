#include "api/html.h"

namespace relish::api::html {

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Hidden(std::string_view name, std::string_view value) {
  return "<input type=\"hidden\" name=\"" + Escape(name) + "\" value=\"" + Escape(value) + "\">\n";
}

namespace {

constexpr std::string_view kStyle = R"css(
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f5f7;color:#1f2328;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:2rem}
h1{font-size:1.3rem;margin:0 0 1rem}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=email],input[type=password],select{width:100%;box-sizing:border-box;padding:.5rem;border:1px solid #8c959f;border-radius:6px;font:inherit}
fieldset{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
fieldset label{display:inline;font-weight:400;margin-right:1rem}
button{margin-top:1.2rem;padding:.55rem 1.2rem;border-radius:6px;border:1px solid #1f6feb;background:#1f6feb;color:#fff;font:inherit;cursor:pointer}
button.secondary{background:#fff;color:#1f2328;border-color:#8c959f}
.error{background:#ffebe9;border:1px solid #ff8182;border-radius:6px;padding:.6rem .8rem}
.muted{color:#57606a;font-size:.9rem}
ul.scopes{padding-left:1.2rem}
form.inline{display:inline}
form.inline button{margin:0;padding:0;border:0;background:none;color:#0969da;text-decoration:underline}
)css";

}  // namespace

server::Response Page(int status, std::string_view title, std::string_view body) {
  server::Response r;
  r.status = status;
  r.body =
      "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      Escape(title) + " · Relish</title>\n<style>" + std::string(kStyle) +
      "</style>\n</head>\n<body>\n<main>\n" + std::string(body) + "</main>\n</body>\n</html>\n";
  r.SetHeader("Content-Type", "text/html; charset=utf-8");
  r.SetHeader("Cache-Control", "no-store");
  r.SetHeader("Pragma", "no-cache");
  r.SetHeader("X-Frame-Options", "DENY");
  r.SetHeader(
      "Content-Security-Policy",
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'");
  r.SetHeader("Referrer-Policy", "no-referrer");
  r.SetHeader("X-Content-Type-Options", "nosniff");
  return r;
}

server::Response ErrorPage(int status, std::string_view title, std::string_view message) {
  return Page(status, title,
              "<h1>" + Escape(title) + "</h1>\n<p class=\"error\">" + Escape(message) + "</p>\n");
}

}  // namespace relish::api::html
