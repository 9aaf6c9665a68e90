import { readFile } from 'node:fs/promises';
import { parse, type DocumentNode } from 'graphql';

/** Reads and parses an SDL file (give a URL relative to the module, not the cwd). */
export async function loadTypeDefs(file: URL): Promise<DocumentNode> {
  return parse(await readFile(file, 'utf8'));
}
