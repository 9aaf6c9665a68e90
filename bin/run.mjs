// Runs one of Portico's entry points (`src/main`, `scripts/dev`, `subgraphs/<name>/main`, given without
// extension): the compiled JavaScript under dist/ (`npm run build`), or, in a source checkout outside
// production, the TypeScript sources through tsx. Installed from the package there are no sources, so
// it is always dist/; `NODE_ENV=production` always runs dist/ too, and refuses to start without it.
//   node bin/run.mjs <entry> [args...]   (what `npm start` does with scripts/dev)
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);

export async function runEntry(entry) {
  const source = new URL(`${entry}.ts`, root);
  if (process.env.NODE_ENV !== 'production' && existsSync(source)) {
    const { register } = await import('tsx/esm/api');
    register();
    await import(source.href);
    return;
  }
  const compiled = new URL(`dist/${entry}.js`, root);
  if (!existsSync(compiled)) {
    process.stderr.write(`portico: ${fileURLToPath(compiled)} does not exist: run \`npm run build\` first\n`);
    process.exit(1);
  }
  await import(compiled.href);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [entry] = process.argv.splice(2, 1);
  if (!entry) {
    process.stderr.write('usage: node bin/run.mjs <entry> [args...]\n');
    process.exit(2);
  }
  await runEntry(entry);
}
