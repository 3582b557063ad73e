// The browser tests' harness: Debian's Chromium driven by playwright-core,
// a page that fails the test on any JavaScript error or any request to a
// host other than the service's, screenshots kept as test output, and an
// accessibility audit with axe-core.
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** Where the service under test answers (set by scripts/browser-test.sh). */
export const BASE = process.env.NAERINGSAREAL_URL || 'http://127.0.0.1:8080';

/** Where screenshots go: a person looks at them. */
export const SHOTS = process.env.SCREENSHOTS || path.resolve('../../target/browser');

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: FLAGS,
    headless: true,
  });
}

/**
 * A new page in its own context that records every JavaScript error,
 * console error and request to another host; `problems()` lists them.
 */
export async function newPage(browser, { viewport = { width: 1280, height: 860 }, locale = 'nb-NO' } = {}) {
  const context = await browser.newContext({ viewport, locale });
  const page = await context.newPage();
  const own = new URL(BASE).host;
  const problems = [];
  page.on('pageerror', (e) => problems.push(`JavaScript error: ${e.message}`));
  page.on('console', (m) => {
    // A 4xx the page expects (a form's validation) is logged by Chromium as
    // a failed resource; answers are checked below, by status.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded with a status of 4')) problems.push(`console error: ${m.text()}`);
  });
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (!['data:', 'blob:'].includes(url.protocol) && url.host !== own) problems.push(`request to another host: ${r.url()}`);
  });
  page.on('requestfailed', (r) => {
    if (!r.failure()?.errorText.includes('ERR_ABORTED')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`${r.status()} from ${r.url()}`);
  });
  page.problems = () => problems;
  return page;
}

/** Saves a full-page screenshot as `<name>.png` under SHOTS. */
export async function shot(page, name, { fullPage = false } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/** The serious and critical accessibility violations axe-core finds. */
export async function audit(page) {
  // Evaluated through the DevTools protocol, which the page's Content
  // Security Policy does not govern (a script tag would be refused).
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Waits until the map in `selector` has drawn (its element says so). */
export async function mapReady(page, selector, timeout = 20000) {
  await page.waitForSelector(`${selector}[data-ready="true"]`, { timeout });
}
