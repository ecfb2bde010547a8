// Reading what a citizen types into the search box.
// "P2 12/345", "tờ 12 thửa 345 phường 2", "phường Tân Sơn Hòa tờ 12 thửa 345", "sheet 12 parcel 345 ward 2"
// are cadastral keys (ward + map sheet + parcel number); anything else is an address or a street name.

/** Lower case, no diacritics, đ→d, single spaces: the same folding as the server's `vocabulary.fold`. */
export function fold(text) {
  return text
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
}

const OLD_WARD = /\b(?:phuong|ward|p)\s*\.?\s*(\d{1,2})\b/;
const SLASH = /\b(\d{1,4})\s*\/\s*(\d{1,5})\b/;
const SHEET = /\b(?:to ban do|to|sheet)\s*(?:so\s*|no\.?\s*)?(\d{1,4})\b/;
const PARCEL = /\b(?:thua dat|thua|parcel|lot)\s*(?:so\s*|no\.?\s*)?(\d{1,5})\b/;
// Words that may surround a key without making it an address.
const FILLER = /\b(?:phuong|ward|quan|district|tan binh|tp|hcm|ho chi minh|so|no|va|and)\b|[\s,.;:/()-]+/g;

/**
 * The ward named in the folded text: an old ward ("P2", "phường 2") as its name, or a 2025 ward name.
 * `wards` is {old: ["Phường 1", …], new: ["Tân Sơn Hòa", …]} from the page configuration.
 */
function findWard(text, wards) {
  const old = text.match(OLD_WARD);
  if (old) {
    const name = wards.old.find((w) => fold(w) === `phuong ${Number(old[1])}`);
    return name ? { name, match: old[0] } : { name: null, match: old[0], unknown: true };
  }
  // Longest names first, so "tan son hoa" wins over "tan son"; "quận Tân Bình" is the district, not the ward.
  const names = [...wards.new].sort((a, b) => fold(b).length - fold(a).length);
  for (const name of names) {
    const folded = fold(name);
    const at = text.search(new RegExp(`(?<!quan )\\b${folded}\\b`));
    if (at >= 0) return { name, match: folded };
  }
  return null;
}

/**
 * What the text asks for:
 *  {kind: "key", ward, sheet, parcel}       a cadastral key the API can look up;
 *  {kind: "key-without-ward", sheet, parcel} sheet and parcel words but no (known) ward;
 *  {kind: "text", q}                        an address or street search (q has ≥ 2 letters/digits);
 *  {kind: "too-short"}.
 */
export function parseQuery(raw, wards) {
  const text = fold(raw);
  const slash = text.match(SLASH);
  const sheet = text.match(SHEET);
  const parcel = text.match(PARCEL);
  const words = Boolean(sheet && parcel);
  const key = words ? { sheet: sheet[1], parcel: parcel[1] } : slash ? { sheet: slash[1], parcel: slash[2] } : null;
  if (key) {
    const ward = findWard(text, wards);
    let rest = text;
    for (const part of [ward?.match, ...(words ? [sheet[0], parcel[0]] : [slash[0]])]) {
      if (part) rest = rest.replace(part, " ");
    }
    const onlyKey = rest.replace(FILLER, "").length === 0;
    if (ward?.name && onlyKey) return { kind: "key", ward: ward.name, sheet: Number(key.sheet), parcel: Number(key.parcel) };
    // "12/3 Hoàng Văn Thụ" is a house number in an alley: an address, not a sheet and parcel.
    if (words || (onlyKey && !ward)) return { kind: "key-without-ward", ...key, text };
  }
  if (text.replace(/[^a-z0-9]/g, "").length < 2) return { kind: "too-short" };
  return { kind: "text", q: raw.trim() };
}
