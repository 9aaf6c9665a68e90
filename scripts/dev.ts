// npm start: the users and todos subgraphs and the gateway, each its own process, stopped together.
import { spawn, type ChildProcess } from 'node:child_process';

const services = [
  { name: 'users', entry: 'subgraphs/users/main.ts' },
  { name: 'todos', entry: 'subgraphs/todos/main.ts' },
  { name: 'gateway', entry: 'src/main.ts', args: process.argv.slice(2) },
];

const children: ChildProcess[] = [];
let stopping = false;

function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 5000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))))).then(() => process.exit(code));
}

for (const { name, entry, args = [] } of services) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    stdio: 'inherit',
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: process.env.APOLLO_TELEMETRY_DISABLED ?? 'true' },
  });
  child.on('exit', (code) => {
    if (!stopping) {
      process.stderr.write(`${name} exited with code ${code}; stopping the others\n`);
      stopAll(code || 1);
    }
  });
  children.push(child);
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
