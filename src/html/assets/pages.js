// The map of a plot's page (its boundary among the other plots) and of a
// page of the listing (the page's plots). The facts are in the page; the
// map only shows where they are.
import { addPlots, baseStyle, bounds, configOf, loadMapLibre, statusColour } from './maplib.js';

const el = document.getElementById('page-map');
if (el) show(el);

async function show(el) {
  const config = configOf(el);
  const data = JSON.parse(el.dataset.features);
  const maplibregl = await loadMapLibre(config);
  const box = bounds(data);
  const map = new maplibregl.Map({
    container: el,
    style: baseStyle(config),
    bounds: box || config.bounds,
    fitBoundsOptions: { padding: 40, maxZoom: 16 },
    attributionControl: { compact: true },
    cooperativeGestures: true,
    // Kept, so that the map prints with the fact sheet.
    canvasContextAttributes: { preserveDrawingBuffer: true },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }));
  map.addControl(new maplibregl.ScaleControl());
  map.on('load', () => {
    addPlots(map, config, { muted: true });
    map.addSource('page', { type: 'geojson', data });
    map.addLayer({ id: 'page-fill', type: 'fill', source: 'page', paint: { 'fill-color': statusColour(config), 'fill-opacity': 0.7 } });
    map.addLayer({ id: 'page-line', type: 'line', source: 'page', paint: { 'line-color': statusColour(config, 1), 'line-width': 2 } });
    if (el.dataset.kind === 'items') {
      map.on('click', 'page-fill', (e) => {
        const id = e.features[0]?.properties?.id ?? e.features[0]?.id;
        const feature = data.features.find((f) => f.id === id || f.properties.reference === e.features[0].properties.reference);
        if (feature) window.location.href = `${config.base}/collections/plots/items/${feature.id}?f=html`;
      });
      map.on('mouseenter', 'page-fill', () => { map.getCanvas().style.cursor = 'pointer'; });
      map.on('mouseleave', 'page-fill', () => { map.getCanvas().style.cursor = ''; });
    }
    el.dataset.ready = 'true';
  });
  // The printed map is smaller: show the whole boundary on it.
  const refit = () => { map.resize(); if (box) map.fitBounds(box, { padding: 20, maxZoom: 16, animate: false }); };
  window.addEventListener('beforeprint', refit);
  window.matchMedia('print').addEventListener('change', (e) => { if (e.matches) refit(); });
}
