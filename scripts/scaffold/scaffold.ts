// Writes a new subgraph into a repository (or a copy of one): files, list entry, test.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readSubgraphList } from '../../src/gateway/compose.js';
import { nameProblem } from './names.js';
import { indexFile, listEntry, mainFile, migrationFile, schemaFile, testFile, type TemplateInput } from './templates.js';

export class ScaffoldError extends Error {}

export interface ScaffoldOptions {
  /** The repository root holding `schema/` and `subgraphs/`. */
  root: string;
  name: string;
  /** The entity type to extend; default `Todo`. */
  entity?: string;
  /** Its key field; default `id`. */
  key?: string;
}

/** The port after the highest one in the list, and at least 4003. */
export function nextPort(urls: string[]): number {
  const ports = urls.map((url) => Number(new URL(url).port)).filter((p) => Number.isInteger(p) && p > 0);
  return Math.max(4002, ...ports) + 1;
}

/** Writes the subgraph and returns the files written (relative to root), the list first. */
export function scaffoldSubgraph({ root, name, entity = 'Todo', key = 'id' }: ScaffoldOptions): { port: number; files: string[] } {
  const problem = nameProblem(name);
  if (problem) throw new ScaffoldError(problem);
  if (!/^[A-Z][_0-9A-Za-z]*$/.test(entity)) throw new ScaffoldError(`"${entity}" is not a type name`);
  if (!/^[_A-Za-z][_0-9A-Za-z]*$/.test(key)) throw new ScaffoldError(`"${key}" is not a field name`);
  const listPath = join(root, 'schema', 'subgraphs.yaml');
  const entries = readSubgraphList(listPath);
  if (entries.some((e) => e.name === name)) throw new ScaffoldError(`a subgraph named "${name}" is already in schema/subgraphs.yaml`);
  const input: TemplateInput = { name, entity, key, port: nextPort(entries.map((e) => e.url)) };
  const files: Array<[string, string]> = [
    [`schema/${name}.graphql`, schemaFile(input)],
    [`subgraphs/${name}/index.ts`, indexFile(input)],
    [`subgraphs/${name}/main.ts`, mainFile(input)],
    [`subgraphs/${name}/migrations/001_create_${name.replace(/-/g, '_')}.sql`, migrationFile(input)],
    [`test/subgraphs/${name}.test.ts`, testFile(input)],
  ];
  const taken = [`subgraphs/${name}`, ...files.map(([path]) => path)].find((path) => existsSync(join(root, path)));
  if (taken) throw new ScaffoldError(`${taken} already exists: choose another name or remove it`);
  const defines = entries.some((e) => new RegExp(`\\btype\\s+${entity}\\b`).test(readFileSync(e.schemaPath, 'utf8')));
  if (!defines) throw new ScaffoldError(`no subgraph in schema/subgraphs.yaml defines type ${entity}: pass --extends with an existing entity`);

  for (const [path, content] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content, { flag: 'wx' });
  }
  const list = readFileSync(listPath, 'utf8');
  writeFileSync(listPath, `${list}${list.endsWith('\n') ? '' : '\n'}${listEntry(input)}`);
  return { port: input.port, files: ['schema/subgraphs.yaml', ...files.map(([path]) => path)] };
}
