import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { JWT_SECRET, SUBGRAPH_SECRET } from './stack.js';

export interface GatewayProcess {
  url: string;
  /** Where `/metrics` is served, as the gateway logged it at start (the primary's with workers). */
  metricsUrl: string | undefined;
  pid: number;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  signal(signal: NodeJS.Signals): void;
  stop(): Promise<void>;
}

/**
 * Runs `src/main.ts` as its own process, as an operator would, and waits until it serves.
 * Replicas that share Redis must be given the same PORTICO_REDIS_PREFIX.
 */
export async function spawnGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      APOLLO_TELEMETRY_DISABLED: 'true',
      NODE_ENV: 'test',
      PORT: '0',
      PORTICO_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      PORTICO_JWT_SECRET: JWT_SECRET,
      PORTICO_SUBGRAPH_SECRET: SUBGRAPH_SECRET,
      PORTICO_SUPERGRAPH_WATCH: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let metricsUrl: string | undefined;
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output.join('')}`)), 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      metricsUrl = /"metricsUrl":"([^"]+)"/.exec(line)?.[1] ?? metricsUrl;
      const match = /"url":"([^"]+)"/.exec(line);
      if (match && line.includes('gateway ready')) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${output.join('\n')}`)));
  });
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    url,
    metricsUrl,
    pid: child.pid!,
    exited,
    signal: (signal) => void child.kill(signal),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
