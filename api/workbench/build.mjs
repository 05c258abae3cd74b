// Copies the YASGUI build from node_modules into ./static (served by ScaleKG at /query/static/)
// and writes LICENSE.txt: YASGUI's MIT licence and the licences of every package in the bundle.
// Run by `make yasgui` after `npm ci`; the output is committed so serving needs no npm.
import { readFileSync, writeFileSync, readdirSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;
const modules = join(here, "node_modules");
const out = join(here, "static");
mkdirSync(out, { recursive: true });

const build = join(modules, "@zazuko", "yasgui", "build");
// No source-map request, ever.
const js = readFileSync(join(build, "yasgui.min.js"), "utf8").replace(
  /\n?\/\/# sourceMappingURL=\S+\s*$/,
  "\n",
);
writeFileSync(join(out, "yasgui.min.js"), js);
writeFileSync(join(out, "yasgui.min.css"), readFileSync(join(build, "yasgui.min.css"), "utf8"));

const lock = JSON.parse(readFileSync(join(here, "package-lock.json"), "utf8"));
const yasgui = lock.packages["node_modules/@zazuko/yasgui"];
let text = `YASGUI ${yasgui.version} (@zazuko/yasgui, https://github.com/rdfjs/Yasgui), served by ScaleKG at /query.
Built by \`make yasgui\` from the npm packages pinned in api/workbench/package-lock.json.

The MIT License (MIT)

Copyright (c) Triply <info@triply.cc> and Zazuko GmbH (authors of @zazuko/yasgui, @zazuko/yasqe,
@zazuko/yasr and @zazuko/yasgui-utils, as their package.json files state)

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

The bundle includes the following packages, under their own licences:
`;
const names = Object.keys(lock.packages)
  .filter((p) => p.startsWith("node_modules/") && !p.includes("/@zazuko/"))
  .sort();
for (const key of names) {
  const info = lock.packages[key];
  const dir = join(here, key);
  const name = key.replace(/^.*node_modules\//, "");
  text += `\n${"=".repeat(100)}\n${name} ${info.version || ""} (${info.license || "see below"})\n`;
  if (!existsSync(dir)) continue;
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  if (file) text += "\n" + readFileSync(join(dir, file), "utf8").trim() + "\n";
}
writeFileSync(join(out, "LICENSE.txt"), text);
console.log(`wrote static/yasgui.min.js, static/yasgui.min.css, static/LICENSE.txt (${names.length} bundled packages)`);
