// The map page in headless Chromium: time from navigation to the first
// plots drawn (the page marks it: window.firstPlotsDrawn, a
// performance.now() reading, whose origin is the navigation), over RUNS
// fresh browser contexts (nothing cached); and the weight of the page's own
// script and stylesheet, gzip-compressed as served.
import { BASE, launch, newPage } from '../../tests/browser/lib.mjs';

const RUNS = Number(process.env.RUNS || 15);
const browser = await launch();
const times = [];
for (let i = 0; i < RUNS; i++) {
  const page = await newPage(browser);
  await page.goto(`${BASE}/map`);
  await page.waitForFunction(() => window.firstPlotsDrawn, null, { timeout: 30000 });
  times.push(await page.evaluate(() => window.firstPlotsDrawn));
  if (page.problems().length) throw new Error(page.problems().join('\n'));
  await page.context().close();
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
console.log(`first plots drawn, ms from navigation, ${RUNS} cold loads: median ${median.toFixed(0)}, min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)}`);

// The page's own assets: what /map loads from /assets/ that is not vendored.
const page = await newPage(browser);
const own = new Map();
page.on('response', async (r) => {
  const url = new URL(r.url());
  if (url.pathname.startsWith('/assets/') && !url.pathname.startsWith('/assets/vendor/')) own.set(url.pathname, r);
});
await page.goto(`${BASE}/map`);
await page.waitForFunction(() => window.firstPlotsDrawn, null, { timeout: 30000 });
let total = 0;
for (const path of own.keys()) {
  const res = await fetch(`${BASE}${path}`, { headers: { 'Accept-Encoding': 'gzip' } });
  const compressed = Number(res.headers.get('content-length')) || (await res.arrayBuffer()).byteLength;
  total += compressed;
  console.log(`  ${path}: ${compressed} bytes gzip`);
}
console.log(`the page's own JS and CSS: ${(total / 1024).toFixed(1)} KiB gzip (MapLibre not counted)`);
await browser.close();
