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

// The OGC API's HTML pages (pygeoapi templates) name these on unpkg.com (Leaflet also on cdnjs);
// gis_server/ogc/offline.py rewrites those links to our copies, so the pages work offline too.
const ogcTarget = join(here, "..", "gis_server", "static", "ogc", "vendor");
const ogcFiles = {
  bootstrap: ["dist/css/bootstrap.min.css", "dist/css/bootstrap.min.css.map"],
  // Source maps too: the static files' manifest checks every file a script names.
  leaflet: ["dist/leaflet.js", "dist/leaflet.js.map", "dist/leaflet.css", "dist/images/layers.png", "dist/images/layers-2x.png",
    "dist/images/marker-icon.png", "dist/images/marker-icon-2x.png", "dist/images/marker-shadow.png"],
  "leaflet.markercluster": ["dist/leaflet.markercluster-src.js", "dist/leaflet.markercluster-src.js.map",
    "dist/MarkerCluster.css", "dist/MarkerCluster.Default.css"],
  // The collection tiles page's vector tile layer (pbf and its decoders bundled in).
  "leaflet.vectorgrid": ["dist/Leaflet.VectorGrid.bundled.js", "dist/Leaflet.VectorGrid.bundled.js.map"],
  "swagger-ui-dist": ["swagger-ui.css", "swagger-ui.css.map", "swagger-ui-bundle.js", "swagger-ui-bundle.js.map",
    "swagger-ui-standalone-preset.js", "swagger-ui-standalone-preset.js.map", "favicon-16x16.png",
    "favicon-32x32.png"],
};
for (const [pkg, list] of Object.entries(ogcFiles)) {
  for (const file of list) {
    const to = join(ogcTarget, pkg, file);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(here, "node_modules", pkg, file), to);
  }
}
console.log(`vendor: ${Object.keys(ogcFiles).join(", ")} → ${ogcTarget}`);
