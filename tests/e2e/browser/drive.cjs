// Drive Debian's Chromium through a Backstage app's Kubernetes tab as a person would, for
// tests/e2e/test_browser.py (spectro-wizard's opt-in browser tests).
//
//   node drive.cjs '<json>'        prints one JSON line: what the browser saw
//
// The JSON: {playwright: <dir of playwright-core>, chromium: "/usr/bin/chromium", userDataDir, baseUrl,
//   entity: "e2e-service", user: "alice", screenshots: <dir>, prefix: "legacy-alice",
//   login: "SpectroCloud" (the provider to log in with from the "Login Required" dialog, or null),
//   outcomes: {"<name>": "<text>"} (the first of these texts to appear on the tab ends the run),
//   expand: {"<name>": {"click": "<text>", "show": "<text>"}} (after that outcome: open the accordion
//   holding `click`, e.g. the cluster's, and wait for `show`, e.g. the workload's name),
//   timeoutMs: 120000}
// The report: {steps, screenshots, console (errors), dialog (the "Login Required" dialog's text), outcome,
//   shown, url, text (the page's), requests: [{method, url, body}] to /api/kubernetes/, /api/auth/ and
//   the provider's /interaction/ pages, from every page of the browser (the popup's too)}.
// Steps: the sign-in page's Guest "Enter" -> the catalog -> the entity -> its "Kubernetes" tab -> the
// "Login Required" dialog -> "Log in" on the provider's row -> the popup (the test provider's login and
// consent forms, as `user`) closes -> the tab shows one of the outcomes. A screenshot at each moment.
// Every wait is for a state of the page (no fixed sleeps). On an error the JSON has "error" and the
// last screenshot, and the exit code is 1.
'use strict';

const fs = require('fs');
const path = require('path');

const cfg = JSON.parse(process.argv[2]);
const { chromium } = require(cfg.playwright);
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const timeout = cfg.timeoutMs || 120000;

const seen = { steps: [], screenshots: [], console: [], requests: [] };
let context;
let page;

function step(name, extra) {
  seen.steps.push(extra === undefined ? name : `${name}: ${extra}`);
}

async function shot(target, name) {
  const file = path.join(cfg.screenshots, `${cfg.prefix}-${String(seen.screenshots.length + 1).padStart(2, '0')}-${name}.png`);
  try {
    await target.screenshot({ path: file, fullPage: true, timeout: 15000 });
    seen.screenshots.push(file);
  } catch (err) {
    step('screenshot failed', `${name}: ${err.message.split('\n')[0]}`);
  }
}

async function signInAsGuest() {
  await page.goto(cfg.baseUrl + '/', { waitUntil: 'domcontentloaded' });
  const enter = page.getByRole('button', { name: /^enter$/i });
  const catalogLink = page.getByRole('link', { name: cfg.entity });
  // Either the sign-in page (a Guest card with "Enter") or, when a session exists, the catalog.
  await enter.or(catalogLink).first().waitFor({ timeout });
  if (await enter.isVisible()) {
    await shot(page, 'sign-in');
    await enter.click();
    step('guest sign-in');
  }
}

async function openKubernetesTab() {
  const link = page.getByRole('link', { name: cfg.entity, exact: true });
  await link.first().waitFor({ timeout });
  await shot(page, 'catalog');
  await link.first().click();
  step('entity page', cfg.entity);
  const tab = page.getByRole('tab', { name: 'Kubernetes' }).or(page.getByRole('link', { name: 'Kubernetes', exact: true }));
  await tab.first().waitFor({ timeout });
  await tab.first().click();
  step('kubernetes tab', page.url());
}

async function fillProviderForms(popup) {
  // The test provider's development pages: a login form (any login, any password), then consent.
  const closed = popup.waitForEvent('close', { timeout }).then(() => 'closed');
  for (let i = 0; i < 6; i += 1) {
    const form = popup.locator('form:has(input[name="prompt"])');
    const which = await Promise.race([closed, form.first().waitFor({ timeout }).then(() => 'form')]);
    if (which === 'closed') return;
    const prompt = await form.first().locator('input[name="prompt"]').getAttribute('value');
    if (prompt === 'login') {
      await popup.locator('input[name="login"]').fill(cfg.user);
      await popup.locator('input[name="password"]').fill('any-password');
      await shot(popup, 'provider-login');
      step('provider login form', cfg.user);
    } else {
      await shot(popup, `provider-${prompt}`);
      step('provider form', prompt);
    }
    const url = popup.url();
    await Promise.all([
      popup.waitForURL(u => u.toString() !== url, { timeout }).catch(() => undefined),
      form.first().locator('button[type="submit"]').click(),
    ]);
  }
  await closed;
}

async function logIn() {
  const dialog = page.getByRole('dialog').filter({ hasText: 'Login Required' });
  await dialog.waitFor({ timeout });
  seen.dialog = (await dialog.innerText()).trim();
  step('login required dialog');
  await shot(page, 'login-required');
  if (!cfg.login) return;
  const row = dialog.getByRole('listitem').filter({ hasText: cfg.login });
  const button = row.getByRole('button', { name: /log in/i });
  const [popup] = await Promise.all([context.waitForEvent('page', { timeout }), button.click()]);
  await popup.waitForLoadState('domcontentloaded', { timeout }).catch(() => undefined);
  step('popup', popup.url());
  await fillProviderForms(popup);
  step('popup closed');
}

async function waitForOutcome() {
  const names = Object.keys(cfg.outcomes);
  const found = await Promise.race(names.map(name =>
    page.getByText(cfg.outcomes[name]).first().waitFor({ timeout }).then(() => name)));
  seen.outcome = found;
  step('outcome', found);
  await shot(page, `outcome-${found}`);
  const expand = (cfg.expand || {})[found];
  if (expand) {
    // {"<outcome>": {"click": "<text of the accordion to open>", "show": "<text that must then show>"}}
    await page.getByRole('button').filter({ hasText: expand.click }).first().click();
    const shown = page.getByText(expand.show).first();
    await shown.waitFor({ timeout });
    // the accordion opens with a transition: wait until none runs on an element holding the text
    const handle = await shown.elementHandle();
    await page.waitForFunction(el => document.getAnimations().every(a =>
      a.playState !== 'running' || !(a.effect && a.effect.target && a.effect.target.contains(el))), handle, { timeout });
    await shown.scrollIntoViewIfNeeded();
    seen.shown = expand.show;
    step('expanded', `${expand.click} -> ${expand.show}`);
    await shot(page, `${found}-expanded`);
  }
}

async function main() {
  fs.mkdirSync(cfg.screenshots, { recursive: true });
  context = await chromium.launchPersistentContext(cfg.userDataDir, {
    executablePath: cfg.chromium, headless: true, args: FLAGS, viewport: { width: 1400, height: 1000 },
  });
  page = context.pages()[0] || (await context.newPage());
  page.on('console', m => { if (m.type() === 'error') seen.console.push(m.text().slice(0, 500)); });
  context.on('request', r => {
    // what the tab asks the backend, and every step of the sign-in (the popup's navigations included)
    if (r.url().includes('/api/kubernetes/') || r.url().includes('/api/auth/') || r.url().includes('/interaction/')) {
      seen.requests.push({ method: r.method(), url: r.url(), body: r.postData() ? r.postData().slice(0, 20000) : null });
    }
  });
  try {
    await signInAsGuest();
    await openKubernetesTab();
    if (cfg.login !== undefined) await logIn();
    await waitForOutcome();
  } finally {
    seen.url = page.url();
    seen.text = (await page.locator('body').innerText({ timeout: 5000 }).catch(() => '')).slice(0, 20000);
  }
}

main().then(
  async () => {
    await context.close();
    process.stdout.write(JSON.stringify(seen) + '\n');
  },
  async err => {
    seen.error = err.message.split('\n').slice(0, 6).join('\n');
    if (page) await shot(page, 'error');
    if (context) await context.close().catch(() => undefined);
    process.stdout.write(JSON.stringify(seen) + '\n');
    process.exit(1);
  },
);
