// Keeps the map as fresh as the data, for a wall display nobody touches as for a phone left open.
//
// After every load the tileset's TileJSON names new tile URLs (their `?v=` is the last load's id). This asks
// for it every few seconds and, when the URLs changed, points the map's source at them: MapLibre asks for the
// tiles in view again, past its own tiles in memory and the browser's HTTP cache, and keeps drawing the old
// ones until the new have come. It asks only while the page is visible, and once more when it becomes so.

/** Follows `refresh.tilejson` every `refresh.seconds` s for the source `refresh.source`, calling `changed(tiles)`
 * after pointing it at new tiles; returns a stop function. */
export function followData(map, refresh, changed = () => {}) {
  if (!(refresh.seconds > 0)) return () => {};
  let asking = false;

  async function check() {
    if (asking || document.visibilityState !== "visible") return;
    asking = true;
    try {
      const response = await fetch(refresh.tilejson, { cache: "no-cache" });
      const tiles = response.ok ? (await response.json()).tiles : null;
      const source = map.getSource(refresh.source);
      if (source && Array.isArray(tiles) && String(tiles) !== String(source.tiles)) {
        source.setTiles(tiles);
        changed(tiles);
      }
    } catch {
      // The server is out of reach for a moment: the next check asks again.
    } finally {
      asking = false;
    }
  }

  const timer = setInterval(check, refresh.seconds * 1000);
  document.addEventListener("visibilitychange", check);
  return () => {
    clearInterval(timer);
    document.removeEventListener("visibilitychange", check);
  };
}
