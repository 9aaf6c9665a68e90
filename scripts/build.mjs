// npm run build: compiles the gateway (src/), the demo subgraphs and `npm start`'s launcher to dist/
// with tsc (tsconfig.build.json), from an empty dist/, and copies the files the subgraphs read next to
// their compiled code (their SDL, dist/schema/*.graphql, and migrations). Plain JavaScript: building needs no tsx.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const dist = new URL('dist/', root);
rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const { status } = spawnSync(process.execPath, [tsc, '-p', fileURLToPath(new URL('tsconfig.build.json', root))], { stdio: 'inherit' });
if (status !== 0) process.exit(status ?? 1);

cpSync(new URL('schema/', root), new URL('schema/', dist), { recursive: true, filter: (path) => !/\.(ya?ml)$/.test(path) });
for (const name of readdirSync(new URL('subgraphs/', root))) {
  const migrations = new URL(`subgraphs/${name}/migrations/`, root);
  if (existsSync(migrations)) cpSync(migrations, new URL(`subgraphs/${name}/migrations/`, dist), { recursive: true });
}
