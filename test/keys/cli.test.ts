// `portico keys …` as an operator runs it, against the file store a running gateway reads.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../src/keys/api-key.js';
import { runKeysCli } from '../../src/keys/cli.js';
import { createApiKeys } from '../../src/keys/manager.js';
import { createFileKeyStore } from '../../src/keys/store-file.js';
import { eventually } from '../helpers/eventually.js';
import { startGateway, token } from '../helpers/stack.js';

const run = promisify(execFile);
const folder = mkdtempSync(join(tmpdir(), 'portico-keys-cli-'));
const file = join(folder, 'keys', 'api-keys.json');
const configFile = join(folder, 'portico.config.yaml');
writeFileSync(
  configFile,
  `cost:\n  budgets:\n    plans:\n      free: { capacity: 100, restoreRate: 5 }\n      pro: { capacity: 5000, restoreRate: 200 }\napiKeys:\n  file: ${JSON.stringify(file)}\n`,
);
// The file store: no Redis here even when the suite runs with REDIS_URL.
const { REDIS_URL: _redis, ...baseEnv } = process.env;
const env = { ...baseEnv, LOG_LEVEL: 'silent' };

async function keys(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'keys', ...args, '--config', configFile], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const created = (stdout: string) => ({ id: /Created API key (key_[0-9a-f]{16})/.exec(stdout)![1], key: /^(pk_[\w-]{43})$/m.exec(stdout)![1] });

describe('portico keys (file store)', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let admin: string;
  const listed = async () => {
    const response = await fetch(gateway.url.replace('/graphql', '/admin/keys'), { headers: { authorization: `Bearer ${admin}` } });
    return ((await response.json()) as { keys: Array<{ id: string; state: string }> }).keys;
  };
  // Another process's view of the same file, as a gateway verifying requests has.
  const reader = createApiKeys(createFileKeyStore(file), { plans: ['free', 'pro'] });

  beforeAll(async () => {
    gateway = await startGateway(
      { users: 'http://127.0.0.1:1/graphql', todos: 'http://127.0.0.1:1/graphql' },
      { redisUrl: undefined, apiKeys: { file }, cost: { budgets: { plans: { free: { capacity: 100, restoreRate: 5 }, pro: { capacity: 5000, restoreRate: 200 } } } } },
    );
    admin = await token('ops', { scope: 'admin' });
  });
  afterAll(() => gateway?.server.stop());

  it('create prints the key once with its id; the file keeps only its hash, readable by its owner only', async () => {
    const result = await keys('create', '--plan', 'pro', '--name', 'mobile app', '--expires', '90d');
    expect(result.code).toBe(0);
    const { id, key } = created(result.stdout);
    expect(result.stdout).toContain('plan pro, name "mobile app", expires ');
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(key);
    expect(JSON.parse(text).keys).toEqual([expect.objectContaining({ id, plan: 'pro', name: 'mobile app', hash: hashKey(key), state: 'active' })]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(folder, 'keys'))).toEqual(['api-keys.json']);
  });

  it('a running gateway sees a key the CLI created, and its revocation, within a second', async () => {
    const { id, key } = created((await keys('create', '--plan', 'free')).stdout);
    expect(await eventually(async () => (await listed()).some((k) => k.id === id && k.state === 'active'), 1000)).toBe(true);
    expect(await eventually(async () => (await reader.verify(key)).ok, 1000)).toBe(true);
    const revoked = await keys('revoke', id);
    expect(revoked).toMatchObject({ code: 0, stdout: expect.stringContaining(`Revoked API key ${id}`) });
    expect(await eventually(async () => (await listed()).some((k) => k.id === id && k.state === 'revoked'), 1000)).toBe(true);
    expect(await eventually(async () => (await reader.verify(key)).ok === false, 1000)).toBe(true);
    expect(await reader.verify(key)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('a key created through the admin API is kept in the file, so the CLI lists it', async () => {
    const response = await fetch(gateway.url.replace('/graphql', '/admin/keys'), {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ plan: 'free', name: 'from http' }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    expect((await keys('list')).stdout).toMatch(new RegExp(`${id}\\s+free\\s+active .* from http`));
  });

  it('list shows ids, plans and states, never a key or a hash', async () => {
    const { key } = created((await keys('create', '--plan', 'pro')).stdout);
    const { code, stdout } = await keys('list');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ID\s+PLAN\s+STATE\s+CREATED\s+EXPIRES\s+NAME$/m);
    expect(stdout).toMatch(/key_[0-9a-f]{16}\s+pro\s+active/);
    expect(stdout).toMatch(/revoked/);
    expect(stdout).not.toContain(key);
    expect(stdout).not.toContain(hashKey(key));
    expect(stdout).not.toMatch(/pk_|[0-9a-f]{64}/);
    const json = JSON.parse((await keys('list', '--json')).stdout) as { keys: object[] };
    expect(JSON.stringify(json)).not.toMatch(/pk_|[0-9a-f]{64}/);
  });

  it('rotate prints a new key; the old one keeps working for the grace period', async () => {
    const { id, key: old } = created((await keys('create', '--plan', 'pro')).stdout);
    const rotated = await keys('rotate', id, '--grace', '1h');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/The previous key works until \d{4}-\d\d-\d\dT/);
    const fresh = /^(pk_[\w-]{43})$/m.exec(rotated.stdout)![1];
    expect(fresh).not.toBe(old);
    expect(await eventually(async () => (await reader.verify(fresh)).ok, 1000)).toBe(true);
    expect(await reader.verify(old)).toMatchObject({ ok: true, record: { id } });
  });

  it('says what is wrong, with exit code 2 for usage and 1 for a refused operation', async () => {
    // Through the executable once, for the exit code; the other cases in this process (same code, faster).
    expect(await keys('create')).toMatchObject({ code: 2, stderr: expect.stringContaining('--plan is required') });
    const inProcess = async (...args: string[]) => {
      const out = { stdout: '', stderr: '' };
      const code = await runKeysCli([...args, '--config', configFile], { stdout: (t) => void (out.stdout += t), stderr: (t) => void (out.stderr += t) });
      return { code, ...out };
    };
    const cases: Array<[string[], { code: number; stderr?: unknown; stdout?: unknown }]> = [
      [['create', '--plan', 'pro', '--expires', 'soon'], { code: 2, stderr: expect.stringContaining('--expires takes a duration') }],
      [['create', '--plan', 'pro', '--colour', 'red'], { code: 2, stderr: expect.stringContaining("Unknown option '--colour'") }],
      [['create', '--plan', 'gold'], { code: 1, stderr: expect.stringContaining('Unknown plan "gold": one of default, free, pro') }],
      [['revoke', 'key_0000000000000000'], { code: 1, stderr: expect.stringContaining('No API key with id "key_0000000000000000"') }],
      [['rotate', 'a', 'b'], { code: 2, stderr: expect.stringContaining('expected one key id') }],
      [['destroy'], { code: 2, stderr: expect.stringContaining('unknown command "destroy"') }],
      [['--help'], { code: 0, stdout: expect.stringContaining('portico keys rotate <id> [--grace 24h]') }],
    ];
    for (const [args, expected] of cases) expect(await inProcess(...args)).toMatchObject(expected);
  });
});
