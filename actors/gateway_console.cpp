// GET /console/… : the operator console (console/ in the repository), compiled into the binary
// (cmake/EmbedFiles.cmake) so a node deploys as one file and serves the console it was built
// with. The page itself needs no token: the browser keeps the admin token for the session and
// sends it with each API call.
//
// The console's security is in its headers: a Content-Security-Policy that allows only scripts,
// styles and connections of this origin (no inline script, so an injected string cannot run),
// and that no other site may frame it (clickjacking); no referrer leaves the page.
#include "actors/gateway_call.hpp"
#include "common/embedded_file.hpp"

#include <string_view>

namespace commerce::actors {

extern const embedded_file console_files[];

namespace {

constexpr std::string_view console_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

std::string_view content_type_of(std::string_view path) {
  const auto ends = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js") || ends(".mjs")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".json")) return "application/json";
  return "text/plain; charset=utf-8";
}

http_response with_console_headers(http_response r) {
  r.headers.emplace_back("Content-Security-Policy", std::string(console_policy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

void serve_console_file(const call_ptr& call) {
  const auto path = path_of(call->request.target);
  if (path == "/console") {  // the page's relative module paths need the trailing slash
    http_response r;
    r.status = 308;
    r.headers.emplace_back("Location", "/console/");
    return call->respond(std::move(r));
  }
  auto relative = std::string(path.substr(std::string_view("/console/").size()));
  if (relative.empty()) relative = "index.html";
  for (const auto* file = console_files; !file->path.empty(); ++file) {
    if (file->path != relative) continue;
    http_response r;
    r.content_type = std::string(content_type_of(relative));
    r.body = std::string(file->content);
    return call->respond(with_console_headers(std::move(r)));
  }
  call->respond(with_console_headers(problem(404, "not_found", "Not found", "the console has no file " + relative)));
}

}  // namespace

void add_console_routes(gateway_routes& routes) {
  // The router matches whole segments: one pattern per depth of console/.
  routes.add("GET", "/console", {false, serve_console_file});
  routes.add("GET", "/console/{file}", {false, serve_console_file});
  routes.add("GET", "/console/{dir}/{file}", {false, serve_console_file});
  routes.add("GET", "/console/{dir}/{sub}/{file}", {false, serve_console_file});
}

}  // namespace commerce::actors
