import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse, type GraphQLError } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const subgraphList = z.object({
  subgraphs: z
    .array(z.object({ name: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'use lower-case letters, digits, - and _'), url: z.url(), schema: z.string().min(1) }).strict())
    .min(1),
});

export interface SubgraphEntry {
  name: string;
  url: string;
  /** Absolute path of the SDL file. */
  schemaPath: string;
}

/** One composition problem, as a person wants to read it. */
export interface CompositionProblem {
  code: string;
  message: string;
  subgraphs: string[];
}

export type CompositionOutcome = { ok: true; supergraphSdl: string } | { ok: false; problems: CompositionProblem[] };

export class SubgraphListError extends Error {}

/** Reads `schema/subgraphs.yaml` (or another list): names, routing URLs and SDL files. */
export function readSubgraphList(listPath: string): SubgraphEntry[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(listPath, 'utf8'));
  } catch (error) {
    throw new SubgraphListError(`${listPath}: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = subgraphList.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SubgraphListError(`${listPath}: ${issue.path.join('.')}: ${issue.message}`);
  }
  const base = dirname(resolve(listPath));
  return parsed.data.subgraphs.map((s) => ({ name: s.name, url: s.url, schemaPath: resolve(base, s.schema) }));
}

function subgraphsOf(error: GraphQLError, names: string[]): string[] {
  const fromNodes = (error.nodes ?? []).map((n) => n.loc?.source.name).filter((n): n is string => !!n && names.includes(n));
  const fromMessage = names.filter((n) => error.message.includes(`"${n}"`) || error.message.startsWith(`[${n}]`));
  return [...new Set([...fromNodes, ...fromMessage])];
}

export function compose(entries: SubgraphEntry[]): CompositionOutcome {
  const problems: CompositionProblem[] = [];
  const services = [];
  for (const entry of entries) {
    try {
      const sdl = readFileSync(entry.schemaPath, 'utf8');
      services.push({ name: entry.name, url: entry.url, typeDefs: parse(sdl, { noLocation: false }) });
    } catch (error) {
      problems.push({ code: 'INVALID_SUBGRAPH_SCHEMA', message: `${entry.schemaPath}: ${(error as Error).message}`, subgraphs: [entry.name] });
    }
  }
  if (problems.length) return { ok: false, problems };
  const result = composeServices(services);
  if (result.errors) {
    const names = entries.map((e) => e.name);
    return {
      ok: false,
      problems: result.errors.map((e) => ({ code: String(e.extensions?.code ?? 'COMPOSITION_ERROR'), message: e.message, subgraphs: subgraphsOf(e, names) })),
    };
  }
  return { ok: true, supergraphSdl: result.supergraphSdl };
}

/** Replaces `path` in one step, so a watcher never reads half a file. */
export function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content);
  renameSync(temporary, path);
}
