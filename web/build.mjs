// Rebuilds the vendored browser files under widget/vendor/ from node_modules (run `npm ci` first).
// The output is committed so that `make run` needs neither Node nor the npm registry.
//
//   ../tests/web/vendor/       axe-core (axe.min.js and its licence) for the accessibility tests
//   widget/vendor/socket.io/   the socket.io client (ES module build) and its licence
//   widget/vendor/dsfr/        the subset of the DSFR the demo site and the widget use:
//                              dsfr-site.min.css (core + the components the demo pages use),
//                              fonts.css (the Marianne @font-face rules, for the widget),
//                              the woff2 fonts and the icons those files reference, the licence.
//
// No bundler: the widget itself (widget/chat-widget.js, widget/chat-widget.css) is hand-written.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const vendor = join(here, "widget", "vendor");
const dsfrDist = join(modules, "@gouvfr", "dsfr", "dist");
const dsfrOut = join(vendor, "dsfr");

// The DSFR parts the demo pages use (order matters: core first).
const SITE_CSS = [
  "core/core.min.css",
  "component/skiplink/skiplink.min.css",
  "component/link/link.min.css",
  "component/button/button.min.css",
  "component/header/header.min.css",
  "component/footer/footer.min.css",
  "component/breadcrumb/breadcrumb.min.css",
  "component/card/card.min.css",
  "component/callout/callout.min.css",
];

// Icons the widget's own stylesheet uses (paths relative to the DSFR dist/icons folder).
const WIDGET_ICONS = [
  "communication/question-answer-line.svg",
  "system/close-line.svg",
  "business/send-plane-fill.svg",
  "system/refresh-line.svg",
  "device/phone-line.svg",
  "system/external-link-line.svg",
  "system/fr--warning-line.svg",
  "system/fr--info-line.svg",
];

function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

// Drops the woff fallback of each @font-face: every browser the site supports reads woff2.
function woff2Only(css) {
  return css.replace(/,url\([^)]*\.woff\) format\("woff"\)/g, "");
}

// Rewrites every url(...) of a DSFR stylesheet so that it points to a copy of the file under
// dsfrOut, copying each referenced file once. Data URLs are left alone.
function relocate(css, sourceFile, outputFile) {
  return css.replace(/url\(("?)([^)"]+)\1\)/g, (match, quote, target) => {
    if (target.startsWith("data:")) return match;
    const source = resolve(dirname(sourceFile), target);
    const destination = join(dsfrOut, relative(dsfrDist, source));
    copy(source, destination);
    return `url(${relative(dirname(outputFile), destination)})`;
  });
}

function buildSiteCss() {
  const output = join(dsfrOut, "dsfr-site.min.css");
  const parts = SITE_CSS.map((name) => {
    const file = join(dsfrDist, name);
    const css = readFileSync(file, "utf8").replace(/\/\*# sourceMappingURL=.*?\*\//g, "");
    return relocate(woff2Only(css), file, output);
  });
  writeFileSync(output, parts.join("\n"));
}

function buildFontsCss() {
  const file = join(dsfrDist, "core/core.min.css");
  const faces = readFileSync(file, "utf8").match(/@font-face\{[^}]*\}/g) ?? [];
  const marianne = faces.filter((face) => face.includes("font-family:Marianne"));
  const output = join(dsfrOut, "fonts.css");
  writeFileSync(output, relocate(woff2Only(marianne.join("\n")), file, output) + "\n");
}

function copyIcons() {
  for (const icon of WIDGET_ICONS) copy(join(dsfrDist, "icons", icon), join(dsfrOut, "icons", icon));
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
  const lines = ["@gouvfr/dsfr", "socket.io-client"].map((name) => `${name} ${version(name)}`);
  writeFileSync(join(vendor, "VERSIONS.txt"), lines.join("\n") + "\n");
}

rmSync(vendor, { recursive: true, force: true });
buildSiteCss();
buildFontsCss();
copyIcons();
copy(join(modules, "@gouvfr", "dsfr", "LICENSE.md"), join(dsfrOut, "LICENSE.md"));
copySocketIo();
writeVersions();
copyAxe();
console.log(`vendored files written under ${relative(process.cwd(), vendor) || "."}`);
