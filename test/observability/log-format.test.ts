import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { wantsPretty } from '../../src/observability/logger.js';
import { JWT_SECRET, SUBGRAPH_SECRET } from '../helpers/stack.js';

/**
 * Runs the gateway as a user would, its stdout a terminal (util-linux `script` gives it a pseudo-terminal)
 * or a pipe, until it logs that it is ready, then stops it with SIGTERM; returns what it printed until
 * then, one entry per line, and its exit code.
 */
function runGateway(env: Record<string, string>, terminal: boolean): Promise<{ lines: string[]; code: number | null }> {
  const command = [process.execPath, '--import', 'tsx', 'src/main.ts'];
  const child = terminal
    ? spawn('script', ['-qec', `echo "pid:$$"; exec ${command.join(' ')}`, '/dev/null'], { env: { ...process.env, ...env } })
    : spawn(command[0], command.slice(1), { env: { ...process.env, ...env } });
  let out = '';
  return new Promise((resolve, reject) => {
    let outcome: Error | string[] | undefined;
    const stop = (result: Error | string[]) => {
      if (outcome) return;
      outcome = result;
      clearTimeout(timer);
      // Under `script` the gateway runs in a session of its own: stopped by the pid its shell printed.
      const pid = terminal ? Number(/pid:(\d+)/.exec(out)?.[1]) : child.pid!;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => stop(new Error(`no ready line within 120 s:\n${out}`)), 120_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('gateway ready at')) stop(out.replace(/\r/g, '').split('\n').filter((line) => line.trim() !== '' && !line.startsWith('pid:')));
    });
    // Settled once the gateway has stopped (its output still read, so its last lines do not fail).
    child.once('exit', (code) => {
      stop(new Error(`gateway exited with ${code}:\n${out}`));
      if (outcome instanceof Error) reject(outcome);
      else resolve({ lines: outcome!, code });
    });
  });
}

const base = {
  APOLLO_TELEMETRY_DISABLED: 'true',
  PORT: '0',
  PORTICO_METRICS_PORT: '0',
  PORTICO_SUPERGRAPH_WATCH: 'false',
  LOG_LEVEL: 'info',
  NODE_ENV: 'development',
  PORTICO_JWT_SECRET: JWT_SECRET,
  PORTICO_SUBGRAPH_SECRET: SUBGRAPH_SECRET,
};
const isJson = (line: string) => {
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
};

describe('log format', () => {
  it('is pretty only for a terminal outside production, unless LOG_FORMAT says otherwise', () => {
    expect(wantsPretty('auto', { isTTY: true, env: 'development' })).toBe(true);
    expect(wantsPretty('auto', { isTTY: true, env: undefined })).toBe(true);
    expect(wantsPretty('auto', { isTTY: false, env: 'development' })).toBe(false);
    expect(wantsPretty('auto', { isTTY: true, env: 'production' })).toBe(false);
    expect(wantsPretty('json', { isTTY: true, env: 'development' })).toBe(false);
    expect(wantsPretty('pretty', { isTTY: false, env: 'production' })).toBe(true);
  });

  it('on a terminal: one readable line per entry, with its level and message', async () => {
    const { lines, code } = await runGateway(base, true);
    expect(code).toBe(0);
    const ready = lines.find((line) => line.includes('gateway ready at'));
    expect(ready).toMatch(/^\S*\[\d\d:\d\d:\d\d\]\S* \S*INFO\S*: \S*Portico gateway ready at http:\/\/127\.0\.0\.1:\d+\/graphql/);
    expect(lines.filter(isJson)).toEqual([]);
  }, 180_000);

  it('piped, or in production on a terminal: JSON lines', async () => {
    const { lines: piped, code } = await runGateway(base, false);
    // Outside NODE_ENV=test (Apollo's own signal handlers are on there): SIGTERM stops it, exit 0.
    expect(code).toBe(0);
    expect(piped.length).toBeGreaterThan(1);
    expect(piped.every(isJson)).toBe(true);
    const { lines: production } = await runGateway({ ...base, NODE_ENV: 'production' }, true);
    expect(production.every(isJson)).toBe(true);
    expect(production.map((line) => JSON.parse(line))).toContainEqual(expect.objectContaining({ level: 30, msg: expect.stringMatching(/^Portico gateway ready at/) }));
  }, 300_000);
});
