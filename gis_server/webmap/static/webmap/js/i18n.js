// Interface text in Vietnamese (default) and English, and number formatting per language.
// Data values (street names, land-use names, plan names) are Vietnamese in both: they are the legal terms.

const STRINGS = {
  vi: {
    title: "Bản đồ quy hoạch quận Tân Bình",
    heading: "Bản đồ quy hoạch Tân Bình",
    data_updated: "Dữ liệu cập nhật lúc",
    map: "Bản đồ",
    panel: "Tra cứu",
    toggle_panel: "Mở/thu bảng thông tin",
    search_label: "Tìm thửa đất, địa chỉ hoặc tên đường",
    search_placeholder: "P2 12/345, địa chỉ, tên đường",
    search_button: "Tìm",
    intro: "Chạm vào một thửa đất trên bản đồ, hoặc tìm theo số tờ, số thửa, địa chỉ.",
    layers: "Lớp bản đồ",
    legend: "Chú giải",
    no_labels: "Bản đồ ghi tên phường; tên đường và thông tin thửa đất hiển thị trong bảng thông tin.",
    searching: "Đang tìm…",
    loading: "Đang tải thông tin quy hoạch…",
    too_short: "Nhập ít nhất 2 ký tự.",
    need_ward: "Hãy ghi thêm phường, ví dụ: P2 12/345 hoặc tờ 12 thửa 345 phường 2.",
    no_results: "Không tìm thấy kết quả.",
    results: (n) => `${n} kết quả`,
    no_parcel_here: "Không có thửa đất tại vị trí này.",
    error: "Không tải được dữ liệu. Vui lòng thử lại.",
    parcel_gone: "Thửa đất trong liên kết không còn trong dữ liệu (có thể đã tách, hợp hoặc đổi số). Hãy tìm theo số tờ, số thửa.",
    kind_parcels: "Thửa đất",
    kind_road_boundaries: "Đường",
    kind_alleys: "Hẻm",
    parcel_key: (p) => `Thửa ${p.parcel_no}, tờ ${p.map_sheet}, ${p.ward_name}`,
    report_title: "Thông tin quy hoạch",
    close: "Đóng",
    print: "In",
    copy_link: "Sao chép liên kết",
    copied: "Đã sao chép liên kết",
    sheet_pdf: "Phiếu thông tin (PDF)",
    printed: (day, url) => `In ngày ${day} từ ${url}`,
    sec_parcel: "Thửa đất",
    sec_zoning: "Quy hoạch phân khu 1/2000",
    sec_row: "Lộ giới đường, hẻm",
    sec_totals: "Tổng hợp diện tích",
    ward_old: "Phường (cũ, trước 01/7/2025)",
    ward_new: "Phường (từ 01/7/2025)",
    sheet: "Tờ bản đồ số",
    parcel_no: "Thửa đất số",
    old_key: "Tờ/thửa cũ",
    address: "Địa chỉ",
    area: "Diện tích pháp lý",
    computed_area: "Diện tích tính theo ranh thửa",
    land_use: "Mục đích sử dụng",
    zone: "Ô phố",
    outside_zones: "Ngoài ô phố",
    function: "Chức năng",
    zone_area: "Diện tích trong ô phố",
    share: "Tỷ lệ",
    density: "Mật độ xây dựng tối đa",
    far: "Hệ số sử dụng đất tối đa",
    floors: "Tầng cao",
    decision: "Quyết định",
    plan: "Đồ án",
    no_zoning: "Thửa không nằm trong ô phố quy hoạch nào.",
    road: "Đường",
    alley: "Hẻm",
    row_width: "Lộ giới",
    setback: "Khoảng lùi",
    area_in_row: "Diện tích trong lộ giới",
    buildable: "Diện tích sau chỉ giới xây dựng",
    no_row: "Không có đường, hẻm nào giáp thửa.",
    total_area: "Diện tích thửa (tính toán)",
    total_in_row: "Diện tích trong lộ giới",
    remaining: "Diện tích còn lại",
    total_buildable: "Diện tích xây dựng được (sau khoảng lùi)",
    share_in_row: "Tỷ lệ trong lộ giới",
    none: "—",
  },
  en: {
    title: "Tân Bình planning map",
    heading: "Tân Bình planning map",
    data_updated: "Data updated at",
    map: "Map",
    panel: "Look-up",
    toggle_panel: "Expand/collapse the panel",
    search_label: "Find a parcel, an address or a street",
    search_placeholder: "P2 12/345, address, street",
    search_button: "Search",
    intro: "Tap a parcel on the map, or search by sheet and parcel number or by address.",
    layers: "Map layers",
    legend: "Legend",
    no_labels: "The map names the wards; street names and parcel details are shown in the panel.",
    searching: "Searching…",
    loading: "Loading the planning information…",
    too_short: "Type at least 2 characters.",
    need_ward: "Add the ward, e.g. P2 12/345 or sheet 12 parcel 345 ward 2.",
    no_results: "Nothing found.",
    results: (n) => `${n} result${n === 1 ? "" : "s"}`,
    no_parcel_here: "There is no parcel here.",
    error: "Could not load the data. Please try again.",
    parcel_gone: "The parcel in this link is no longer in the data (it may have been split, merged or renumbered). Search by map sheet and parcel number.",
    kind_parcels: "Parcel",
    kind_road_boundaries: "Street",
    kind_alleys: "Alley",
    parcel_key: (p) => `Parcel ${p.parcel_no}, sheet ${p.map_sheet}, ${p.ward_name}`,
    report_title: "Planning information",
    close: "Close",
    print: "Print",
    copy_link: "Copy link",
    copied: "Link copied",
    sheet_pdf: "Planning sheet (PDF)",
    printed: (day, url) => `Printed ${day} from ${url}`,
    sec_parcel: "Parcel",
    sec_zoning: "Zoning plan 1/2000",
    sec_row: "Street and alley right-of-way",
    sec_totals: "Area summary",
    ward_old: "Ward (old, before 2025-07-01)",
    ward_new: "Ward (from 2025-07-01)",
    sheet: "Map sheet",
    parcel_no: "Parcel number",
    old_key: "Old sheet/parcel",
    address: "Address",
    area: "Official area",
    computed_area: "Computed area (parcel outline)",
    land_use: "Land use",
    zone: "Block",
    outside_zones: "Outside blocks",
    function: "Function",
    zone_area: "Area in the block",
    share: "Share",
    density: "Max building density",
    far: "Max floor-area ratio",
    floors: "Floors",
    decision: "Decision",
    plan: "Plan",
    no_zoning: "The parcel lies in no zoning block.",
    road: "Street",
    alley: "Alley",
    row_width: "Right-of-way (lộ giới)",
    setback: "Setback",
    area_in_row: "Area inside the right-of-way",
    buildable: "Area behind the building line",
    no_row: "No street or alley borders the parcel.",
    total_area: "Parcel area (computed)",
    total_in_row: "Area inside rights-of-way",
    remaining: "Remaining area",
    total_buildable: "Buildable area (after setbacks)",
    share_in_row: "Share inside rights-of-way",
    none: "—",
  },
};

export const LANGUAGES = Object.keys(STRINGS);
let current = "vi";

export function language() {
  return current;
}

export function setLanguage(lang) {
  current = LANGUAGES.includes(lang) ? lang : "vi";
  document.documentElement.lang = current;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of document.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  for (const el of document.querySelectorAll("[data-lang]")) {
    el.setAttribute("aria-pressed", String(el.dataset.lang === current));
  }
}

/** The text for `key`; functions (plurals, templates) are called with `args`. */
export function t(key, ...args) {
  const value = STRINGS[current][key] ?? STRINGS.vi[key] ?? key;
  return typeof value === "function" ? value(...args) : value;
}

/** A number in the current language's style: "6.118,6" in Vietnamese, "6,118.6" in English. */
export function num(value, digits = 1) {
  if (value === null || value === undefined) return t("none");
  const locale = current === "vi" ? "vi-VN" : "en-GB";
  return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** An ISO date (2013-07-17) as 17/07/2013 (vi) or 17 Jul 2013 (en). */
export function date(iso) {
  if (!iso) return "";
  const [y, m, d] = iso.split("-").map(Number);
  const when = new Date(Date.UTC(y, m - 1, d));
  const locale = current === "vi" ? "vi-VN" : "en-GB";
  const options = current === "vi" ? { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" }
    : { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" };
  return new Intl.DateTimeFormat(locale, options).format(when);
}
