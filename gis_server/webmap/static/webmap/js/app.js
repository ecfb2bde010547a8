// The citizen web map: map, layer toggles, search, parcel selection, planning report, shareable URL.
// Plain ES modules; MapLibre GL comes from our own static files (see the import map in the page).

import { AttributionControl, Map as MapLibreMap, NavigationControl, ScaleControl } from "maplibre-gl";

import { createApi } from "./api.js";
import { language, setLanguage, t } from "./i18n.js";
import { followData } from "./refresh.js";
import { escape, renderReport } from "./report.js";
import { parseQuery } from "./search.js";

const config = JSON.parse(document.getElementById("webmap-config").textContent);
const api = createApi(config.api);
const $ = (selector) => document.querySelector(selector);
const panel = $("#panel");
const status = $("#search-status");
const resultsList = $("#results");
const reportBox = $("#report");
const phone = window.matchMedia("(max-width: 720px)");

// selectedId: the parcel asked for; shownId: the parcel whose report is shown and whose camera move has begun.
const state = { report: null, results: null, selectedId: null, shownId: null };

// ------------------------------------------------------------------ map

const [west, south, east, north] = config.bounds;
const margin = 0.05;

/** Padding that keeps what the map frames clear of the panel floating over it (on phones the sheet is below it). */
function mapPadding() {
  if (phone.matches) return 24;
  return { top: 30, bottom: 30, right: 60, left: panel.offsetWidth + 30 };
}

const map = new MapLibreMap({
  container: "map",
  style: config.style,
  bounds: [[west, south], [east, north]],
  fitBoundsOptions: { padding: mapPadding() },
  maxBounds: [[west - margin, south - margin], [east + margin, north + margin]],
  minZoom: 10,
  maxZoom: 21,
  attributionControl: false,
  dragRotate: false,
  pitchWithRotate: false,
});
map.touchZoomRotate.disableRotation();
map.addControl(new NavigationControl({ showCompass: false }), "top-right");
map.addControl(new ScaleControl({ unit: "metric" }), "bottom-right");
map.addControl(new AttributionControl({ compact: true }), "bottom-right");

const EMPTY = { type: "FeatureCollection", features: [] };
const mapReady = new Promise((resolve) => map.once("load", resolve)).then(() => {
  map.addSource("selection", { type: "geojson", data: EMPTY });
  map.addLayer({ id: "selection-fill", type: "fill", source: "selection",
    paint: { "fill-color": "#ffd43b", "fill-opacity": 0.55 } });
  map.addLayer({ id: "selection-line", type: "line", source: "selection",
    paint: { "line-color": "#c92a2a", "line-width": 3 } });
});

function showSelection(geometry) {
  map.getSource("selection")?.setData(geometry ? { type: "Feature", geometry, properties: {} } : EMPTY);
}

function boundsOf(geometry) {
  let box = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c) => {
    if (typeof c[0] === "number") box = [Math.min(box[0], c[0]), Math.min(box[1], c[1]), Math.max(box[2], c[0]),
      Math.max(box[3], c[1])];
    else c.forEach(visit);
  };
  visit(geometry.coordinates);
  return [[box[0], box[1]], [box[2], box[3]]];
}

function focusGeometry(geometry) {
  map.fitBounds(boundsOf(geometry), { padding: mapPadding(), maxZoom: 18, duration: 600 });
}

// ------------------------------------------------------------------ layer toggles

function buildLayerToggles() {
  const list = $("#layer-list");
  list.innerHTML = config.layers.map((layer) => {
    const swatch = `background:${layer.swatch.fill || "transparent"};border-color:${layer.swatch.stroke || "#888"}`;
    const legend = layer.legend.length
      ? `<details class="legend"><summary data-i18n="legend">${escape(t("legend"))}</summary><ul>${layer.legend
        .map((c) => `<li><i class="swatch" style="background:${c.color}"></i>${escape(c.code ? `${c.code} – ` : "")}${
          escape(c.label_vi)}</li>`).join("")}</ul></details>`
      : "";
    return `<li><label><input type="checkbox" checked data-layer="${layer.id}">
      <i class="swatch" style="${swatch}"></i><span class="layer-title" data-layer-title="${layer.id}"></span></label>
      ${legend}</li>`;
  }).join("");
  list.addEventListener("change", (event) => {
    const layer = config.layers.find((l) => l.id === event.target.dataset.layer);
    if (!layer) return;
    const visibility = event.target.checked ? "visible" : "none";
    for (const id of layer.style_layers) map.setLayoutProperty(id, "visibility", visibility);
  });
  updateLayerTitles();
}

function updateLayerTitles() {
  for (const layer of config.layers) {
    const title = language() === "en" ? layer.title_en : layer.title_vi;
    const el = document.querySelector(`[data-layer-title="${layer.id}"]`);
    if (el) el.textContent = title;
  }
}

// ------------------------------------------------------------------ panel (bottom sheet on phones)

function setSheet(open) {
  panel.dataset.state = open ? "open" : "peek";
  $("#sheet-toggle").setAttribute("aria-expanded", String(open));
  map.resize(); // on phones the map just changed height; measure it now, before any camera move
}

function say(message) {
  status.textContent = message || "";
}

// ------------------------------------------------------------------ selection and report

/**
 * The parcel a page address names: its cadastral key "ward-sheet-parcel" (the old ward's GSO code, the map sheet
 * and the parcel number), which every reload of the data keeps; a bare number is a database id, which a replacing
 * load does not keep (links shared before the key was used).
 */
function parcelFromUrl() {
  const value = new URL(window.location.href).searchParams.get("parcel");
  const key = value && /^(\d+)-(\d+)-(\d+)$/.exec(value);
  if (key) return { ward: key[1], sheet: key[2], parcel: key[3] };
  return value && /^\d+$/.test(value) ? { id: Number(value) } : null;
}

function parcelKey(parcel) {
  return `${parcel.ward_code}-${parcel.map_sheet}-${parcel.parcel_no}`;
}

/** This page's address for a parcel (null: none; undefined: the one it names) in the current language: what
 * "copy link" shares. */
function shareUrl(parcel) {
  const url = new URL(window.location.href);
  if (parcel === null) url.searchParams.delete("parcel");
  else if (parcel) url.searchParams.set("parcel", parcelKey(parcel));
  if (language() === "en") url.searchParams.set("lang", "en");
  else url.searchParams.delete("lang");
  return url;
}

function writeUrl(parcel, push) {
  const url = shareUrl(parcel);
  if (url.href !== window.location.href) window.history[push ? "pushState" : "replaceState"]({}, "", url);
}

/** Open the parcel an address names (``parcelFromUrl``); one it no longer finds is said to be gone, not an error. */
async function openFromUrl(named, options) {
  if (named.id !== undefined) return selectParcel(named.id, options);
  try {
    const found = await api.byKey(named.ward, named.sheet, named.parcel);
    if (found.parcels.length) return selectParcel(found.parcels[0].id, options);
    say(t("parcel_gone"));
  } catch (error) {
    console.warn("parcel by key", error);
    say(t("error"));
  }
}

function drawReport() {
  if (!state.report) {
    reportBox.hidden = true;
    reportBox.innerHTML = "";
    $("#intro").hidden = false;
    return;
  }
  const { parcel } = state.report;
  reportBox.innerHTML = renderReport(state.report, { sheet: api.sheetUrl(parcel.id), page: shareUrl(parcel).href },
    language());
  reportBox.setAttribute("aria-labelledby", "report-title");
  reportBox.hidden = false;
  $("#intro").hidden = true;
}

async function selectParcel(id, { push = true, fly = true } = {}) {
  state.selectedId = id;
  say(t("loading"));
  try {
    const report = await api.planning(id);
    if (state.selectedId !== id) return; // a later click won
    state.report = report;
    say("");
    drawReport();
    setSheet(true);
    reportBox.scrollIntoView({ block: "start" });
    writeUrl(report.parcel, push);
    await mapReady;
    showSelection(report.parcel.geometry);
    if (fly) focusGeometry(report.parcel.geometry);
    state.shownId = id;
  } catch (error) {
    console.warn("planning report", error);
    say(t(error.status === 404 ? "parcel_gone" : "error"));
  }
}

function clearSelection() {
  state.report = null;
  state.selectedId = null;
  state.shownId = null;
  drawReport();
  showSelection(null);
  writeUrl(null, true);
  setSheet(false);
}

reportBox.addEventListener("click", async (event) => {
  const action = event.target.closest("[data-action]")?.dataset.action;
  if (action === "print") window.print();
  if (action === "close") clearSelection();
  if (action === "copy") {
    try {
      await navigator.clipboard.writeText(window.location.href);
      say(t("copied"));
    } catch {
      window.prompt(t("copy_link"), window.location.href);
    }
  }
});

map.on("click", async (event) => {
  const { lng, lat } = event.lngLat;
  try {
    const found = await api.at(lng, lat);
    if (found.parcels.length) selectParcel(found.parcels[0].id);
    else say(t("no_parcel_here"));
  } catch (error) {
    console.warn("parcel at point", error);
    say(t("error"));
  }
});

// ------------------------------------------------------------------ search

function showResults(items) {
  state.results = items;
  drawResults();
}

function drawResults() {
  const items = state.results;
  if (!items) {
    resultsList.hidden = true;
    resultsList.innerHTML = "";
    return;
  }
  resultsList.innerHTML = items.map((item, i) => {
    const kind = t(`kind_${item.kind}`);
    const label = item.kind === "parcels" && item.key ? t("parcel_key", item.key) : item.label;
    const detail = item.kind === "parcels" && item.key ? item.key.address || "" : "";
    return `<li><button type="button" data-result="${i}"><span class="kind">${escape(kind)}</span>
      <span class="label">${escape(label)}</span>${detail ? `<span class="detail">${escape(detail)}</span>` : ""}
      </button></li>`;
  }).join("");
  resultsList.hidden = items.length === 0;
}

resultsList.addEventListener("click", (event) => {
  const button = event.target.closest("[data-result]");
  if (!button) return;
  const item = state.results[Number(button.dataset.result)];
  if (item.parcel_id) selectParcel(item.parcel_id);
  else map.flyTo({ center: [item.lon, item.lat], zoom: 17, padding: mapPadding() });
});

async function runSearch(text) {
  const query = parseQuery(text, config.wards);
  if (query.kind === "too-short") {
    showResults(null);
    say(t("too_short"));
    return;
  }
  say(t("searching"));
  try {
    let items;
    if (query.kind === "key") {
      const found = await api.byKey(query.ward, query.sheet, query.parcel);
      items = found.parcels.map((p) => ({ kind: "parcels", parcel_id: p.id, label: p.address, key: p }));
    } else {
      const found = await api.search(query.kind === "text" ? query.q : text.trim());
      items = found.results;
    }
    showResults(items);
    if (items.length === 0) say(query.kind === "key-without-ward" ? t("need_ward") : t("no_results"));
    else say(t("results", items.length));
    if (items.length === 1 && items[0].parcel_id && query.kind === "key") selectParcel(items[0].parcel_id);
  } catch (error) {
    console.warn("search", error);
    say(t("error"));
  }
}

$("#search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  runSearch($("#search-input").value);
});

// ------------------------------------------------------------------ wall (?wall: the operations centre's screen)

// What the wall shows: the TileJSON's last reading (its tiles' ?v= is the last load's id, and it says when that
// load ended).
const wall = { doc: null };

function drawStamp() {
  const stamp = $("#data-stamp");
  const updated = wall.doc["tanbinh:updated"];
  const when = updated ? new Date(updated).toLocaleString(language() === "en" ? "en-GB" : "vi-VN",
    { dateStyle: "short", timeStyle: "short", timeZone: config.time_zone }) : "–";
  stamp.textContent = `${t("data_updated")} ${when}`;
  stamp.dataset.version = (/[?&]v=(\d+)/.exec(wall.doc.tiles[0]) || [])[1] ?? "";
  stamp.dataset.updated = updated ?? "";
  stamp.hidden = false;
}

function tookData(doc) {
  wall.doc = doc;
  drawStamp();
}

/** Every layer's legend open beside a map nobody types into; the stamp (``tookData``) says when the data changed. */
function startWall() {
  $("#layers").open = true;
  for (const legend of document.querySelectorAll("#layer-list details.legend")) legend.open = true;
}

// ------------------------------------------------------------------ language

function switchLanguage(lang) {
  setLanguage(lang);
  try {
    window.localStorage.setItem("webmap.lang", lang);
  } catch {
    // private mode: the choice lasts for this page only
  }
  updateLayerTitles();
  drawResults();
  drawReport();
  if (wall.doc) drawStamp();
  writeUrl(state.report?.parcel, false); // a report still loading keeps the parcel the address names
}

for (const button of document.querySelectorAll("[data-lang]")) {
  button.addEventListener("click", () => switchLanguage(button.dataset.lang));
}

$("#sheet-toggle").addEventListener("click", () => setSheet(panel.dataset.state !== "open"));


window.addEventListener("popstate", () => {
  const named = parcelFromUrl();
  if (named === null) clearSelection();
  else openFromUrl(named, { push: false });
});

// ------------------------------------------------------------------ start

function initialLanguage() {
  const fromUrl = new URL(window.location.href).searchParams.get("lang");
  if (fromUrl) return fromUrl;
  try {
    return window.localStorage.getItem("webmap.lang") || "vi";
  } catch {
    return "vi";
  }
}

setLanguage(initialLanguage());
buildLayerToggles();
const initial = parcelFromUrl();
if (initial !== null) openFromUrl(initial, { push: false });
mapReady.then(() => {
  if (config.wall) startWall();
  followData(map, config.refresh, config.wall ? tookData : undefined);
});

// For people and tests poking at the page: the map (map.project etc.) and the selection.
window.webmap = { map, ready: mapReady, state, selectParcel, runSearch };
