import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema, type OperationTypeNode } from 'graphql';

const MAX_ANSWERS = 1000;

export interface SubgraphServer {
  url: string;
  stop(): Promise<void>;
}

interface Prepared {
  document?: DocumentNode;
  operation?: OperationTypeNode;
  errors?: readonly { message: string }[];
}

/**
 * A bare node:http GraphQL server, so a subgraph costs as little as possible and the gateway is what
 * is measured. Query answers are memoised by the exact request body until the next mutation: the
 * gateways send the same few documents over and over. Routed with `?cacheHints=1`, it marks query
 * answers `Cache-Control: max-age=60, public`. It ignores every header, including Portico's
 * x-portico-identity / x-portico-signature (the baseline gateways do not send them).
 */
export async function startSubgraphServer(schema: GraphQLSchema, port = 0): Promise<SubgraphServer> {
  const documents = new Map<string, Prepared>();
  const answers = new Map<string, string>();

  function prepare(query: string): Prepared {
    let prepared = documents.get(query);
    if (!prepared) {
      try {
        const document = parse(query);
        const errors = validate(schema, document);
        const operation = document.definitions.find((d) => d.kind === 'OperationDefinition');
        prepared = errors.length ? { errors } : { document, operation: operation?.kind === 'OperationDefinition' ? operation.operation : undefined };
      } catch (error) {
        prepared = { errors: [{ message: (error as Error).message }] };
      }
      documents.set(query, prepared);
    }
    return prepared;
  }

  async function answer(body: string): Promise<{ status: number; text: string; cacheable?: boolean }> {
    const memo = answers.get(body);
    if (memo) return { status: 200, text: memo, cacheable: true };
    const { query, variables, operationName } = JSON.parse(body) as { query: string; variables?: Record<string, unknown>; operationName?: string };
    const prepared = prepare(query);
    if (!prepared.document) return { status: 400, text: JSON.stringify({ errors: prepared.errors }) };
    const result = await execute({ schema, document: prepared.document, variableValues: variables, operationName });
    const text = JSON.stringify(result);
    if (prepared.operation === 'mutation') answers.clear();
    else if (!result.errors) {
      if (answers.size >= MAX_ANSWERS) answers.clear();
      answers.set(body, text);
    }
    return { status: 200, text, cacheable: prepared.operation === 'query' && !result.errors };
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answer(Buffer.concat(chunks).toString('utf8')).then(
        ({ status, text, cacheable }) => {
          // Routed as `…/graphql?cacheHints=1`: query answers are public for 60 s (the cache-hit row).
          const hints = cacheable && req.url?.includes('cacheHints=1');
          res.writeHead(status, hints ? { 'content-type': 'application/json', 'cache-control': 'max-age=60, public' } : { 'content-type': 'application/json' });
          res.end(text);
        },
        (error: Error) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errors: [{ message: error.message }] }));
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/graphql`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
