import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUsageCommand } from '../../src/keys/usage-cli.js';
import { eventually } from '../helpers/eventually.js';
import { graphql, startStack, token, type Stack } from '../helpers/stack.js';

let stack: Stack;
// Tuesday 1 December 2026, noon UTC; the tests move it. Memory stores: the clock is the test's own.
let now = Date.UTC(2026, 11, 1, 12);
beforeAll(async () => {
  stack = await startStack(
    {
      redisUrl: undefined,
      cost: {
        budgets: {
          capacity: 30,
          restoreRate: 10,
          plans: {
            free: { capacity: 30, restoreRate: 10, quota: { limit: 3, period: 'day' } },
            metered: { capacity: 100, restoreRate: 10, quota: { limit: 25, unit: 'points', period: 'week' } },
          },
          clients: { 'sub:q-free': 'free', 'sub:q-metered': 'metered', 'sub:q-cached': 'free' },
        },
      },
    },
    { now: () => now },
  );
});
afterAll(() => stack?.stop());

const ME = '{ me { name } }';
// Ten aliases of `me` (an object: 1 each): estimate and actual cost 10.
const TEN = `{ ${Array.from({ length: 10 }, (_, i) => `m${i}: me { name }`).join(' ')} }`;
const base = () => stack.url.replace(/\/graphql$/, '');
const usage = async (search: string, bearer?: string) => {
  const response = await fetch(`${base()}/admin/usage?${search}`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  return { status: response.status, body: (await response.json()) as any };
};

describe('plan quotas through the gateway', () => {
  it('refuse a request over the daily quota with 429 QUOTA_EXCEEDED, Retry-After until midnight UTC and extensions.quota, spending no budget', async () => {
    const free = await token('q-free');
    for (let i = 0; i < 3; i++) expect((await graphql(stack.url, ME, { token: free })).status).toBe(200);
    const before = stack.users.db.stats.queries;
    const refused = await graphql(stack.url, ME, { token: free });
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0].extensions).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      quota: { limit: 3, used: 3, remaining: 0, resetsAt: '2026-12-02T00:00:00.000Z' },
    });
    expect(refused.headers.get('retry-after')).toBe(String(12 * 3600));
    expect(stack.users.db.stats.queries).toBe(before);
    // The budget took 1 point for each of the three; the refused request's point came back.
    expect(refused.body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(27);
    now = Date.UTC(2026, 11, 2, 0, 0, 0); // midnight UTC: a new day, a new quota
    expect((await graphql(stack.url, ME, { token: free })).status).toBe(200);
  });

  it('count a points quota at the estimate, settled to the actual cost after the answer', async () => {
    const metered = await token('q-metered');
    // Estimated 1 + 10 × 1 = 11; the caller has no to-do, so the actual cost is 1.
    const LIST = '{ todos(first: 10) { nodes { id } } }';
    for (let i = 0; i < 3; i++) {
      const { status, body } = await graphql(stack.url, LIST, { token: metered });
      expect(status).toBe(200);
      expect(body.extensions?.cost).toMatchObject({ requestedQueryCost: 11, actualQueryCost: 1 });
    }
    // Without settlement three estimates (33) would be over the limit already; settled, 3 are used.
    const refused = await graphql(stack.url, '{ todos(first: 23) { nodes { id } } }', { token: metered });
    expect(refused.status).toBe(429);
    const endOfWeek = Date.UTC(2026, 11, 7); // Monday 7 December
    expect(refused.body.errors?.[0].extensions?.quota).toEqual({ limit: 25, used: 3, remaining: 22, resetsAt: new Date(endOfWeek).toISOString() });
    expect(refused.headers.get('retry-after')).toBe(String((endOfWeek - now) / 1000));
    expect((await graphql(stack.url, '{ todos(first: 21) { nodes { id } } }', { token: metered })).status).toBe(200);
  });

  it('count answers from the response cache too, which carry the headers as well', async () => {
    const bearer = await token('q-cached');
    const LIST = '{ todos(first: 5) { nodes { id } } }';
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await graphql(stack.url, LIST, { token: bearer }));
    expect(answers.map((a) => a.headers.get('x-cache'))).toEqual(['MISS', 'HIT', 'HIT', null]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(answers[3].body.errors?.[0].extensions?.code).toBe('QUOTA_EXCEEDED');
    // Estimated 6, actual 1 each: 30 - 3.
    expect(answers[2].headers.get('ratelimit-remaining')).toBe('27');
  });

  it('send RateLimit-Limit, -Remaining and -Reset from the budget, on a 429 THROTTLED too; a public answer sends none', async () => {
    const bearer = await token('q-headers');
    const first = await graphql(stack.url, ME, { token: bearer });
    expect([first.headers.get('ratelimit-limit'), first.headers.get('ratelimit-remaining'), first.headers.get('ratelimit-reset')]).toEqual(['30', '29', '1']);
    await graphql(stack.url, TEN, { token: bearer });
    await graphql(stack.url, TEN, { token: bearer });
    const throttled = await graphql(stack.url, TEN, { token: bearer });
    expect(throttled.status).toBe(429);
    expect(throttled.body.errors?.[0].extensions?.code).toBe('THROTTLED');
    // 9 left of 30, 10 a second: full again in 2.1 s.
    expect([throttled.headers.get('ratelimit-limit'), throttled.headers.get('ratelimit-remaining'), throttled.headers.get('ratelimit-reset')]).toEqual(['30', '9', '3']);

    // A CDN may keep an anonymous public answer for everyone: it says nothing of this address's budget.
    const anonymous = await graphql(stack.url, '{ user(id: "q-headers") { name } }');
    expect(anonymous.headers.get('cache-control')).toMatch(/public/);
    expect(anonymous.headers.get('ratelimit-limit')).toBeNull();
    expect(anonymous.headers.get('ratelimit-remaining')).toBeNull();
  });
});

describe('usage per client and day', () => {
  it('counts requests, points, throttled and refused, and GET /admin/usage reports them to an admin', async () => {
    now = Date.UTC(2026, 11, 3, 9);
    const bearer = await token('q-usage');
    await graphql(stack.url, ME, { token: bearer }); // 1 point
    await graphql(stack.url, TEN, { token: bearer }); // 10
    await graphql(stack.url, TEN, { token: bearer }); // 10: 9 left
    expect((await graphql(stack.url, TEN, { token: bearer })).status).toBe(429);
    const tooDeep = '{ todos(first: 100) { nodes { owner { todos(first: 100) { nodes { id } } } } } }';
    expect((await graphql(stack.url, tooDeep, { token: bearer })).status).toBe(400);

    const admin = await token('q-admin', { scope: 'admin' });
    const expected = { date: '2026-12-03', requests: 5, points: 21, throttled: 1, refused: 1 };
    // The usage of a request is counted once its response has been sent.
    expect(await eventually(async () => (await usage('client=sub:q-usage&from=2026-12-02&to=2026-12-03', admin)).body.days?.[1]?.requests === 5)).toBe(true);
    const { status, body } = await usage('client=sub:q-usage&from=2026-12-02&to=2026-12-03', admin);
    expect(status).toBe(200);
    expect(body).toEqual({
      client: 'sub:q-usage',
      from: '2026-12-02',
      to: '2026-12-03',
      days: [{ date: '2026-12-02', requests: 0, points: 0, throttled: 0, refused: 0 }, expected],
      total: { requests: 5, points: 21, throttled: 1, refused: 1 },
    });
    // By API key id: the client `key:<id>`; the default range is the 30 days to today.
    const byKey = await usage('key=key_0123456789abcdef', admin);
    expect(byKey.body).toMatchObject({ key: 'key_0123456789abcdef', client: 'key:key_0123456789abcdef', from: '2026-11-04', to: '2026-12-03' });
    expect(byKey.body.days).toHaveLength(30);
  });

  it('refuses /admin/usage without a token (401), without the admin scope (403), and bad queries (400)', async () => {
    expect(await usage('client=sub:q-usage')).toMatchObject({ status: 401, body: { errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] } });
    expect((await usage('client=sub:q-usage', await token('q-usage'))).status).toBe(403);
    const admin = await token('q-admin', { scope: 'admin' });
    for (const search of ['', 'client=sub:q-usage&from=2026-13-01', 'client=sub:q-usage&from=2026-12-03&to=2026-12-01', 'key=k&client=sub:x', 'client=sub:q-usage&from=2020-01-01']) {
      const { status, body } = await usage(search, admin);
      expect(status, search).toBe(400);
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    }
    const post = await fetch(`${base()}/admin/usage?client=sub:q-usage`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(post.status).toBe(405);
  });

  it('exposes requests, points and quota refusals per plan in /metrics, never per client', async () => {
    const text = await (await fetch(stack.metricsUrl!)).text();
    expect(text).toMatch(/portico_plan_requests_total\{plan="free",outcome="throttled"\} 2\b/);
    expect(text).toMatch(/portico_plan_requests_total\{plan="free",outcome="ok"\} 7\b/);
    expect(text).toMatch(/portico_quota_exceeded_total\{plan="free"\} 2\b/);
    expect(text).toMatch(/portico_quota_exceeded_total\{plan="metered"\} 1\b/);
    expect(text).toMatch(/portico_plan_points_total\{plan="metered"\} 4\b/);
    expect(text).not.toMatch(/q-usage|q-free|sub:/);
  });

  it('`portico keys usage` asks the running gateway when there is no Redis', async () => {
    const admin = await token('q-admin', { scope: 'admin' });
    const out: string[] = [];
    const err: string[] = [];
    const io = { env: { PORTICO_ADMIN_TOKEN: admin }, out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) };
    const code = await runUsageCommand(['--client', 'sub:q-usage', '--from', '2026-12-03', '--to', '2026-12-03', '--url', base()], io);
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    const lines = out.join('').split('\n');
    expect(lines[0]).toBe('sub:q-usage, 2026-12-03 to 2026-12-03 (UTC)');
    expect(lines.slice(2, 5).map((l) => l.split(/\s+/))).toEqual([
      ['date', 'requests', 'points', 'throttled', 'refused'],
      ['2026-12-03', '5', '21', '1', '1'],
      ['total', '5', '21', '1', '1'],
    ]);

    const refused = await runUsageCommand(['key_1', '--url', base()], { ...io, env: { PORTICO_ADMIN_TOKEN: await token('q-usage') } });
    expect(refused).toBe(1);
    expect(err.join('')).toMatch(/403: Usage needs the "admin" scope/);
    expect(await runUsageCommand(['key_1', '--from', 'monday'], io)).toBe(2);
  });
});
