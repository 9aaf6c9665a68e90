import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface ChildOptions {
  /** Script to run with tsx. */
  script: string;
  env?: Record<string, string>;
  /** CPU to pin the process to with taskset, when taskset works here. */
  cpu?: number;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** How long to wait for the ready line. */
  timeoutMs?: number;
  /** Open an IPC channel (process.send in the child). */
  ipc?: boolean;
}

export interface Child<T> {
  ready: T;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

/** Whether `taskset` exists and may set affinity here (containers may forbid it). */
export function tasksetWorks(): boolean {
  const probe = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
  return probe.status === 0;
}

/** Every process gets this: @apollo/gateway otherwise phones home and probes cloud metadata. */
export const BASE_ENV = { APOLLO_TELEMETRY_DISABLED: 'true', NODE_ENV: 'production' };

/** Starts a benchmark process and resolves with what it announces on its first `{"ready":…}` line. */
export function startChild<T>(options: ChildOptions): Promise<Child<T>> {
  const nodeArgs = [...(options.nodeArgs ?? []), '--import', 'tsx', options.script];
  const [command, args] =
    options.cpu === undefined ? [process.execPath, nodeArgs] : ['taskset', ['-c', String(options.cpu), process.execPath, ...nodeArgs]];
  const child: ChildProcess = spawn(command, args, {
    env: { ...process.env, ...BASE_ENV, ...options.env },
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString());
    if (stderr.length > 50) stderr.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      void stop();
      reject(new Error(`${options.script}: ${why}${stderr.length ? `\n${stderr.join('').trim().split('\n').slice(-15).join('\n')}` : ''}`));
    };
    const timer = setTimeout(() => fail('not ready in time'), options.timeoutMs ?? 60_000);
    const onEarlyExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      fail(`exited before ready (${signal ?? code})`);
    };
    child.once('exit', onEarlyExit);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{"ready"')) return;
      clearTimeout(timer);
      child.off('exit', onEarlyExit);
      resolve({ ready: (JSON.parse(line) as { ready: T }).ready, process: child, stop });
    });
  });
}
