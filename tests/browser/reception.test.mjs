// The reception as its two users meet it: the company rating it from the
// link of its mail, and a planner signing in to see what waits and the
// quarters' response times. In real headless Chromium against the real
// service; every test fails on any JavaScript error, any request to
// another host and any 5xx.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { BASE, audit, launch, newPage, shot } from './lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const PLANNER_KEY = process.env.PLANNER_KEY;

/** Sends an enquiry as a company does; its id. */
async function enquire(lang) {
  const res = await fetch(`${BASE}/enquiries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Kari Nordmann', company: 'Eksempel Logistikk AS', organisation_number: '974 760 673',
      email: 'kari@eksempel.no', message: 'Is there 20 daa near the port?', lang,
    }),
  });
  assert.equal(res.status, 201);
  return (await res.json()).id;
}

async function change(id, body) {
  const res = await fetch(`${BASE}/enquiries/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${PLANNER_KEY}` },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.text());
}

/** The rating link of the mail the company got (read from the outbox). */
function ratingLink(id) {
  const body = execFileSync('psql', [process.env.DATABASE_URL, '-tAc',
    `SELECT body FROM mail_outbox WHERE kind = 'enquiry_rating' AND enquiry_id = '${id}'`]).toString();
  const link = body.match(/https?:\/\/\S+\/rating\?token=\S+/);
  assert.ok(link, `a rating link in ${body}`);
  return new URL(link[0]);
}

test('a company rates the reception with one click from the link in its mail', async () => {
  const id = await enquire('en');
  await change(id, { status: 'closed', note: 'Answered by phone.' });
  const link = ratingLink(id);
  const page = await newPage(browser);
  const response = await page.goto(`${BASE}${link.pathname}${link.search}`, { waitUntil: 'domcontentloaded' });
  assert.equal(response.status(), 200);
  // The link chose the enquiry's language.
  assert.equal(await page.locator('h1').textContent(), 'How did we answer you?');
  await page.fill('textarea[name="comment"]', 'Quick and clear, thank you.');
  await page.getByRole('button', { name: /4\s+Satisfied/ }).click();
  await page.waitForSelector('[role="status"]');
  assert.match(await page.locator('[role="status"]').textContent(), /4 – Satisfied, is recorded/);
  // The choice shows as pressed, and can be changed.
  assert.equal(await page.getByRole('button', { name: /4\s+Satisfied/ }).getAttribute('aria-pressed'), 'true');
  const stored = execFileSync('psql', [process.env.DATABASE_URL, '-tAc',
    `SELECT score || ' ' || comment FROM enquiry_ratings WHERE enquiry_id = '${id}'`]).toString().trim();
  assert.equal(stored, '4 Quick and clear, thank you.');
  assert.deepEqual(await audit(page), [], 'no serious or critical accessibility violation on the rating page');
  await shot(page, 'rating', { fullPage: true });
  assert.deepEqual(page.problems(), []);
});

test('a planner signs in and sees what waits, what is overdue and the quarters', async () => {
  const late = await enquire('nb');
  await enquire('nb');
  // Received on Wednesday 13 May 2026, before Ascension Day: due Monday 18 May.
  execFileSync('psql', [process.env.DATABASE_URL, '-qc',
    `UPDATE enquiries SET created_at = '2026-05-13 10:00+02', answer_due_at = answer_due('2026-05-13 10:00+02', 2) WHERE id = '${late}'`]);
  const page = await newPage(browser);
  await page.goto(`${BASE}/sign-in?next=/reception`, { waitUntil: 'domcontentloaded' });
  await page.fill('input[name="key"]', PLANNER_KEY);
  await Promise.all([page.waitForURL(/\/reception/), page.click('form.sign-in button[type="submit"]')]);
  assert.equal(await page.locator('h1').textContent(), 'Mottak og svartider');
  const overdue = page.locator('table.waiting tr.late');
  assert.ok(await overdue.count() >= 1, 'the overdue enquiry is marked');
  assert.match(await overdue.first().textContent(), /mandag 18\. mai 2026\s+Over fristen/);
  assert.ok(await page.locator('table.quarters tbody tr').count() >= 4, 'a row per quarter of the year');
  assert.deepEqual(await audit(page), [], 'no serious or critical accessibility violation on the reception page');
  await shot(page, 'reception', { fullPage: true });
  assert.deepEqual(page.problems(), []);
});
