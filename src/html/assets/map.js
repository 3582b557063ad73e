// The map page: every plot from the registry's vector tiles, coloured by
// status; the filter panel (kept in the page's URL, so a view can be
// bookmarked and shared); a card for the plot clicked, with an enquiry
// form; the site finder, which sends the company's needs (and its own
// points on the map) to site matching and shows the ranked plots; and the
// reserve of land, loaded from its own page.
import { addPlots, baseStyle, bounds, configOf, loadMapLibre, tileUrl } from './maplib.js';

const mapEl = document.getElementById('map');
const config = configOf(mapEl);
const messages = JSON.parse(mapEl.dataset.messages);
const t = (key) => messages[key] ?? key;
const nf = (digits = 0) => new Intl.NumberFormat(config.lang, { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** A new element with attributes and children (text is never parsed as HTML). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child != null) el.append(child);
  return el;
}

// ---------------------------------------------------------------- tabs
const tabs = [...document.querySelectorAll('[role="tab"]')];
function selectTab(tab, focus = false) {
  for (const other of tabs) {
    const on = other === tab;
    other.setAttribute('aria-selected', String(on));
    other.tabIndex = on ? 0 : -1;
    document.getElementById(other.getAttribute('aria-controls')).hidden = !on;
  }
  if (focus) tab.focus();
  if (tab.id === 'tab-reserve') loadReserve();
}
tabs.forEach((tab, i) => {
  tab.addEventListener('click', () => selectTab(tab));
  tab.addEventListener('keydown', (e) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
    if (step) selectTab(tabs[(i + step + tabs.length) % tabs.length], true);
    if (e.key === 'Home') selectTab(tabs[0], true);
    if (e.key === 'End') selectTab(tabs[tabs.length - 1], true);
  });
});
if (location.hash === '#finder' || location.hash.startsWith('#finder&')) selectTab(document.getElementById('tab-finder'));

// -------------------------------------------------------------- filter
const filterForm = document.getElementById('filter-form');
const number = (form, name) => {
  const v = form.elements[name]?.value?.trim();
  if (!v) return null;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : null;
};
/** The distance fields (km, as people give them): their column and their need. */
const DISTANCES = [
  ['max_port_km', 'port_distance_m', 'max_port_distance_m'],
  ['max_motorway_km', 'motorway_distance_m', 'max_motorway_distance_m'],
  ['max_station_km', 'station_distance_m', 'max_station_distance_m'],
];
const checked = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

/** The registry's listing parameters (and CQL2 filter) of the filter form. */
function apiParams() {
  const f = filterForm;
  const params = new URLSearchParams();
  for (const name of ['status', 'location_class', 'land_use']) {
    const values = checked(f, name);
    if (values.length) params.set(name, values.join(','));
  }
  const cql = [];
  const min = number(f, 'area_min'); const max = number(f, 'area_max');
  if (min != null) cql.push(`area_m2 >= ${min * 1000}`);
  if (max != null) cql.push(`area_m2 <= ${max * 1000}`);
  const power = number(f, 'min_power_kw');
  if (power != null) cql.push(`power_capacity_kw >= ${power}`);
  for (const [field, column] of DISTANCES) {
    const km = number(f, field);
    if (km != null) cql.push(`${column} <= ${Math.round(km * 1000)}`);
  }
  const by = f.elements.available_by.value;
  if (/^\d{4}-\d{2}-\d{2}$/.test(by)) cql.push(`(available_from IS NULL OR available_from <= DATE('${by}'))`);
  if (cql.length) params.set('filter', cql.join(' AND '));
  return params;
}

/** The plot whose card is open (kept in the URL as `plot`). */
let openPlot = new URLSearchParams(location.search).get('plot');

/** The page's own query: the form as filled in and the open card (bookmarkable). */
function pageQuery() {
  const params = new URLSearchParams();
  for (const el of filterForm.elements) {
    if (!el.name || (el.type === 'checkbox' && !el.checked) || !el.value) continue;
    params.append(el.name, el.value);
  }
  if (openPlot) params.set('plot', openPlot);
  return params;
}

function keepInUrl() {
  const query = pageQuery().toString();
  history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}${location.hash}`);
}

let countRequest = 0;
async function applyFilter() {
  const params = apiParams();
  map.getSource('plots')?.setTiles([tileUrl(config, params)]);
  keepInUrl();
  const list = new URLSearchParams(params); list.set('f', 'html');
  document.getElementById('filter-list').href = `${config.base}/collections/plots/items?${list}`;
  const mine = ++countRequest;
  const counted = new URLSearchParams(params); counted.set('limit', '1');
  const out = document.getElementById('filter-count');
  try {
    const res = await fetch(`${config.base}/collections/plots/items?${counted}`, { headers: { Accept: 'application/geo+json' } });
    const body = await res.json();
    if (mine !== countRequest) return;
    if (!res.ok) { out.textContent = body.errors?.map((e) => e.reason).join('; ') || body.detail; return; }
    const n = body.numberMatched;
    out.textContent = n == null ? '' : `${t('js.matches')}: ${n >= config.countLimit ? `${nf().format(n)}+` : nf().format(n)}`;
  } catch { out.textContent = t('js.offline'); }
}
let filterTimer;
filterForm.addEventListener('input', () => { clearTimeout(filterTimer); filterTimer = setTimeout(applyFilter, 250); });
filterForm.addEventListener('submit', (e) => { e.preventDefault(); applyFilter(); });

// ----------------------------------------------------------------- map
const maplibregl = await loadMapLibre(config);
const map = new maplibregl.Map({
  container: mapEl,
  style: baseStyle(config),
  bounds: config.bounds,
  fitBoundsOptions: { padding: 30 },
  hash: 'view',
  attributionControl: { compact: true },
});
// For the browser tests and for anyone scripting the page in the console.
window.registryMap = map;
map.addControl(new maplibregl.NavigationControl(), 'top-right');
map.addControl(new maplibregl.ScaleControl(), 'bottom-right');
map.addControl(new maplibregl.GeolocateControl({ trackUserLocation: false }), 'top-right');

map.on('load', () => {
  addPlots(map, config, { params: apiParams() });
  map.addSource('found', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({ id: 'found-line', type: 'line', source: 'found', paint: { 'line-color': '#1b1f23', 'line-width': 3 } });
  map.addSource('selected', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({ id: 'selected-line', type: 'line', source: 'selected', paint: { 'line-color': '#c94f00', 'line-width': 4 } });
  applyFilter();
  addReferencePlaces();
  if (openPlot) openCard(openPlot, { fly: true, enquire: location.hash.includes('enquiry') });
});

// Plots drawn: tests and the benchmark wait for this mark.
const drawn = () => {
  if (map.getLayer('plots-fill') && map.queryRenderedFeatures({ layers: ['plots-fill'] }).length) {
    mapEl.dataset.ready = 'true';
    window.firstPlotsDrawn ??= performance.now();
    map.off('render', drawn);
  }
};
map.on('render', drawn);

let hovered = null;
map.on('mousemove', 'plots-fill', (e) => {
  map.getCanvas().style.cursor = placing ? 'crosshair' : 'pointer';
  const id = e.features[0]?.id;
  if (hovered !== null && hovered !== id) map.setFeatureState({ source: 'plots', sourceLayer: config.layer, id: hovered }, { hover: false });
  if (id != null) { hovered = id; map.setFeatureState({ source: 'plots', sourceLayer: config.layer, id }, { hover: true }); }
});
map.on('mouseleave', 'plots-fill', () => {
  map.getCanvas().style.cursor = placing ? 'crosshair' : '';
  if (hovered !== null) map.setFeatureState({ source: 'plots', sourceLayer: config.layer, id: hovered }, { hover: false });
  hovered = null;
});
map.on('click', (e) => {
  if (placing) { addPlace(e.lngLat); return; }
  const hit = map.queryRenderedFeatures(e.point, { layers: ['plots-fill', 'found-line'] })[0];
  if (hit) openCard(hit.properties.id);
});

async function addReferencePlaces() {
  try {
    const res = await fetch(`${config.base}/reference-places`);
    if (!res.ok) return;
    const places = await res.json();
    for (const f of places.features) {
      const el = h('div', { class: `place-marker kind-${f.properties.kind}`, title: `${f.properties.name} (${t(`js.place.${f.properties.kind}`)})` },
        h('span', { class: 'place-dot', 'aria-hidden': 'true' }), h('span', { class: 'place-name' }, f.properties.name));
      new maplibregl.Marker({ element: el }).setLngLat(f.geometry.coordinates).addTo(map);
    }
  } catch { /* context only */ }
}

// ---------------------------------------------------------------- card
const card = document.getElementById('card');
const value = (p, name) => {
  const v = p[name];
  if (v == null || v === '') return null;
  if (name === 'land_use') return config.landUses[v] ? `${v} ${config.landUses[v]}` : String(v);
  if (typeof v === 'boolean') return t(v ? 'value.yes' : 'value.no');
  if (name === 'available_from') return new Date(`${v}T00:00:00`).toLocaleDateString(config.lang, { day: 'numeric', month: 'short', year: 'numeric' });
  if (typeof v === 'number') return nf(Number.isInteger(v) ? 0 : 1).format(v);
  return messages[`code.${name}.${v}`] ?? String(v);
};
const CARD_FACTS = ['area_daa', 'land_use', 'location_class', 'available_from', 'offer_type', 'price_nok_per_m2', 'lease_nok_per_m2_year',
  'power_capacity_kw', 'port_distance_m', 'motorway_distance_m', 'station_distance_m', 'readiness', 'contamination'];

async function openCard(id, { fly = false, enquire = false, match = null } = {}) {
  card.hidden = false;
  card.replaceChildren(h('p', { class: 'hint' }, t('js.loading')));
  let feature;
  try {
    const res = await fetch(`${config.base}/collections/plots/items/${encodeURIComponent(id)}`, { headers: { Accept: 'application/geo+json' } });
    feature = await res.json();
    if (!res.ok) { card.replaceChildren(h('p', { class: 'error' }, feature.detail || t('js.failed')), closeButton()); return; }
  } catch { card.replaceChildren(h('p', { class: 'error' }, t('js.offline')), closeButton()); return; }
  openPlot = feature.id;
  keepInUrl();
  map.getSource('selected')?.setData(feature);
  if (fly) map.fitBounds(bounds(feature), { padding: 80, maxZoom: 16 });
  const p = feature.properties;
  const facts = h('dl', { class: 'card-facts' }, CARD_FACTS.map((name) => {
    const shown = value(p, name);
    return shown == null ? null : h('div', {}, h('dt', {}, t(`prop.${name}`)), h('dd', {}, shown));
  }));
  const page = `${config.base}/collections/plots/items/${feature.id}?f=html`;
  const enquiryButton = h('button', { type: 'button', onclick: () => showEnquiry(card.querySelector('.card-body'), { plotId: feature.id, needs: lastNeeds }) }, t('js.enquire'));
  // `replaceChildren` would write a left-out (null) part as the text "null".
  card.replaceChildren(...[
    closeButton(),
    h('p', { class: 'mono muted' }, p.reference),
    h('h2', { id: 'card-title', tabindex: '-1' }, p.name, ' ', h('span', { class: `badge status-${p.status}` }, value(p, 'status'))),
    match ? reasonsList(match) : null,
    h('div', { class: 'card-body' }, facts,
      h('p', { class: 'actions' }, enquiryButton, h('a', { class: 'button secondary', href: page }, t('js.factsheet')))),
  ].filter((part) => part != null));
  card.setAttribute('aria-labelledby', 'card-title');
  card.querySelector('#card-title').focus({ preventScroll: true });
  if (enquire) enquiryButton.click();
}

function closeButton() {
  return h('button', { type: 'button', class: 'close', 'aria-label': t('js.close'), onclick: closeCard }, '×');
}
function closeCard() {
  openPlot = null;
  keepInUrl();
  card.hidden = true;
  card.replaceChildren();
  map.getSource('selected')?.setData({ type: 'FeatureCollection', features: [] });
}
document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && !card.hidden) closeCard(); });

// ------------------------------------------------------------- enquiry
/** Shows the enquiry form in `where`, about a plot or about the needs of the last search. */
function showEnquiry(where, { plotId = null, needs = null } = {}) {
  const form = document.getElementById('enquiry-template').content.firstElementChild.cloneNode(true);
  const uid = Math.random().toString(36).slice(2, 8);
  for (const input of form.querySelectorAll('input, textarea')) {
    input.id = `enquiry-${input.name}-${uid}`;
    const error = h('span', { class: 'field-error', id: `${input.id}-error`, 'data-for': input.name, hidden: true });
    input.after(error);
  }
  if (!plotId && needs) form.elements.message.value = t('js.enquiry.about_needs');
  form.querySelector('[data-action="cancel"]').addEventListener('click', () => form.remove());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const el of form.querySelectorAll('.field-error, .error')) { el.hidden = true; el.textContent = ''; }
    for (const el of form.querySelectorAll('[aria-invalid]')) { el.removeAttribute('aria-invalid'); el.removeAttribute('aria-describedby'); }
    const body = {};
    for (const name of ['name', 'company', 'organisation_number', 'email', 'phone', 'message']) {
      const v = form.elements[name].value.trim();
      if (v) body[name] = v;
    }
    if (plotId) body.plot_id = plotId;
    if (needs) body.needs = needs;
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const res = await fetch(`${config.base}/enquiries`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body) });
      const answer = await res.json();
      if (res.ok) {
        form.replaceWith(h('div', { class: 'confirmation', role: 'status', tabindex: '-1' },
          h('h3', {}, t('js.enquiry.sent')), h('p', {}, t('js.enquiry.reference'), ' ', h('strong', { class: 'mono' }, answer.reference)),
          h('p', {}, t('js.enquiry.next'))));
        where.querySelector('.confirmation')?.focus();
        return;
      }
      let first = null;
      for (const err of answer.errors || []) {
        const input = form.elements[err.name];
        const slot = form.querySelector(`.field-error[data-for="${CSS.escape(err.name)}"]`);
        if (input && slot) {
          slot.textContent = err.reason; slot.hidden = false;
          input.setAttribute('aria-invalid', 'true'); input.setAttribute('aria-describedby', slot.id);
          first ??= input;
        } else {
          const general = form.querySelector('.error[data-for="form"]');
          general.textContent = `${general.textContent} ${err.name}: ${err.reason}`.trim(); general.hidden = false;
        }
      }
      if (!answer.errors?.length) {
        const general = form.querySelector('.error[data-for="form"]');
        general.textContent = answer.detail || t('js.failed'); general.hidden = false;
      }
      (first || form.querySelector('.error:not([hidden])'))?.focus?.();
    } catch {
      const general = form.querySelector('.error[data-for="form"]');
      general.textContent = t('js.offline'); general.hidden = false;
    } finally { button.disabled = false; }
  });
  where.append(form);
  form.elements.name.focus();
}

// -------------------------------------------------------- site finder
const finderForm = document.getElementById('finder-form');
const results = document.getElementById('finder-results');
let lastNeeds = null;
let placing = false;
const places = [];
const placeList = document.getElementById('place-list');
const addPlaceButton = document.getElementById('add-place');

addPlaceButton.addEventListener('click', () => {
  placing = !placing;
  addPlaceButton.setAttribute('aria-pressed', String(placing));
  addPlaceButton.textContent = placing ? t('js.place.click_map') : t('finder.places.add');
  map.getCanvas().style.cursor = placing ? 'crosshair' : '';
});

function addPlace(lngLat) {
  placing = false;
  addPlaceButton.setAttribute('aria-pressed', 'false');
  addPlaceButton.textContent = t('finder.places.add');
  map.getCanvas().style.cursor = '';
  const n = places.length + 1;
  const marker = new maplibregl.Marker({ color: '#1b1f23', draggable: true }).setLngLat(lngLat).addTo(map);
  const place = { marker, row: null };
  const id = `place-${Date.now()}`;
  place.row = h('li', { class: 'place-row' },
    h('label', {}, t('js.place.name'), h('input', { name: 'place_name', value: `${t('js.place.default')} ${n}`, maxlength: '100', id: `${id}-name` })),
    h('label', {}, t('js.place.kind'), h('select', { name: 'place_kind' },
      h('option', { value: 'max' }, t('js.place.max')), h('option', { value: 'preferred' }, t('js.place.preferred')))),
    h('label', {}, t('js.place.km'), h('input', { name: 'place_km', type: 'number', min: '0', step: 'any', value: '5', inputmode: 'decimal' })),
    h('button', { type: 'button', class: 'secondary small', onclick: () => removePlace(place) }, t('js.place.remove')));
  places.push(place);
  placeList.append(place.row);
  place.row.querySelector('input').focus();
}
function removePlace(place) {
  place.marker.remove();
  place.row.remove();
  places.splice(places.indexOf(place), 1);
}

/** The company's needs, as site matching takes them. */
function needsOf(form) {
  const needs = { limit: 10, required: checked(form, 'required') };
  const min = number(form, 'area_min'); const max = number(form, 'area_max');
  if (min != null || max != null) needs.area_m2 = { ...(min != null && { min: min * 1000 }), ...(max != null && { max: max * 1000 }) };
  const landUse = checked(form, 'land_use').map(Number);
  if (landUse.length) needs.land_use = landUse;
  const classes = checked(form, 'location_class');
  if (classes.length) needs.location_class = classes;
  const power = number(form, 'min_power_kw');
  if (power != null) needs.min_power_kw = power;
  for (const [field, , need] of DISTANCES) {
    const km = number(form, field);
    if (km != null) needs[need] = Math.round(km * 1000);
  }
  if (form.elements.available_by.value) needs.available_by = form.elements.available_by.value;
  if (form.elements.no_contamination.checked) needs.no_contamination = true;
  needs.required = needs.required.filter((r) => r in needs);
  const own = places.map((p) => {
    const { lng, lat } = p.marker.getLngLat();
    const km = Number(p.row.querySelector('[name="place_km"]').value);
    const kind = p.row.querySelector('[name="place_kind"]').value;
    const name = p.row.querySelector('[name="place_name"]').value.trim();
    return { ...(name && { name }), lon: +lng.toFixed(6), lat: +lat.toFixed(6), [kind === 'max' ? 'max_distance_m' : 'preferred_distance_m']: Math.round(km * 1000) };
  });
  if (own.length) needs.places = own;
  return needs;
}

function reasonsList(feature) {
  const reasons = feature.properties.match_reasons || [];
  return h('ul', { class: 'reasons' }, reasons.map((r) => h('li', { class: r.met ? 'met' : 'missed' },
    h('span', { class: 'mark', 'aria-hidden': 'true' }, r.met ? '✓' : '✗'),
    h('span', { class: 'visually-hidden' }, r.met ? t('js.met') : t('js.missed')),
    h('strong', {}, messages[`need.${r.need}`] ?? r.need),
    r.place != null && lastNeeds?.places?.[r.place]?.name ? ` «${lastNeeds.places[r.place].name}»` : '',
    r.required ? ` (${t('js.required')})` : '', ': ', r.detail)));
}

// A random id for this tab's session, sent with each search so that the
// registry counts a session's searches as one need (it keeps only a digest).
function searchSession() {
  let id = sessionStorage.getItem('naeringsareal-session');
  if (!id) {
    id = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
    sessionStorage.setItem('naeringsareal-session', id);
  }
  return id;
}

finderForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const error = document.getElementById('finder-error');
  error.hidden = true;
  const needs = needsOf(finderForm);
  const button = finderForm.querySelector('button[type="submit"]');
  button.disabled = true;
  results.replaceChildren(h('p', { class: 'hint' }, t('js.searching')));
  try {
    const res = await fetch(`${config.base}/collections/plots/match`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/geo+json', 'Naeringsareal-Session': searchSession() }, body: JSON.stringify(needs) });
    const answer = await res.json();
    if (!res.ok) {
      error.textContent = (answer.errors || []).map((x) => `${x.name}: ${x.reason}`).join('; ') || answer.detail;
      error.hidden = false;
      results.replaceChildren();
      return;
    }
    lastNeeds = needs;
    showResults(answer);
  } catch {
    error.textContent = t('js.offline'); error.hidden = false; results.replaceChildren();
  } finally { button.disabled = false; }
});

let resultMarkers = [];
function showResults(answer) {
  resultMarkers.forEach((m) => m.remove());
  resultMarkers = [];
  map.getSource('found')?.setData(answer);
  const list = h('ol', { class: 'results' }, answer.features.map((f, i) => {
    const p = f.properties;
    const score = Math.round((p.match_score ?? 0) * 100);
    const box = bounds(f);
    if (box) {
      const el = h('div', { class: 'rank-marker', 'aria-hidden': 'true' }, String(i + 1));
      resultMarkers.push(new maplibregl.Marker({ element: el }).setLngLat([(box[0][0] + box[1][0]) / 2, (box[0][1] + box[1][1]) / 2]).addTo(map));
    }
    return h('li', {},
      h('button', { type: 'button', class: 'result', onclick: () => openCard(f.id, { fly: true, match: f }) },
        h('span', { class: 'result-head' }, h('strong', {}, `${i + 1}. ${p.name}`), h('span', { class: 'score' }, `${score} %`)),
        h('span', { class: 'scorebar', style: `--score:${score}%`, 'aria-hidden': 'true' }),
        h('span', { class: 'muted' }, `${value(p, 'area_daa')} daa · ${value(p, 'land_use')} · ${value(p, 'status')}`)),
      h('details', {}, h('summary', {}, t('js.reasons')), reasonsList(f)));
  }));
  const box = bounds(answer);
  if (box) map.fitBounds(box, { padding: 60, maxZoom: 15 });
  const enquireAll = h('button', { type: 'button', class: 'secondary', onclick: (e) => { e.target.remove(); showEnquiry(results, { needs: lastNeeds }); } }, t('js.enquire.needs'));
  const alertMe = h('button', { type: 'button', class: 'secondary', onclick: (e) => { e.target.remove(); showAlertForm(results, lastNeeds); } }, t('js.alert.offer'));
  results.replaceChildren(
    h('h3', {}, `${t('js.found')} ${answer.features.length} ${t('js.of')} ${answer.candidates}`),
    answer.features.length ? list : h('p', {}, t('js.none_found')),
    enquireAll, alertMe);
}

/** The alert form: the needs of the last search, saved with an address (POST /alerts). */
function showAlertForm(where, searched) {
  const { limit, ...needs } = searched;
  const form = h('form', { class: 'alert-form', novalidate: '' },
    h('p', { class: 'hint' }, t('js.alert.hint')),
    h('label', {}, t('js.alert.email'), h('input', { type: 'email', name: 'email', required: '', autocomplete: 'email' })),
    h('p', { class: 'error', role: 'alert', hidden: '' }),
    h('p', { class: 'form-actions' }, h('button', { type: 'submit' }, t('js.alert.save'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const error = form.querySelector('.error');
    error.hidden = true;
    const email = form.elements.email.value.trim();
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const res = await fetch(`${config.base}/alerts`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ email, needs, lang: config.lang }) });
      const answer = await res.json();
      if (res.ok) {
        form.replaceWith(h('p', { class: 'confirmation', role: 'status', tabindex: '-1' }, `${t('js.alert.saved')} ${answer.email}.`));
        where.querySelector('.confirmation')?.focus();
        return;
      }
      error.textContent = (answer.errors || []).map((x) => `${x.name}: ${x.reason}`).join('; ') || answer.detail || t('js.failed');
      error.hidden = false;
    } catch {
      error.textContent = t('js.offline'); error.hidden = false;
    } finally { button.disabled = false; }
  });
  where.append(form);
  form.elements.email.focus();
}

// ------------------------------------------------------------- reserve
let reserveLoaded = false;
async function loadReserve() {
  if (reserveLoaded) return;
  reserveLoaded = true;
  const target = document.getElementById('reserve-content');
  target.replaceChildren(h('p', { class: 'hint' }, t('js.loading')));
  try {
    const res = await fetch(`${config.base}/collections/plots/reserve?f=html`, { headers: { Accept: 'text/html' } });
    const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
    const overview = doc.getElementById('reserve-overview');
    target.replaceChildren(overview ? document.adoptNode(overview) : h('p', { class: 'error' }, t('js.failed')));
  } catch {
    reserveLoaded = false;
    target.replaceChildren(h('p', { class: 'error' }, t('js.offline')));
  }
}
