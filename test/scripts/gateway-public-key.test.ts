import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEV_SUBGRAPH_SECRET, gatewayPublicKey } from '../../src/identity/signed-identity.js';

const run = promisify(execFile);
const script = (env: Record<string, string>, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/gateway-public-key.ts', ...args], {
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: 'true', NODE_ENV: 'development', PORTICO_SUBGRAPH_SECRET: '', ...env },
  });

describe('npm run gateway-public-key', () => {
  it("prints the public key of the gateway's secret, or of the dev secret with a warning", async () => {
    const secret = 'a-gateway-secret-0123456789';
    expect((await script({ PORTICO_SUBGRAPH_SECRET: secret })).stdout).toBe(`${gatewayPublicKey(secret)}\n`);
    const dev = await script({});
    expect(dev.stdout).toBe(`${gatewayPublicKey(DEV_SUBGRAPH_SECRET)}\n`);
    expect(dev.stderr).toMatch(/dev key/);
  });

  it('--generate prints a new secret and its public key', async () => {
    const { stdout } = await script({}, '--generate');
    const match = /^PORTICO_SUBGRAPH_SECRET=([\w-]{43})\nPORTICO_GATEWAY_PUBLIC_KEYS=([\w-]{43})\n$/.exec(stdout);
    expect(match).not.toBeNull();
    expect(gatewayPublicKey(match![1])).toBe(match![2]);
  });
});
