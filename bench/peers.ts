// The gateways Portico is compared with are not in the root install (they weigh ~500 MB): they live in
// bench/peers/package.json with their own lock, installed here the first time a run needs them. A
// folder of their own, not bench/: a node_modules in bench/ would shadow the root's packages for all
// of the bench's code (its graphql would be a second copy beside @apollo/subgraph's, its jose v4).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Installed and at least as new as the lock (npm ci writes node_modules/.package-lock.json). */
function installed(peersDir: string): boolean {
  const marker = join(peersDir, 'node_modules', '.package-lock.json');
  return existsSync(marker) && statSync(marker).mtimeMs >= statSync(join(peersDir, 'package-lock.json')).mtimeMs;
}

/** Runs `npm ci --prefix bench/peers` when its node_modules is missing or older than its lock; false if that failed. */
export function ensurePeers(peersDir: string, log: (line: string) => void): boolean {
  if (installed(peersDir)) return true;
  log('installing the benchmark peers (npm ci --prefix bench/peers, first run only)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['ci', '--prefix', peersDir, '--no-audit', '--no-fund'], { stdio: ['ignore', 2, 2] });
  if (result.status === 0) return true;
  log(`npm ci --prefix bench/peers failed (${result.error?.message ?? `exit ${result.status}`}): the Hive rows are skipped`);
  return false;
}
