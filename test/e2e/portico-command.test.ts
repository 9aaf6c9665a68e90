// The `portico` executable, as a user runs it.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
// Metrics on a free port: the default, 9090, may be another gateway's.
const env = { ...process.env, APOLLO_TELEMETRY_DISABLED: 'true', LOG_LEVEL: 'silent', PORTICO_METRICS_PORT: '0' };
const portico = (...args: string[]) => run(process.execPath, ['bin/portico.mjs', ...args], { env });

describe('portico', () => {
  it('prints its usage with --help', async () => {
    const { stdout } = await portico('--help');
    expect(stdout).toMatch(/^Usage: portico \[options\]/);
    expect(stdout).toContain('--subgraphs <file>');
  });

  it('refuses an unknown flag with exit code 2 and the usage', async () => {
    const error = await portico('--prot', '4000').catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 2, stderr: expect.stringContaining('Usage: portico') });
  });

  it('exits 1 with the subgraphs named when the subgraph list does not compose', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'portico-cmd-'));
    const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])';
    writeFileSync(join(folder, 'a.graphql'), `${link}\ntype T @key(fields: "id") { id: ID! v: String! }\ntype Query { t: T }\n`);
    writeFileSync(join(folder, 'b.graphql'), `${link}\ntype T @key(fields: "id") { id: ID! v: Int! }\n`);
    writeFileSync(
      join(folder, 'list.yaml'),
      'subgraphs:\n  - { name: alpha, url: "http://127.0.0.1:1/graphql", schema: a.graphql }\n  - { name: beta, url: "http://127.0.0.1:2/graphql", schema: b.graphql }\n',
    );
    const error = await portico('--subgraphs', join(folder, 'list.yaml'), '--port', '0').catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 1 });
    expect((error as { stderr: string }).stderr).toMatch(/portico: composing .*list\.yaml failed:\n.*\[alpha, beta\]/);
  });

  it('exits 1 naming the metrics address when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((ready) => taken.listen(0, '127.0.0.1', ready));
    const { port } = taken.address() as AddressInfo;
    try {
      const error = await run(process.execPath, ['bin/portico.mjs', '--port', '0'], { env: { ...env, PORTICO_METRICS_PORT: String(port) } }).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect(error).toMatchObject({ code: 1, stderr: expect.stringContaining(`portico: metrics listener on http://127.0.0.1:${port} could not start (EADDRINUSE)`) });
    } finally {
      taken.close();
    }
  });

  it('serves a subgraph list composed at start, ready on /health/ready', async () => {
    const child = spawn(process.execPath, ['bin/portico.mjs', '--subgraphs', resolve('schema/subgraphs.yaml'), '--port', '0'], {
      env: { ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolveUrl, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
          if (match) resolveUrl(match[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
      });
      expect((await fetch(new URL('/health/ready', url))).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
