// The planning report (GET /api/parcels/{id}/planning) as HTML for the panel and for printing.
// Every number cell carries data-field and data-value (the API's value) beside the formatted text.

import { date, num, t } from "./i18n.js";

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

export function escape(value) {
  return String(value ?? "").replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function cell(field, value, text) {
  const raw = value === null || value === undefined ? "" : value;
  return `<dd data-field="${field}" data-value="${escape(raw)}">${escape(text)}</dd>`;
}

function row(label, field, value, text = value ?? t("none")) {
  return `<div class="row"><dt>${escape(label)}</dt>${cell(field, value, text)}</div>`;
}

const m2 = (value) => (value === null || value === undefined ? t("none") : `${num(value)} m²`);
const pct = (value) => (value === null || value === undefined ? t("none") : `${num(value)} %`);

function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return date(`${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`);
}

function floors(zone) {
  if (!zone.max_floors) return t("none");
  return zone.min_floors ? `${zone.min_floors}–${zone.max_floors}` : String(zone.max_floors);
}

function parcelSection(p) {
  const oldKey = p.old_map_sheet ? `${p.old_map_sheet}/${p.old_parcel_no ?? t("none")}` : null;
  return `<section class="sec" data-section="parcel"><h3>${escape(t("sec_parcel"))}</h3><dl class="facts">
    ${row(t("ward_old"), "ward_name", p.ward_name, `${p.ward_name} (${p.ward_code})`)}
    ${row(t("ward_new"), "ward_2025_name", p.ward_2025_name, p.ward_2025_name ? `${p.ward_2025_name} (${p.ward_2025_code})` : t("none"))}
    ${row(t("sheet"), "map_sheet", p.map_sheet)}
    ${row(t("parcel_no"), "parcel_no", p.parcel_no)}
    ${oldKey ? row(t("old_key"), "old_key", oldKey) : ""}
    ${row(t("address"), "address", p.address)}
    ${row(t("area"), "area", p.area, m2(p.area))}
    ${row(t("computed_area"), "computed_area", p.computed_area, m2(p.computed_area))}
    ${row(t("land_use"), "land_use", p.land_use, p.land_use_name ? `${p.land_use} – ${p.land_use_name}` : p.land_use)}
  </dl></section>`;
}

function zoneCard(zone, index) {
  const title = zone.zone_code ? `${t("zone")} ${zone.zone_code}` : t("outside_zones");
  const decision = [zone.decision_no, date(zone.decision_date)].filter(Boolean).join(", ");
  return `<article class="card" data-zone="${index}">
    <h4>${escape(title)} · ${escape(zone.function_name)} <span class="code">(${escape(zone.function_code)})</span></h4>
    <dl class="facts">
      ${row(t("zone_area"), "area", zone.area, m2(zone.area))}
      ${row(t("share"), "share", zone.share, pct(zone.share))}
      ${zone.zone_code ? row(t("density"), "max_density", zone.max_density, pct(zone.max_density)) : ""}
      ${zone.zone_code ? row(t("far"), "max_far", zone.max_far, zone.max_far == null ? t("none") : num(zone.max_far)) : ""}
      ${zone.zone_code ? row(t("floors"), "floors", zone.max_floors, floors(zone)) : ""}
      ${decision ? row(t("decision"), "decision_no", zone.decision_no, decision) : ""}
      ${zone.plan_name ? row(t("plan"), "plan_name", zone.plan_name) : ""}
    </dl></article>`;
}

function rowCard(way, index) {
  const kind = way.kind === "alleys" ? t("alley") : t("road");
  return `<article class="card${way.cuts ? " cuts" : ""}" data-row="${index}">
    <h4>${escape(kind)}: ${escape(way.name)}</h4>
    <dl class="facts">
      ${row(t("row_width"), "row_width", way.row_width, `${num(way.row_width)} m`)}
      ${way.setback ? row(t("setback"), "setback", way.setback, `${num(way.setback)} m`) : ""}
      ${row(t("area_in_row"), "area_in_row", way.area_in_row, m2(way.area_in_row))}
      ${row(t("buildable"), "buildable_area", way.buildable_area, m2(way.buildable_area))}
      ${way.decision_no ? row(t("decision"), "decision_no", way.decision_no) : ""}
    </dl></article>`;
}

function totalsSection(totals) {
  return `<section class="sec" data-section="totals"><h3>${escape(t("sec_totals"))}</h3><dl class="facts totals">
    ${row(t("total_area"), "area", totals.area, m2(totals.area))}
    ${row(t("total_in_row"), "area_in_rights_of_way", totals.area_in_rights_of_way, m2(totals.area_in_rights_of_way))}
    ${row(t("share_in_row"), "share_in_rights_of_way", totals.share_in_rights_of_way, pct(totals.share_in_rights_of_way))}
    ${row(t("remaining"), "remaining_area", totals.remaining_area, m2(totals.remaining_area))}
    ${row(t("total_buildable"), "buildable_area", totals.buildable_area, m2(totals.buildable_area))}
  </dl></section>`;
}

/** The whole report; `links` = {sheet: the printable sheet's URL, page: this page's shareable URL}. */
export function renderReport(report, links, lang) {
  const p = report.parcel;
  const zones = report.zoning.length
    ? report.zoning.map(zoneCard).join("")
    : `<p class="empty">${escape(t("no_zoning"))}</p>`;
  const ways = report.rights_of_way.length
    ? report.rights_of_way.map(rowCard).join("")
    : `<p class="empty">${escape(t("no_row"))}</p>`;
  return `<header class="report-head">
      <h2 id="report-title">${escape(t("report_title"))}</h2>
      <p class="report-key" data-field="key">${escape(t("parcel_key", p))}</p>
      <div class="actions">
        <button type="button" data-action="print">${escape(t("print"))}</button>
        <button type="button" data-action="copy">${escape(t("copy_link"))}</button>
        <a href="${escape(links.sheet)}?format=pdf" target="_blank" rel="noopener">${escape(t("sheet_pdf"))}</a>
        <button type="button" data-action="close" class="close" aria-label="${escape(t("close"))}">×</button>
      </div>
    </header>
    ${parcelSection(p)}
    <section class="sec" data-section="zoning"><h3>${escape(t("sec_zoning"))}</h3>${zones}</section>
    <section class="sec" data-section="rights_of_way"><h3>${escape(t("sec_row"))}</h3>${ways}</section>
    ${totalsSection(report.totals)}
    <p class="disclaimer" data-field="disclaimer">${escape(report.disclaimer[lang] || report.disclaimer.vi)}</p>
    <p class="print-only">${escape(t("printed", today(), links.page))}</p>`;
}
