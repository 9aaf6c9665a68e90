// The docs page in a real browser: Debian's chromium, driven by playwright-core (scripts/install-browser.sh
// installs it; CI runs that). Nothing but the gateway is reachable from the page.
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_CSP } from '../../src/rest/docs.js';
import { startStack, token, type Stack } from '../helpers/stack.js';

const CHROMIUM = process.env.PORTICO_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let stack: Stack;
let origin: string;
let browser: Browser;
let page: Page;
/** Requests the page tried to send anywhere but the gateway (refused), and CSP reports on the console. */
const elsewhere: string[] = [];
const violations: string[] = [];

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startStack({ rest: { enabled: true } }),
    chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS }),
  ]);
  origin = new URL(stack.url).origin;
  page = await browser.newPage();
  await page.route('**/*', (route) => {
    if (route.request().url().startsWith(`${origin}/`)) return route.continue();
    elsewhere.push(route.request().url());
    return route.abort();
  });
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('GET /api/docs in headless Chromium', () => {
  it('is served with a strict CSP and shows every route, from the package alone', async () => {
    const response = await page.goto(`${origin}/api/docs`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toBe(DOCS_CSP);
    await page.locator('.opblock').first().waitFor();
    const routes = await page.locator('.opblock-summary').evaluateAll((blocks) =>
      blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
    );
    expect(routes.sort()).toEqual(
      ['DELETE /api/todos/{id}', 'GET /api/me', 'GET /api/todos', 'GET /api/todos/{id}', 'PATCH /api/todos/{id}', 'POST /api/todos'],
    );
    expect(elsewhere).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('tries GET /api/todos with a token typed into Authorize, and shows the 200 answer', async () => {
    const alice = await token('alice', { name: 'Alice' });
    const created = await fetch(`${origin}/api/todos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Seen in the docs' }),
    });
    expect(created.status).toBe(201);

    await page.locator('button.authorize').first().click();
    const bearer = page.locator('.auth-container').filter({ hasText: 'bearerAuth' });
    await bearer.locator('input').fill(alice);
    await bearer.locator('button.authorize').click();
    await page.locator('.modal-ux button.close-modal').click();

    const list = page.locator('#operations-todos-ListTodos');
    await list.locator('.opblock-summary').click();
    const answered = page.waitForResponse((r) => r.url().startsWith(`${origin}/api/todos`) && r.request().method() === 'GET');
    await list.locator('button.execute').click();
    const response = await answered;
    expect(response.status()).toBe(200);
    expect(response.request().headers().authorization).toBe(`Bearer ${alice}`);
    await expect.poll(() => list.locator('.live-responses-table tbody .response-col_status').first().textContent()).toContain('200');
    expect(await list.locator('.live-responses-table tbody .response-col_description').first().textContent()).toContain('Seen in the docs');
    expect(elsewhere).toEqual([]);
    expect(violations).toEqual([]);
  });
});
