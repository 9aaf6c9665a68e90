import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUsageCommand } from '../../src/keys/usage-cli.js';
import { periodOf } from '../../src/keys/quota.js';
import { eventually } from '../helpers/eventually.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';
import { graphql, startStack, token, type Stack } from '../helpers/stack.js';

describe.runIf(process.env.REDIS_URL)('two gateway processes sharing quotas and usage in Redis', () => {
  let stack: Stack;
  let dir: string;
  const gateways: GatewayProcess[] = [];
  const prefix = `test-${randomUUID()}`;

  beforeAll(async () => {
    stack = await startStack();
    dir = mkdtempSync(join(tmpdir(), 'portico-quota-'));
    const config = join(dir, 'portico.config.mjs');
    // The demo's config (its policies), with a quota of 25 requests a day on the default plan and a
    // budget that never gets in the way.
    const demo = pathToFileURL(resolve('portico.config.ts')).href;
    writeFileSync(
      config,
      `import demo from ${JSON.stringify(demo)};\nexport default { ...demo, cost: { budgets: { capacity: 10000, restoreRate: 1000, quota: { limit: 25, period: 'day' } } } };\n`,
    );
    const env = {
      REDIS_URL: process.env.REDIS_URL!,
      PORTICO_REDIS_PREFIX: prefix,
      PORTICO_CONFIG: config,
      PORTICO_SUBGRAPH_USERS_URL: stack.users.url,
      PORTICO_SUBGRAPH_TODOS_URL: stack.todos.url,
    };
    gateways.push(...(await Promise.all([spawnGateway(env), spawnGateway(env)])));
  }, 90_000);
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await stack?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('admit exactly the quota in total when one client sends 60 requests at once to both', async () => {
    const subject = `quota-${randomUUID()}`;
    const bearer = await token(subject);
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => graphql(gateways[i % 2].url, '{ me { name } }', { token: bearer })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(25);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(35);
    const resetsAt = new Date(periodOf('day', Date.now()).end).toISOString();
    for (const answer of refused) {
      expect(answer.body.errors?.[0].extensions).toMatchObject({ code: 'QUOTA_EXCEEDED', quota: { limit: 25, used: 25, remaining: 0, resetsAt } });
    }

    // Both replicas wrote the usage of the day; either reads it all, and so does the CLI, from Redis.
    const admin = await token('quota-admin', { scope: 'admin' });
    const today = new Date().toISOString().slice(0, 10);
    const read = async () => {
      const url = `${gateways[0].url.replace(/\/graphql$/, '')}/admin/usage?client=sub:${subject}&from=${today}&to=${today}`;
      return (await (await fetch(url, { headers: { authorization: `Bearer ${admin}` } })).json()) as { days: Array<Record<string, unknown>> };
    };
    expect(await eventually(async () => (await read()).days[0].requests === 60)).toBe(true);
    expect((await read()).days[0]).toEqual({ date: today, requests: 60, points: 25, throttled: 35, refused: 0 });

    const out: string[] = [];
    const io = { env: { REDIS_URL: process.env.REDIS_URL, PORTICO_REDIS_PREFIX: prefix }, out: (t: string) => void out.push(t), err: (t: string) => void out.push(t) };
    expect(await runUsageCommand(['--client', `sub:${subject}`, '--from', today, '--to', today, '--json'], io)).toBe(0);
    expect(JSON.parse(out.join('')).days).toEqual([{ date: today, requests: 60, points: 25, throttled: 35, refused: 0 }]);
  });
});
