// Keeps the map as fresh as the data, for a wall display nobody touches as for a phone left open.
//
// After every load the tileset's TileJSON names new tile URLs (their `?v=` is the last load's id). This asks
// for it every few seconds and, when the URLs changed, points the map's source at them: MapLibre asks for the
// tiles in view again, past its own tiles in memory and the browser's HTTP cache, and keeps drawing the old
// ones until the new have come. It asks only while the page is visible, and once more when it becomes so.

/** Follows `refresh.tilejson` every `refresh.seconds` s for the source `refresh.source`; `seen(tilejson)` gets the
 * first reading and every one after which the source was pointed at new tiles. Returns a stop function. */
export function followData(map, refresh, seen = () => {}) {
  let asking = false;
  let first = true;

  async function check() {
    if (asking || document.visibilityState !== "visible") return;
    asking = true;
    try {
      const response = await fetch(refresh.tilejson, { cache: "no-cache" });
      const doc = response.ok ? await response.json() : null;
      const source = map.getSource(refresh.source);
      if (!source || !Array.isArray(doc?.tiles)) return;
      const changed = String(doc.tiles) !== String(source.tiles);
      if (changed) source.setTiles(doc.tiles);
      if (changed || first) seen(doc);
      first = false;
    } catch {
      // The server is out of reach for a moment: the next check asks again.
    } finally {
      asking = false;
    }
  }

  check();
  if (!(refresh.seconds > 0)) return () => {};
  const timer = setInterval(check, refresh.seconds * 1000);
  document.addEventListener("visibilitychange", check);
  return () => {
    clearInterval(timer);
    document.removeEventListener("visibilitychange", check);
  };
}
