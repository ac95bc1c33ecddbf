// Rebuilds the vendored browser files from node_modules (run `npm ci` first).
// The output is committed so that `make run` needs neither Node nor the npm registry.
//
//   ../tests/web/vendor/       axe-core (axe.min.js and its licence) for the accessibility tests
//   widget/vendor/socket.io/   the socket.io client (ES module build) and its licence
//
// No bundler and no design system: the widget (widget/chat-widget.js, widget/chat-widget.css,
// widget/icons/) and the demo site's style sheet (site/site.css) are hand-written.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const vendor = join(here, "widget", "vendor");

function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

function copySocketIo() {
  const dist = join(modules, "socket.io-client", "dist");
  const out = join(vendor, "socket.io");
  // Without its source-map comment: the map is not shipped, and a missing one is a 404 in devtools.
  const code = readFileSync(join(dist, "socket.io.esm.min.js"), "utf8");
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "socket.io.esm.min.js"), code.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n"));
  copy(join(modules, "socket.io-client", "LICENSE"), join(out, "LICENSE"));
}

function copyAxe() {
  const out = join(here, "..", "tests", "web", "vendor");
  copy(join(modules, "axe-core", "axe.min.js"), join(out, "axe.min.js"));
  copy(join(modules, "axe-core", "LICENSE"), join(out, "LICENSE-axe-core.txt"));
  writeFileSync(join(out, "VERSIONS.txt"), `axe-core ${version("axe-core")}\n`);
}

function version(name) {
  return JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8")).version;
}

function writeVersions() {
  const lines = ["socket.io-client"].map((name) => `${name} ${version(name)}`);
  writeFileSync(join(vendor, "VERSIONS.txt"), lines.join("\n") + "\n");
}

rmSync(vendor, { recursive: true, force: true });
copySocketIo();
writeVersions();
copyAxe();
console.log(`vendored files written under ${relative(process.cwd(), vendor) || "."}`);
