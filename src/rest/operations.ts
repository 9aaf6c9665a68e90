import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Kind,
  parse,
  print,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  TokenKind,
  type Token,
} from 'graphql';

/** One named operation from an operations folder, as REST routes and the trusted documents manifest use it. */
export interface NamedOperation {
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  /** The operation and the fragments it uses, printed: what runs, and the manifest's `body`. */
  body: string;
  /** SHA-256 of `body` in hex: the manifest's `id`, and the APQ hash a client sends for it. */
  id: string;
  /** The parsed `body`. */
  document: DocumentNode;
  definition: OperationDefinitionNode;
  /** The `#` comment lines right above the operation in its file. */
  description?: string;
  /** The file it comes from (for error messages). */
  file: string;
}

/** A problem with the operation files, naming the file. */
export class OperationsError extends Error {}

/** The `#` comments on the lines right above a definition (a blank line ends them). */
function commentAbove(definition: OperationDefinitionNode): string | undefined {
  const lines: string[] = [];
  let line = definition.loc?.startToken.line;
  let token: Token | null | undefined = definition.loc?.startToken.prev;
  while (token && token.kind === TokenKind.COMMENT && line !== undefined && token.line === line - 1) {
    lines.unshift(token.value.trim());
    line = token.line;
    token = token.prev;
  }
  return lines.length ? lines.join(' ') : undefined;
}

function usedFragments(root: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>): FragmentDefinitionNode[] {
  const found = new Map<string, FragmentDefinitionNode>();
  const pending: Array<OperationDefinitionNode | FragmentDefinitionNode> = [root];
  while (pending.length) {
    visit(pending.pop()!, {
      FragmentSpread(node) {
        const fragment = fragments.get(node.name.value);
        if (fragment && !found.has(fragment.name.value)) {
          found.set(fragment.name.value, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return [...found.values()];
}

/** The named operations of one document's text; `file` names it in errors. */
export function operationsOf(source: string, file: string): NamedOperation[] {
  let document: DocumentNode;
  try {
    document = parse(source);
  } catch (error) {
    throw new OperationsError(`${file}: ${(error as Error).message}`);
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind !== Kind.OPERATION_DEFINITION) throw new OperationsError(`${file}: only operations and fragments belong in an operations file`);
  }
  return document.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((definition) => {
      if (!definition.name) throw new OperationsError(`${file}: every operation needs a name (line ${definition.loc?.startToken.line})`);
      const own: DocumentNode = { kind: Kind.DOCUMENT, definitions: [definition, ...usedFragments(definition, fragments)] };
      const body = print(own);
      const printed = parse(body);
      return {
        name: definition.name.value,
        type: definition.operation,
        body,
        id: createHash('sha256').update(body).digest('hex'),
        document: printed,
        definition: printed.definitions[0] as OperationDefinitionNode,
        description: commentAbove(definition),
        file,
      };
    });
}

/** Every named operation in a folder's `.graphql` files (file names in order), by name; names are unique. */
export function loadOperations(dir: string): Map<string, NamedOperation> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.graphql')).sort();
  } catch (error) {
    throw new OperationsError(`${dir}: cannot read the operations folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const operations = new Map<string, NamedOperation>();
  for (const file of files) {
    const path = join(dir, file);
    for (const operation of operationsOf(readFileSync(path, 'utf8'), path)) {
      const seen = operations.get(operation.name);
      if (seen) throw new OperationsError(`${path}: operation ${operation.name} is also in ${seen.file}; names must be unique`);
      operations.set(operation.name, operation);
    }
  }
  return operations;
}
