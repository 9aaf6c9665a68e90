import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLSchema } from 'graphql';
import { ANONYMOUS, type Caller } from '../../src/auth/caller.js';
import { loadSupergraph } from '../../src/gateway/schema-check.js';
import { createRestRoutes } from '../../src/rest/handler.js';
import type { OperationOutcome, OperationRequest } from '../../src/server/run-operation.js';
import { loadRestSetup } from '../../src/rest/route-map.js';
import { testContext } from '../helpers/operation.js';

/** The demo's API schema and its REST routes (schema/operations). */
export const demoSchema: GraphQLSchema = loadSupergraph(readFileSync('schema/supergraph.graphql', 'utf8')).api;
export const demoSetup = loadRestSetup('schema/operations');

export const ALICE: Caller = { authenticated: true, sub: 'alice', scopes: [], claims: { sub: 'alice' } };

export function outcome(result: OperationOutcome['result'], status = 200, headers: Record<string, string> = {}): OperationOutcome {
  return { status, headers: new Map(Object.entries(headers)), result };
}

export interface FakeGateway {
  base: string;
  /** Every operation the routes ran. */
  calls: OperationRequest[];
  /** What the next operation answers. */
  answer: (request: OperationRequest) => OperationOutcome;
  close(): Promise<void>;
}

/**
 * The REST routes on a real HTTP server, over a fake pipeline (`answer`); `caller` decides who the
 * context says is calling, `refuse` makes createContext throw.
 */
export async function startRoutes(
  options: { caller?: (req: IncomingMessage) => Caller; refuse?: (req: IncomingMessage) => Error | undefined } = {},
): Promise<FakeGateway> {
  const fake: FakeGateway = {
    base: '',
    calls: [],
    answer: () => outcome({ data: null }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const routes = createRestRoutes({
    routes: demoSetup.routes,
    prefix: '/api',
    schema: () => demoSchema,
    readBody: (req) =>
      new Promise((resolve) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      }),
    createContext: async (req) => {
      const refused = options.refuse?.(req);
      if (refused) throw refused;
      return testContext({ caller: options.caller?.(req) ?? (req.headers.authorization ? ALICE : ANONYMOUS) });
    },
    runOperation: async (request) => {
      fake.calls.push(request);
      return fake.answer(request);
    },
  });
  const server: Server = createServer((req, res) => {
    const [path, search = ''] = (req.url ?? '/').split('?', 2);
    routes(req, res, path, search).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
