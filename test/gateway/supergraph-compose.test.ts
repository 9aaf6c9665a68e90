import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubgraphListError } from '../../src/gateway/compose.js';
import { composeFromList, CompositionError, supergraphFromSubgraphs } from '../../src/gateway/supergraph-compose.js';
import { graphql, startGateway } from '../helpers/stack.js';
import { eventually } from '../helpers/eventually.js';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])';
const A = `${LINK}\ntype Thing @key(fields: "id") { id: ID! name: String! }\ntype Query { things: [Thing!]! }\n`;
const B = `${LINK}\ntype Thing @key(fields: "id") { id: ID! size: Int! }\n`;

function folderWith(files: Record<string, string>): string {
  const folder = mkdtempSync(join(tmpdir(), 'portico-compose-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
  return folder;
}
const LIST = 'subgraphs:\n  - name: a\n    url: http://127.0.0.1:1/graphql\n    schema: a.graphql\n  - name: b\n    url: http://127.0.0.1:2/graphql\n    schema: b.graphql\n';
const fields = async (url: string) => {
  const { body } = await graphql(url, '{ __type(name: "Thing") { fields { name } } }');
  return body.data?.__type?.fields.map((f: { name: string }) => f.name);
};

describe('composeFromList', () => {
  it('composes the list and returns the files to watch', () => {
    const folder = folderWith({ 'list.yaml': LIST, 'a.graphql': A, 'b.graphql': B });
    const { supergraphSdl, files } = composeFromList(join(folder, 'list.yaml'));
    expect(supergraphSdl).toContain('size: Int!');
    expect(files).toEqual([join(folder, 'list.yaml'), join(folder, 'a.graphql'), join(folder, 'b.graphql')]);
  });

  it('throws a CompositionError naming the subgraphs in conflict', () => {
    const folder = folderWith({ 'list.yaml': LIST, 'a.graphql': A, 'b.graphql': B.replace('size: Int!', 'name: Int!') });
    const error = (() => {
      try {
        composeFromList(join(folder, 'list.yaml'));
      } catch (e) {
        return e as CompositionError;
      }
    })();
    expect(error).toBeInstanceOf(CompositionError);
    expect(error!.problems.some((p) => p.subgraphs.includes('a') && p.subgraphs.includes('b'))).toBe(true);
    expect(error!.message).toMatch(/\[a, b\]/);
  });

  it('throws a SubgraphListError for a list it cannot read', () => {
    const folder = folderWith({ 'list.yaml': 'subgraphs: []\n' });
    expect(() => composeFromList(join(folder, 'list.yaml'))).toThrow(SubgraphListError);
  });
});

describe('supergraphFromSubgraphs', () => {
  it('refuses to start on a composition error', async () => {
    const folder = folderWith({ 'list.yaml': LIST, 'a.graphql': A, 'b.graphql': 'type Thing {' });
    const manager = supergraphFromSubgraphs({ listPath: join(folder, 'list.yaml'), watch: false, logger: pino({ level: 'silent' }) });
    await expect(manager.initialize({ update: () => {}, healthCheck: async () => {}, getDataSource: () => undefined as never })).rejects.toThrow(CompositionError);
  });
});

describe('a gateway composing at start (supergraph.subgraphs)', () => {
  const folder = folderWith({ 'list.yaml': LIST, 'a.graphql': A, 'b.graphql': B });
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    gateway = await startGateway({}, { supergraph: { subgraphs: join(folder, 'list.yaml'), watch: true } });
  });
  afterAll(() => gateway?.server.stop());

  it('serves the composed supergraph and is ready', async () => {
    expect(await fields(gateway.url)).toEqual(['id', 'name', 'size']);
    expect((await fetch(new URL('/health/ready', gateway.url))).status).toBe(200);
  });

  it('keeps the current supergraph when an SDL change does not compose', async () => {
    writeFileSync(join(folder, 'b.graphql'), B.replace('size: Int!', 'name: Int!'));
    await new Promise((r) => setTimeout(r, 400));
    expect(await fields(gateway.url)).toEqual(['id', 'name', 'size']);
  });

  it('recomposes when an SDL file changes', async () => {
    writeFileSync(join(folder, 'b.graphql'), B.replace('size: Int!', 'size: Int!\n  colour: String'));
    expect(await eventually(async () => (await fields(gateway.url))?.includes('colour'))).toBe(true);
  });

  it('recomposes when the list changes', async () => {
    writeFileSync(join(folder, 'c.graphql'), `${LINK}\ntype Thing @key(fields: "id") { id: ID! weight: Int! }\n`);
    writeFileSync(join(folder, 'list.yaml'), `${LIST}  - name: c\n    url: http://127.0.0.1:3/graphql\n    schema: c.graphql\n`);
    expect(await eventually(async () => (await fields(gateway.url))?.includes('weight'))).toBe(true);
  });
});
