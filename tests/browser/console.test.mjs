// The operator console in a real browser: Debian's Chromium, headless, driven by playwright-core
// (no browser download: the system's is used). Run by tests/e2e/console_browser_test.cpp against
// a node it prepared; runnable by hand as well:
//
//   COMMERCE_CONSOLE_URL=http://127.0.0.1:8080 COMMERCE_CONSOLE_TOKEN=... \
//   COMMERCE_CONSOLE_CART=crt_... COMMERCE_CONSOLE_SCREENSHOTS=/tmp/shots node console.test.mjs
//
// Each step is an assertion; the first that fails ends the run with exit status 1 and says why.
// Needs at least two pending dead letters and a cart with events.
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = required('COMMERCE_CONSOLE_URL').replace(/\/$/, '');
const token = required('COMMERCE_CONSOLE_TOKEN');
const cart = required('COMMERCE_CONSOLE_CART');
const shots = required('COMMERCE_CONSOLE_SCREENSHOTS');
const executablePath = process.env.COMMERCE_CHROMIUM || '/usr/bin/chromium';
// A node built with the sanitizers (scripts/test --sanitize) runs several times slower: the live
// bound is scaled as tests/e2e/bounds_test.cpp scales its deadlines.
const liveBoundMs = process.env.COMMERCE_TEST_SANITIZED ? 3000 : 1000;
const started = Date.now();

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`console.test.mjs: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

class StepFailed extends Error {}
function check(condition, message) {
  if (!condition) throw new StepFailed(message);
}

// The node's API from node itself (the test's own calls, with the token).
async function nodeApi(path, { method = 'GET', body, headers = {} } = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, headers: response.headers, text, json };
}

// What the page reported that it should not have: console errors, uncaught exceptions, CSP
// violations. Refusals the test provokes on purpose (the wrong token) are expected only while
// that step runs.
const problems = [];
let expectedRefusal = null;  // RegExp of a console error the current step expects

const steps = [];
async function step(name, body) {
  const t0 = Date.now();
  try {
    await body();
    steps.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (error) {
    console.log(`FAIL ${name} (${Date.now() - t0} ms): ${error instanceof StepFailed ? error.message : error.stack || error}`);
    throw error;
  }
}

const userDataDir = await mkdtemp(join(tmpdir(), 'console-chromium-'));
mkdirSync(shots, { recursive: true });
await rm(join(shots, 'failure.png'), { force: true });  // from an earlier run that failed
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1440, height: 900 },
  timeout: 60000,
});
const page = context.pages()[0] || (await context.newPage());
page.setDefaultTimeout(10000);

// CSP violations as the page sees them (an init script comes from the browser, not the page,
// so the policy does not apply to it).
await page.addInitScript(() => {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
  });
});
page.on('console', (message) => {
  if (message.type() !== 'error') return;
  const text = message.text();
  if (expectedRefusal && expectedRefusal.test(text)) return;
  problems.push(`console error: ${text} (${message.location()?.url || 'no location'})`);
});
page.on('pageerror', (error) => problems.push(`uncaught exception: ${error.message}`));
page.on('requestfailed', (request) => {
  const failure = request.failure()?.errorText || '';
  // Streams the console aborts on purpose (pause, leaving the live view) are not failures.
  if (failure.includes('ERR_ABORTED')) return;
  problems.push(`request failed: ${request.method()} ${request.url()} ${failure}`);
});

const view = (name) => page.locator(`#view > .view[data-view="${name}"]`);
const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

// Opens a view from the navigation, as the operator would, and waits until nothing is loading.
async function openView(name) {
  await page.click(`#nav a[data-view="${name}"]`);
  await view(name).waitFor();
  await page.waitForFunction(() => !document.querySelector('#view .loading'), null, { timeout: 10000 });
}

// No problem banner in the view: what the view asked of the node, it got.
async function noProblemShown(name) {
  const shown = await page.locator('#view .problem, #banner .problem').allTextContents();
  check(shown.length === 0, `the ${name} view shows a problem: ${shown.join(' | ')}`);
}

// Every element's attributes, looking for inline handlers and inline style (the CSP forbids both).
async function inlineCodeInDom() {
  return page.evaluate(() => {
    const found = [];
    for (const script of document.querySelectorAll('script')) if (!script.src) found.push('inline <script>');
    for (const element of document.querySelectorAll('*')) {
      for (const attribute of element.attributes) {
        const tag = element.outerHTML.slice(0, element.outerHTML.indexOf('>') + 1).slice(0, 200);
        // Chrome's autofill leaves an empty style="" on text inputs it looked at: no style in it.
        const styled = attribute.name === 'style' && attribute.value.trim() !== '';
        if (/^on/i.test(attribute.name) || styled) found.push(tag);
      }
    }
    return found;
  });
}

let failed = null;
try {
  await step('the console is served with a strict Content-Security-Policy and no inline script', async () => {
    const answer = await fetch(`${base}/console/`);
    check(answer.status === 200, `GET /console/ answered ${answer.status}`);
    const csp = answer.headers.get('content-security-policy') || '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "connect-src 'self'"]) {
      check(csp.includes(directive), `the CSP lacks ${directive}: "${csp}"`);
    }
    check(!/script-src[^;]*'unsafe-inline'/.test(csp), 'the CSP allows inline script');
    check(answer.headers.get('x-content-type-options') === 'nosniff', 'no X-Content-Type-Options: nosniff');
    const html = await answer.text();
    const scripts = [...html.matchAll(/<script\b([^>]*)>/gi)];
    check(scripts.length > 0, 'the page loads no script');
    for (const [tag, attributes] of scripts) check(/\bsrc\s*=/.test(attributes), `inline script in the HTML: ${tag}`);
    check(!/<[^>]+\son[a-z]+\s*=/i.test(html), 'an inline event handler (on...=) in the HTML');
    check(!/<[^>]+\sstyle\s*=/i.test(html), 'a style= attribute in the HTML');
    check(!/(src|href)\s*=\s*["']?(https?:)?\/\//i.test(html), 'an external URL in the HTML');
  });

  await step('a wrong token is refused and the console stays on sign-in', async () => {
    expectedRefusal = /status of 40[13]/;
    await page.goto(`${base}/console/`);
    await view('sign-in').waitFor();
    await shot('sign-in');
    await page.fill('#token', 'not-the-token');
    await page.click('form.sign-in-form button[type="submit"]');
    const refusal = page.locator('.wrong-token');
    await refusal.waitFor();
    check((await refusal.textContent()).includes('Wrong token'), 'no "wrong token" message');
    check(await view('sign-in').isVisible(), 'left the sign-in view with a wrong token');
    check(await page.locator('#nav').isHidden(), 'the navigation shows without a valid token');
    const kept = await page.evaluate(() => Object.keys(sessionStorage).length);
    check(kept === 0, 'a refused token was kept in sessionStorage');
    expectedRefusal = null;
  });

  await step('signing in with the admin token opens the overview; the token stays out of the URL', async () => {
    await page.fill('#token', token);
    await page.click('form.sign-in-form button[type="submit"]');
    await view('overview').waitFor();
    check(await page.locator('#nav').isVisible(), 'no navigation after signing in');
    // (A token too short to be told from other text in a URL is not looked for.)
    check(token.length < 8 || !page.url().includes(token), `the token is in the URL: ${page.url()}`);
    const stored = await page.evaluate(() => Object.values(sessionStorage));
    check(stored.includes(token), 'the token is not in sessionStorage');
    const persisted = await page.evaluate(() => Object.values(localStorage));
    check(!persisted.includes(token), 'the token was written to localStorage');
  });

  await step('the overview charts render with data (two samples or more)', async () => {
    // Traffic for the charts to show while they sample: reads, and writes to the cart (journal
    // appends; they also give the cart more events than one page of its history holds).
    let traffic = true;
    const generator = (async () => {
      for (let i = 0; traffic; i += 1) {
        await nodeApi('/v1/products/console-mug');
        await nodeApi(`/v1/carts/${encodeURIComponent(cart)}/items/console-mug`, { method: 'PUT', body: { quantity: 1 + (i % 3) } });
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    try {
      await page.waitForFunction(() => {
        const samples = Number(document.querySelector('[data-samples]')?.dataset.samples || 0);
        const line = document.querySelector('[data-chart="requests"] path.series-line');
        return samples >= 4 && line && Number(line.dataset.points) >= 3;
      }, null, { timeout: 30000 });
    } finally {
      traffic = false;
      await generator;
    }
    const charts = await page.$$eval('[data-chart]', (cards) => cards.map((card) => ({
      id: card.dataset.chart,
      points: Math.max(0, ...[...card.querySelectorAll('path.series-line')].map((p) => Number(p.dataset.points))),
      d: card.querySelector('path.series-line')?.getAttribute('d') || '',
    })));
    check(charts.length >= 6, `only ${charts.length} charts`);
    const requests = charts.find((c) => c.id === 'requests');
    check(/^M[\d.]+,[\d.]+ L/.test(requests.d), `the request-rate line has no drawn segment: "${requests.d.slice(0, 80)}"`);
    for (const id of ['requests', 'errors', 'appends', 'dead-letters']) {
      check(charts.find((c) => c.id === id)?.points >= 2, `the ${id} chart has fewer than 2 points`);
    }
    await page.locator('#view table.data').first().waitFor();  // the nodes
    await noProblemShown('overview');
    await shot('overview');
  });

  await step('a cart found by id shows its state and its events, newest first, data expandable', async () => {
    await openView('entity');
    await page.selectOption('form[data-form="entity"] select[name="kind"]', 'carts');
    await page.fill('form[data-form="entity"] input[name="id"]', cart);
    await page.click('form[data-form="entity"] button[type="submit"]');
    await page.locator('[data-history="journal"] tbody tr').first().waitFor();
    const state = JSON.parse(await page.locator('#view pre.json').first().textContent());
    check(state.id === cart, 'the state shown is not the cart\'s');
    const shown = await page.$$eval('[data-history="journal"] tbody tr', (rows) => rows.map((r) => ({
      version: Number(r.cells[0].textContent), type: r.cells[1].textContent,
    })));
    // The cart may change meanwhile (its reservations expire): compared version by version with
    // its journal as read after the page read it.
    const events = await nodeApi(`/v1/carts/${encodeURIComponent(cart)}/events?from=1`);
    check(events.status === 200 && Array.isArray(events.json), `the cart's events: ${events.status} ${events.text.slice(0, 200)}`);
    const byVersion = new Map(events.json.map((e) => [e.version, e]));
    check(shown.length === Math.min(20, state.version), `${shown.length} events shown for a cart at version ${state.version}`);
    check(shown[0].version === state.version, `the newest event shown is version ${shown[0].version}, the state is at ${state.version}`);
    for (let i = 0; i < shown.length; i += 1) {
      check(shown[i].version === state.version - i, `versions shown are not newest first, one by one: ${shown.map((r) => r.version)}`);
      check(byVersion.get(shown[i].version)?.type === shown[i].type,
        `version ${shown[i].version} is shown as ${shown[i].type}, the journal has ${byVersion.get(shown[i].version)?.type}`);
    }
    await page.locator('[data-history="journal"] tbody tr details.expandable summary').first().click();
    const data = await page.locator('[data-history="journal"] tbody tr details.expandable pre.json').first().textContent();
    check(JSON.stringify(JSON.parse(data)) === JSON.stringify(byVersion.get(shown[0].version).data), 'the newest event\'s data shown is not its data');
    if (state.version > shown.length) {  // more than a page: the older ones are a click away
      await page.click('button[data-action="older"]');
      await page.waitForFunction((below) => Number(document.querySelector('[data-history="journal"] tbody tr')?.cells[0].textContent) === below,
        shown[shown.length - 1].version - 1);
      await page.click('button[data-action="newer"]');
      await page.waitForFunction((top) => Number(document.querySelector('[data-history="journal"] tbody tr')?.cells[0].textContent) === top, shown[0].version);
    }
    check(page.url().includes(`#/entity/carts/${encodeURIComponent(cart)}`), `the entity is not addressable by URL: ${page.url()}`);
    await noProblemShown('entity');
    await shot('entity');
  });

  const retryReason = `browser test: retrying one letter ${Date.now()}`;
  const discardReason = `browser test: discarding one letter ${Date.now()}`;
  let retried = null;
  let discarded = null;
  await step('retry a dead letter and discard another: the list changes', async () => {
    await openView('dead-letters');
    const rows = page.locator('[data-pager="dead-letters"] tbody tr');
    await rows.first().waitFor();
    const ids = async () => page.$$eval('[data-pager="dead-letters"] tbody tr', (trs) => trs.map((tr) => Number(tr.cells[0].textContent)));
    const before = await ids();
    check(before.length >= 2, `only ${before.length} pending dead letters listed`);
    const count = await page.locator('[data-count]').getAttribute('data-count');
    check(Number(count) >= before.length, `the count (${count}) is less than the letters listed`);
    [retried, discarded] = before;

    // Retry: the confirmation asks for a reason, and refuses to act without one.
    await rows.nth(0).locator('button[data-action="retry"]').click();
    const dialog = page.locator('dialog.dialog[open]');
    await dialog.waitFor();
    await dialog.locator('button[data-action="confirm"]').click();
    check(await dialog.locator('.field-error').isVisible(), 'a retry without a reason was not stopped');
    await dialog.locator('textarea[name="reason"]').fill(retryReason);
    await shot('dead-letters-confirm');
    await dialog.locator('button[data-action="confirm"]').click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('#banner .notice').waitFor();
    await page.waitForFunction((id) => ![...document.querySelectorAll('[data-pager="dead-letters"] tbody tr')]
      .some((tr) => Number(tr.cells[0].textContent) === id), retried);

    // Discard: destructive, so the button says what it does.
    const discardRow = page.locator('[data-pager="dead-letters"] tbody tr', { has: page.locator(`td:first-child:text-is("${discarded}")`) });
    await discardRow.locator('button[data-action="discard"]').click();
    await dialog.waitFor();
    check(await dialog.evaluate((d) => d.classList.contains('dialog-destructive')), 'the discard dialog is not marked destructive');
    const label = await dialog.locator('button[data-action="confirm"]').textContent();
    check(label.includes(`Discard letter ${discarded}`), `the discard button says "${label}"`);
    await dialog.locator('textarea[name="reason"]').fill(discardReason);
    await dialog.locator('button[data-action="confirm"]').click();
    await dialog.waitFor({ state: 'detached' });
    await page.waitForFunction((id) => ![...document.querySelectorAll('[data-pager="dead-letters"] tbody tr')]
      .some((tr) => Number(tr.cells[0].textContent) === id), discarded);
    const after = await ids();
    check(!after.includes(retried) && !after.includes(discarded), `the list still shows ${retried} or ${discarded}: ${after}`);
    const letters = await nodeApi('/admin/dead-letters?limit=200');
    const status = (id) => letters.json.items.find((l) => l.id === id)?.status;
    check(status(retried) === 'retried', `letter ${retried} is ${status(retried)}, not retried`);
    check(status(discarded) === 'discarded', `letter ${discarded} is ${status(discarded)}, not discarded`);
    await noProblemShown('dead-letters');
    await shot('dead-letters');
  });

  await step('a bulk action shows its dry run (count and sample) before acting, and cancelling does nothing', async () => {
    const pending = await nodeApi('/admin/dead-letters/count?status=pending');
    check(pending.status === 200, `/admin/dead-letters/count answered ${pending.status}`);
    await page.click('button[data-action="bulk-retry"]');
    if (pending.json.count === 0) {
      await page.locator('#banner .notice').waitFor();
      return;
    }
    const dialog = page.locator('dialog.dialog[open]');
    await dialog.waitFor();
    const text = await dialog.textContent();
    check(text.includes(`${pending.json.count} letter`), `the dry run does not say how many (${pending.json.count}): ${text.slice(0, 300)}`);
    check(await dialog.locator('.dialog-details tbody tr').count() >= 1, 'the dry run shows no sample');
    await shot('dead-letters-bulk');
    await dialog.locator('button[data-action="cancel"]').click();
    await dialog.waitFor({ state: 'detached' });
    const still = await nodeApi('/admin/dead-letters/count?status=pending');
    check(still.json.count === pending.json.count, 'cancelling the bulk retry changed the letters');
  });

  await step('a bulk discard acts on exactly its dry run: a set changed meanwhile is refused (filter_changed)', async () => {
    const pending = (await nodeApi('/admin/dead-letters?status=pending&limit=200')).json.items;
    check(pending.length >= 2, `only ${pending.length} pending letters left for the bulk discard`);
    const dialog = page.locator('dialog.dialog[open]');
    await page.click('button[data-action="bulk-discard"]');
    await dialog.waitFor();
    check((await dialog.textContent()).includes(`${pending.length} letters`), 'the dry run does not count the pending letters');
    // Someone else discards one of them before the operator confirms.
    const gone = await nodeApi(`/admin/dead-letters/${pending[0].id}`, { method: 'DELETE', headers: { 'X-Audit-Reason': 'browser%20test%3A%20a%20colleague' } });
    check(gone.status === 200, `discarding a letter from the test answered ${gone.status}`);
    await dialog.locator('textarea[name="reason"]').fill('browser test: bulk discard');
    expectedRefusal = /status of 409/;  // the browser logs the refusal the test provokes
    await dialog.locator('button[data-action="confirm"]').click();
    const problem = dialog.locator('.problem');
    await problem.waitFor();
    expectedRefusal = null;
    check((await problem.textContent()).includes('filter_changed'), `the refusal does not say filter_changed: ${await problem.textContent()}`);
    check(await dialog.locator('button[data-action="confirm"]').isDisabled(), 'the same bulk action can be confirmed again after filter_changed');
    await shot('dead-letters-filter-changed');
    const still = await nodeApi('/admin/dead-letters/count?status=pending');
    check(still.json.count === pending.length - 1, `a refused bulk discard changed letters: ${still.json.count} pending`);
    await dialog.locator('button[data-action="cancel"]').click();
    await dialog.waitFor({ state: 'detached' });

    // Again, on the set as it is now: done, and the list is empty.
    await page.click('button[data-action="bulk-discard"]');
    await dialog.waitFor();
    await dialog.locator('textarea[name="reason"]').fill('browser test: bulk discard, second look');
    await dialog.locator('button[data-action="confirm"]').click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('#banner .notice').waitFor();
    await page.locator('[data-pager="dead-letters"] .empty').waitFor();
    const after = await nodeApi('/admin/dead-letters/count?status=pending');
    check(after.json.count === 0, `${after.json.count} letters still pending after the bulk discard`);
  });

  await step('the audit log records both actions with their reasons', async () => {
    const audit = await nodeApi('/admin/audit?limit=50');
    check(audit.status === 200, `/admin/audit answered ${audit.status}`);
    const items = audit.json.items || [];
    const retry = items.find((a) => a.method === 'POST' && a.path === `/admin/dead-letters/${retried}/retry`);
    const discard = items.find((a) => a.method === 'DELETE' && a.path === `/admin/dead-letters/${discarded}`);
    check(retry && retry.reason === retryReason, `no audit entry for the retry with its reason: ${JSON.stringify(retry)}`);
    check(discard && discard.reason === discardReason, `no audit entry for the discard with its reason: ${JSON.stringify(discard)}`);
    check(retry.idempotency_key && discard.idempotency_key && retry.idempotency_key !== discard.idempotency_key,
      'the actions did not carry their own Idempotency-Key');
    await openView('audit');
    const reasons = await page.locator('[data-pager="audit"] .audit-reason').allTextContents();
    check(reasons.includes(retryReason) && reasons.includes(discardReason), 'the audit view does not show both reasons');
    await noProblemShown('audit');
    await shot('audit');
  });

  await step(`a live event appears within ${liveBoundMs} ms of a write; paused, none appears`, async () => {
    await openView('live');
    await page.locator('.live-state.live-open').waitFor();
    const sku = `live-${Date.now()}`;
    const sent = Date.now();
    const write = nodeApi(`/v1/products/${sku}`, { method: 'PUT', body: { name: 'Live lamp', price: { amount: 1500, currency: 'EUR' } } });
    await page.locator(`tr.live-row[data-stream="${sku}"]`).first().waitFor({ timeout: 5000 });
    const took = Date.now() - sent;
    const written = await write;
    check(written.status === 201, `the write answered ${written.status}`);
    check(took <= liveBoundMs, `the live event showed ${took} ms after the write (bound ${liveBoundMs} ms)`);
    console.log(`     live event shown ${took} ms after the write was sent`);

    await page.click('button[data-action="pause"]');
    await page.locator('.live-state.live-paused').waitFor();
    const quiet = `quiet-${Date.now()}`;
    await nodeApi(`/v1/products/${quiet}`, { method: 'PUT', body: { name: 'Quiet lamp', price: { amount: 1500, currency: 'EUR' } } });
    await page.waitForTimeout(700);
    check(await page.locator(`tr.live-row[data-stream="${quiet}"]`).count() === 0, 'an event showed while paused');
    await page.click('button[data-action="pause"]');  // resume
    await page.locator('.live-state.live-open').waitFor();
    const again = `again-${Date.now()}`;
    await nodeApi(`/v1/products/${again}`, { method: 'PUT', body: { name: 'Lamp again', price: { amount: 1500, currency: 'EUR' } } });
    await page.locator(`tr.live-row[data-stream="${again}"]`).first().waitFor({ timeout: 3000 });
    await noProblemShown('live');
    await shot('live');
  });

  await step('a campaign activated from the console; a pricing job and a profile looked up', async () => {
    const tag = Date.now();
    const campaign = await nodeApi('/v1/campaigns', { method: 'POST', body: {
      name: `Low stock ${tag}`, skus: ['console-mug'], trigger: { inventory_below: 5 }, rule: { type: 'percent', percent: 10 } } });
    check(campaign.status === 201, `creating a campaign answered ${campaign.status}: ${campaign.text.slice(0, 200)}`);
    const job = await nodeApi('/v1/pricing-jobs', { method: 'POST', body: {
      name: `Spring ${tag}`, skus: ['console-mug'], rule: { type: 'percent', percent: -10 }, dry_run: true } });
    check(job.status === 202, `creating a pricing job answered ${job.status}: ${job.text.slice(0, 200)}`);
    const email = `ada-${tag}@example.com`;
    const ingested = await nodeApi('/v1/events', { method: 'POST', body: { source: 'api', type: 'page_view', payload: { email } } });
    check(ingested.status === 201, `ingesting a customer event answered ${ingested.status}: ${ingested.text.slice(0, 200)}`);
    // The lists are read models: they may lag the write a moment.
    for (let i = 0; i < 50; i += 1) {
      const listed = await nodeApi('/v1/campaigns?limit=100');
      if ((listed.json?.items || []).some((c) => c.id === campaign.json.id)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    await openView('campaigns');
    const row = page.locator('[data-pager="campaigns"] tbody tr', { hasText: campaign.json.id });
    await row.locator('button[data-action="activate"]').click();
    const dialog = page.locator('dialog.dialog[open]');
    await dialog.locator('textarea[name="reason"]').fill('browser test: activating a campaign');
    await dialog.locator('button[data-action="confirm"]').click();
    await dialog.waitFor({ state: 'detached' });
    await row.locator('.badge', { hasText: 'active' }).waitFor();
    const now = await nodeApi(`/v1/campaigns/${campaign.json.id}`);
    check(now.json.status === 'active', `the campaign is ${now.json.status} after activating it from the console`);
    await row.locator('button[data-action="audit"]').click();
    await page.locator('[data-pager="campaign-audit"]').waitFor();
    await page.waitForFunction(() => !document.querySelector('#view .loading'));
    await noProblemShown('campaigns');
    await shot('campaigns');

    await page.goto(`${base}/console/#/pricing-jobs/${encodeURIComponent(job.json.id)}`);
    await view('pricing-jobs').waitFor();
    await page.locator('#view .card-title', { hasText: 'Results' }).waitFor();
    await page.waitForFunction(() => !document.querySelector('#view .loading'));
    const facts = await page.locator('#view .facts').first().textContent();
    check(facts.includes(job.json.id), 'the pricing job shown is not the one asked for');
    await noProblemShown('pricing-jobs');
    await shot('pricing-jobs');

    await openView('profiles');
    await page.selectOption('form[data-form="profile-find"] select[name="type"]', 'email');
    await page.fill('form[data-form="profile-find"] input[name="value"]', email);
    await page.click('form[data-form="profile-find"] button[type="submit"]');
    await page.locator('#view .card-title', { hasText: 'Customer 360' }).waitFor();
    await page.waitForFunction(() => !document.querySelector('#view .loading'));
    const identifiers = await page.locator('#view').textContent();
    check(identifiers.includes(email), 'the profile found does not show the email it was found by');
    await noProblemShown('profiles');
    await shot('profiles');
  });

  await step('every other view renders without a problem (screenshots)', async () => {
    for (const name of ['actors', 'cluster', 'alerts', 'merge-reviews']) {
      await openView(name);
      if (name === 'actors') await page.locator('.tree-root').waitFor();
      if (name === 'cluster') await page.locator('.shard-map').waitFor();
      await noProblemShown(name);
      await shot(name);
    }
  });

  await step('the DOM never held inline script, inline handlers or style attributes', async () => {
    const found = await inlineCodeInDom();
    check(found.length === 0, `inline code in the DOM: ${found.slice(0, 5).join(', ')}`);
  });

  await step('signing out forgets the token', async () => {
    await page.click('#sign-out');
    await view('sign-in').waitFor();
    const kept = await page.evaluate(() => Object.keys(sessionStorage).length);
    check(kept === 0, 'the token is still in sessionStorage after signing out');
  });

  await step('no console error, uncaught exception, failed request or CSP violation during the run', async () => {
    check(problems.length === 0, `the page reported:\n  ${problems.join('\n  ')}`);
  });
} catch (error) {
  failed = error;
  try {
    await shot('failure');
  } catch {
    // the page may be gone
  }
  if (problems.length) console.log(`page problems so far:\n  ${problems.join('\n  ')}`);
} finally {
  await context.close().catch(() => {});
  await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
}

console.log(`${steps.length} step(s) passed in ${((Date.now() - started) / 1000).toFixed(1)} s${failed ? ', then one failed' : ''}; screenshots in ${shots}`);
process.exit(failed ? 1 : 0);
