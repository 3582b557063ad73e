// What the page maps and the full map share: loading MapLibre (vendored,
// served by the service), the registry's vector-tile source of plots and
// the layers that colour them by status.

/** The map configuration a page carries in its `data-config` attribute. */
export function configOf(el) {
  return JSON.parse(el.dataset.config);
}

/** Loads MapLibre's module and stylesheet, once. */
export async function loadMapLibre(config) {
  const present = [...document.querySelectorAll('link[rel="stylesheet"]')].some((l) => l.href === config.maplibreCss);
  if (!present) {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = config.maplibreCss;
    document.head.append(link);
  }
  return import(config.maplibre);
}

/** The tile URL with the listing's filter parameters. */
export function tileUrl(config, params) {
  const query = params && params.toString();
  return config.tiles + (query ? `?${query}` : '');
}

/** A fill colour expression by status. */
export function statusColour(config, shade = 0) {
  const expression = ['match', ['get', 'status']];
  for (const [status, colours] of config.colours) expression.push(status, colours[shade]);
  expression.push('#888888');
  return expression;
}

/** The base style: a plain background and, if configured, a basemap. */
export function baseStyle(config) {
  const style = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#e9eef0' } }],
  };
  if (config.basemap) {
    style.sources.basemap = { type: 'raster', tiles: [config.basemap.url], tileSize: 256, attribution: config.basemap.attribution || '' };
    style.layers.push({ id: 'basemap', type: 'raster', source: 'basemap' });
  }
  return style;
}

/** Adds the registry's plots from its vector tiles, coloured by status. */
export function addPlots(map, config, { params, muted = false } = {}) {
  map.addSource('plots', { type: 'vector', tiles: [tileUrl(config, params)], minzoom: 0, maxzoom: 22, promoteId: 'id' });
  map.addLayer({
    id: 'plots-fill', type: 'fill', source: 'plots', 'source-layer': config.layer,
    paint: {
      'fill-color': muted ? '#b8c0c6' : statusColour(config),
      'fill-opacity': ['case', ['boolean', ['feature-state', 'hover'], false], 0.85, 0.6],
    },
  });
  map.addLayer({
    id: 'plots-line', type: 'line', source: 'plots', 'source-layer': config.layer,
    paint: { 'line-color': muted ? '#8a949b' : statusColour(config, 1), 'line-width': 1.2 },
  });
}

/** The box of a GeoJSON object, [[w, s], [e, n]]. */
export function bounds(geojson) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(visit);
  };
  const features = geojson.type === 'FeatureCollection' ? geojson.features : [geojson];
  features.forEach((f) => f.geometry && visit(f.geometry.coordinates));
  return Number.isFinite(w) ? [[w, s], [e, n]] : null;
}
