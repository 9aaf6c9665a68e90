import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, startStack, token, type Stack } from '../helpers/stack.js';

let stack: Stack;
let now = Date.UTC(2026, 11, 1, 12);
beforeAll(async () => {
  // The default plan has a quota of 2 requests a day; cost.mode measure refuses nothing.
  stack = await startStack({ redisUrl: undefined, cost: { mode: 'measure', budgets: { quota: { limit: 2, period: 'day' } } } }, { now: () => now });
});
afterAll(() => stack?.stop());

describe('quotas in cost.mode measure', () => {
  it('answer a request over quota and report what enforce would have done', async () => {
    const bearer = await token('qm-user');
    for (let i = 0; i < 2; i++) expect((await graphql(stack.url, '{ me { name } }', { token: bearer })).body.extensions).not.toHaveProperty('quota');
    const over = await graphql(stack.url, '{ me { name } }', { token: bearer });
    expect(over.status).toBe(200);
    expect(over.body.data?.me).toBeTruthy();
    expect(over.headers.get('retry-after')).toBeNull();
    expect(over.body.extensions?.quota).toMatchObject({
      limit: 2,
      used: 2,
      remaining: 0,
      resetsAt: '2026-12-02T00:00:00.000Z',
      mode: 'measure',
      wouldRefuse: { code: 'QUOTA_EXCEEDED' },
    });
    const text = await (await fetch(stack.metricsUrl!)).text();
    expect(text).toMatch(/portico_cost_would_refuse_total\{code="QUOTA_EXCEEDED"\} 1\b/);
    // Anonymous callers have the default plan's quota too, per address; but a public answer, which a
    // CDN may keep for everyone, does not tell this address's quota.
    for (let i = 0; i < 2; i++) await graphql(stack.url, '{ user(id: "qm-user") { name } }');
    const anonymous = await graphql(stack.url, '{ user(id: "qm-user") { name } }');
    expect(anonymous.headers.get('cache-control')).toMatch(/public/);
    expect(anonymous.body.extensions).not.toHaveProperty('quota');
    expect(await (await fetch(stack.metricsUrl!)).text()).toMatch(/portico_cost_would_refuse_total\{code="QUOTA_EXCEEDED"\} 2\b/);
  });
});
