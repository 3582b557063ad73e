// The pages and the map as a company uses them, in real headless Chromium
// against the real service with its demo data. Every test fails on any
// JavaScript error, any request to another host and any 5xx.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE, audit, launch, mapReady, newPage, shot } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function open(url, options) {
  const page = await newPage(browser, options);
  const response = await page.goto(`${BASE}${url}`, { waitUntil: 'domcontentloaded' });
  assert.equal(response.status(), 200, `${url} answers 200`);
  return page;
}

function bboxOf(geometry) {
  const xs = []; const ys = [];
  const visit = (c) => (typeof c[0] === 'number' ? (xs.push(c[0]), ys.push(c[1])) : c.forEach(visit));
  visit(geometry.coordinates);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function clean(page) {
  assert.deepEqual(page.problems(), [], 'no JavaScript error, no request to another host, no 5xx');
}

/** Some plot on offer, from the API. */
async function somePlot(filter = '') {
  const res = await fetch(`${BASE}/collections/plots/items?limit=1&status=available${filter}`);
  return (await res.json()).features[0];
}

test('the map draws the demo plots from the tiles, with a legend', async () => {
  const page = await open('/map');
  await mapReady(page, '#map');
  const drawn = await page.evaluate(() => window.firstPlotsDrawn);
  assert.ok(drawn > 0, 'plots drawn');
  assert.ok(await page.locator('.map-legend').isVisible());
  assert.ok(await page.locator('.place-marker').count() > 0, 'reference places shown');
  await shot(page, 'map');
  assert.deepEqual(await audit(page), [], 'no serious or critical accessibility violation on the map');
  clean(page);
});

test('the filter redraws the map, counts the matches and is kept in the URL', async () => {
  const page = await open('/map');
  await mapReady(page, '#map');
  const tiles = [];
  page.on('request', (r) => { if (r.url().includes('/tiles/WebMercatorQuad/')) tiles.push(r.url()); });
  await page.getByLabel('Ledig', { exact: true }).check();
  await page.locator('#filter-form input[name="area_min"]').fill('10');
  await page.waitForFunction(() => /\d/.test(document.getElementById('filter-count').textContent));
  await page.waitForFunction(() => location.search.includes('area_min=10'));
  await page.waitForTimeout(600);
  const asked = tiles.map((u) => new URL(u).searchParams);
  assert.ok(asked.some((q) => q.get('status') === 'available' && q.get('filter') === 'area_m2 >= 10000'), 'tiles asked for with the filter');
  const shown = Number((await page.locator('#filter-count').textContent()).replace(/\D/g, ''));
  const api = await (await fetch(`${BASE}/collections/plots/items?limit=1&status=available&filter=${encodeURIComponent('area_m2 >= 10000')}`)).json();
  assert.equal(shown, api.numberMatched, 'the count is the listing’s');
  // The bookmark opens with the same filter filled in.
  const again = await open(new URL(page.url()).pathname + new URL(page.url()).search);
  assert.equal(await again.locator('#filter-form input[name="area_min"]').inputValue(), '10');
  assert.ok(await again.getByLabel('Ledig', { exact: true }).isChecked());
  clean(page); clean(again);
});

test('clicking a plot opens its card; an enquiry is sent and stored', async () => {
  // A plot of one convex-ish part, so that the middle of its box is on it.
  const plot = await somePlot('&reference=DRM-0010');
  const page = await open(`/map?plot=${plot.id}`);
  await mapReady(page, '#map');
  await page.waitForSelector('#card h2');
  assert.doesNotMatch(await page.locator('#card').textContent(), /\bnull\b|undefined/, 'no left-out part shown as text');
  assert.match(await page.locator('#card h2').textContent(), new RegExp(plot.properties.name.replace(/[()]/g, '.')));
  // Close the card, then click the plot where the map draws it.
  await page.locator('#card .close').click();
  assert.ok(await page.locator('#card').isHidden());
  await page.evaluate(() => new Promise((done) => {
    const map = window.registryMap;
    if (map.isMoving()) map.once('idle', done); else done();
  }));
  const [w, s, e, n] = bboxOf(plot.geometry);
  const center = await page.evaluate(([lon, lat]) => window.registryMap.project([lon, lat]), [(w + e) / 2, (s + n) / 2]);
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + center.x, box.y + center.y);
  await page.waitForSelector('#card h2');
  await page.getByRole('button', { name: 'Send henvendelse' }).click();
  const form = page.locator('#card form.enquiry');
  // First with errors: each is shown next to its field.
  await form.getByLabel('Navn *').fill('Kari Nordmann');
  await form.getByLabel('Virksomhet *').fill('Test AS');
  await form.getByLabel('Organisasjonsnummer (9 siffer) *').fill('123');
  await form.getByLabel('E-post *').fill('ikke-en-adresse');
  await form.getByLabel('Melding *').fill('Vi trenger 20 daa til lager.');
  await form.getByRole('button', { name: 'Send henvendelsen' }).click();
  await page.waitForSelector('#card .field-error[data-for="email"]:not([hidden])');
  assert.ok(await form.locator('.field-error[data-for="organisation_number"]:not([hidden])').count() === 1);
  assert.equal(await form.getByLabel('E-post *').getAttribute('aria-invalid'), 'true');
  await shot(page, 'enquiry-errors');
  await form.getByLabel('Organisasjonsnummer (9 siffer) *').fill('974760673');
  await form.getByLabel('E-post *').fill('kari@example.no');
  await form.getByRole('button', { name: 'Send henvendelsen' }).click();
  await page.waitForSelector('#card .confirmation');
  const reference = await page.locator('#card .confirmation strong').textContent();
  assert.match(reference, /^HEN-[0-9]{6}$/);
  await shot(page, 'enquiry-sent');
  // Stored, about this plot, as sent.
  const stored = await fetch(`${BASE}/enquiries?limit=1`, { headers: { Authorization: `Bearer ${process.env.PLANNER_KEY}` } });
  assert.equal(stored.status, 200);
  const enquiry = (await stored.json()).enquiries[0];
  assert.equal(enquiry.reference, reference);
  assert.equal(enquiry.plot.id, plot.id);
  assert.equal(enquiry.organisation_number, '974760673');
  assert.equal(enquiry.message, 'Vi trenger 20 daa til lager.');
  clean(page);
});

test('the site finder ranks plots with reasons and shows them on the map', async () => {
  const page = await open('/map#finder');
  await mapReady(page, '#map');
  assert.ok(await page.locator('#finder').isVisible(), 'the finder tab opens from the link');
  const finder = page.locator('#finder-form');
  await finder.locator('input[name="area_min"]').fill('5');
  await finder.getByLabel('1350 Lager').check();
  await finder.getByLabel('1826 Industri/lager').check();
  await finder.locator('input[name="max_port_km"]').fill('5');
  await finder.getByRole('button', { name: 'Finn tomter' }).click();
  await page.waitForSelector('#finder-results ol.results > li');
  const items = await page.locator('#finder-results ol.results > li').count();
  assert.ok(items > 0, 'ranked plots listed');
  const scores = await page.locator('#finder-results .score').allTextContents();
  const values = scores.map((s) => Number(s.replace(/\D/g, '')));
  assert.deepEqual(values, [...values].sort((a, b) => b - a), 'best first');
  assert.ok(await page.locator('.rank-marker').count() === items, 'each on the map');
  await page.locator('#finder-results details summary').first().click();
  assert.ok(await page.locator('#finder-results ul.reasons li').count() > 0, 'reasons shown');
  await page.locator('#finder-results button.result').first().click();
  await page.waitForSelector('#card h2');
  await shot(page, 'site-finder');
  // The search's needs as an alert: with nothing ticked as a must it is
  // refused, with the reason; with a must it is saved, pending its mail.
  await page.getByRole('button', { name: 'Varsle meg når en tomt som passer blir ledig' }).click();
  const alertForm = page.locator('#finder-results form.alert-form');
  await alertForm.getByLabel('E-post').fill('kari@example.no');
  await alertForm.getByRole('button', { name: 'Lag varselet' }).click();
  await page.waitForSelector('#finder-results form.alert-form .error:not([hidden])');
  assert.match(await alertForm.locator('.error').textContent(), /hard requirement/);
  await finder.locator('input[name="required"][value="area_m2"]').check();
  await finder.getByRole('button', { name: 'Finn tomter' }).click();
  await page.getByRole('button', { name: 'Varsle meg når en tomt som passer blir ledig' }).click();
  await page.locator('#finder-results form.alert-form').getByLabel('E-post').fill('kari@example.no');
  await page.locator('#finder-results form.alert-form').getByRole('button', { name: 'Lag varselet' }).click();
  await page.waitForSelector('#finder-results .confirmation');
  assert.match(await page.locator('#finder-results .confirmation').textContent(), /kari@example\.no/);
  await shot(page, 'alert-saved');
  clean(page);
});

test('the site finder measures to the company’s own places dropped on the map', async () => {
  const plot = await somePlot('&reference=DRM-0010');
  const page = await open('/map#finder');
  await mapReady(page, '#map');
  const [w, s, e, n] = bboxOf(plot.geometry);
  await page.evaluate((box) => window.registryMap.fitBounds(box, { animate: false, padding: 100 }), [[w, s], [e, n]]);
  await page.getByRole('button', { name: 'Legg til et sted i kartet' }).click();
  const center = await page.evaluate(([lon, lat]) => window.registryMap.project([lon, lat]), [(w + e) / 2, (s + n) / 2]);
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + center.x, box.y + center.y);
  const row = page.locator('#place-list li').first();
  await row.locator('input[name="place_name"]').fill('Dagens lager');
  await row.locator('select[name="place_kind"]').selectOption('max');
  await row.locator('input[name="place_km"]').fill('1');
  await page.getByRole('button', { name: 'Finn tomter' }).click();
  await page.waitForSelector('#finder-results ol.results > li');
  const found = await page.locator('#finder-results ol.results > li').count();
  const names = await page.locator('#finder-results button.result strong').allTextContents();
  assert.ok(found >= 1 && names.every((x) => !/Holmen|Svelvik|Mjøndalen/.test(x)), `only plots within 1 km: ${names}`);
  // Plots within the distance all meet it (they tie); the one the place is on is among them.
  const onIt = page.locator('#finder-results ol.results > li').filter({ hasText: 'Kobbervikdalen, felt 2' });
  assert.equal(await onIt.count(), 1, `the plot the place is on is found: ${names}`);
  await onIt.locator('details summary').click();
  assert.match(await onIt.locator('ul.reasons').textContent(), /Egne steder «Dagens lager».*innenfor tomta/);
  await shot(page, 'site-finder-places');
  clean(page);
});

test('the reserve tab shows the land on offer and its trend', async () => {
  const page = await open('/map');
  await mapReady(page, '#map');
  await page.getByRole('tab', { name: 'Arealreserve' }).click();
  await page.waitForSelector('#reserve-content svg.chart');
  assert.ok(await page.locator('#reserve-content table.bars tbody tr').count() > 3);
  // The demo's history: the trend has a point per quarter of three years.
  assert.ok(await page.locator('#reserve-content circle.trend-dot').count() >= 12);
  await shot(page, 'map-reserve');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-finder', 'tabs move with the arrow keys');
  clean(page);
});

test('a plot page shows its facts and boundary, and prints on one page', async () => {
  const plot = await somePlot();
  const page = await open(`/collections/plots/items/${plot.id}?f=html`);
  await mapReady(page, '#page-map');
  assert.equal(await page.locator('h1').evaluate((h) => h.firstChild.textContent.trim()), plot.properties.name);
  assert.ok(await page.locator('.facts-group').count() >= 10, 'every group of characteristics');
  await shot(page, 'plot', { fullPage: true });
  assert.deepEqual(await audit(page), [], 'no serious or critical accessibility violation on a plot page');
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ format: 'A4', printBackground: true });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
  assert.equal(pages, 1, 'the fact sheet prints on one page');
  clean(page);
});

test('the items page shows a map and a table of the page, and pages on', async () => {
  const page = await open('/collections/plots/items?f=html&limit=5');
  await mapReady(page, '#page-map');
  assert.equal(await page.locator('table.plots tbody tr').count(), 5);
  await shot(page, 'items', { fullPage: true });
  assert.deepEqual(await audit(page), [], 'no serious or critical accessibility violation on the items page');
  await page.getByRole('link', { name: /Neste/ }).click();
  await page.waitForSelector('table.plots');
  assert.ok(page.url().includes('cursor='));
  clean(page);
});

test('English by the switch, on every page', async () => {
  const page = await open('/');
  await page.getByRole('link', { name: 'English' }).click();
  await page.waitForSelector('html[lang="en"]');
  assert.equal(await page.locator('h1').textContent(), 'Vacant business land');
  await page.goto(`${BASE}/map`);
  await mapReady(page, '#map');
  assert.ok(await page.getByRole('tab', { name: 'Find a site' }).isVisible());
  clean(page);
});

test('the map works on a phone screen', async () => {
  const page = await open('/map', { viewport: { width: 390, height: 844 } });
  await mapReady(page, '#map');
  await shot(page, 'map-phone', { fullPage: true });
  clean(page);
});
