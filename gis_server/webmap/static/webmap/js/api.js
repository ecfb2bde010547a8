// The lookup API (gis_server/lookup): thin wrappers returning parsed JSON.
// Callers only send requests the API accepts (the search box checks ward names and lengths first),
// so a failed request means a real problem and is reported in the panel.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export function createApi(paths) {
  async function get(path, params) {
    const url = new URL(path, window.location.origin);
    for (const [key, value] of Object.entries(params || {})) url.searchParams.set(key, value);
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiError(response.status, body?.error?.message || response.statusText);
    return body;
  }
  return {
    search: (q, limit = 20) => get(paths.search, { q, limit }),
    byKey: (ward, sheet, parcel) => get(paths.by_key, { ward, sheet, parcel }),
    at: (lon, lat) => get(paths.at, { lon: lon.toFixed(7), lat: lat.toFixed(7) }),
    planning: (id) => get(paths.planning.replace("{id}", encodeURIComponent(id))),
    sheetUrl: (id) => paths.sheet.replace("{id}", encodeURIComponent(id)),
  };
}
