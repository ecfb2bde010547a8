// Copies MapLibre GL's browser files from node_modules into the web map's static folder,
// so the page is served from our own origin (no CDN; works offline). Run after `npm ci`:
//   npm ci --prefix frontend && npm run --prefix frontend vendor
import { copyFileSync, mkdirSync, readFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "node_modules", "maplibre-gl");
const target = join(here, "..", "gis_server", "webmap", "static", "webmap", "vendor", "maplibre-gl");
// The ES module, its worker (looked up next to it) and the stylesheet; source maps are left out.
const files = ["dist/maplibre-gl.mjs", "dist/maplibre-gl-worker.mjs", "dist/maplibre-gl.css", "LICENSE.txt"];

if (!existsSync(source)) {
  console.error(`vendor: ${source} is missing; run "npm ci" in ${here} first`);
  process.exit(1);
}
const { version } = JSON.parse(readFileSync(join(source, "package.json"), "utf8"));
mkdirSync(target, { recursive: true });
for (const file of files) {
  copyFileSync(join(source, file), join(target, file.split("/").pop()));
}
console.log(`vendor: maplibre-gl ${version} → ${target}`);
