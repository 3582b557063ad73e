// By hand: node shoot.mjs <url> <name> [width height] — a screenshot, the
// page's problems and its serious accessibility violations.
import { launch, newPage, shot, audit } from './lib.mjs';
const [url, name, w = 1280, h = 860] = process.argv.slice(2);
const browser = await launch();
const page = await newPage(browser, { viewport: { width: +w, height: +h } });
await page.goto(url, { waitUntil: 'networkidle' });
await page.waitForSelector('[data-ready="true"]', { timeout: 5000 }).catch(() => {});
await page.waitForTimeout(800);
const full = await page.evaluate(() => !document.body.classList.contains('map-page'));
console.log(await shot(page, name, { fullPage: full }));
console.log('problems:', page.problems());
console.log('axe:', JSON.stringify(await audit(page)));
await browser.close();
