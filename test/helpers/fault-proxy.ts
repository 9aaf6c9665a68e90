import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * How a faulted subgraph call fails:
 * - `http500`: HTTP 500 with a text body; `http503`: HTTP 503 (Portico retries it);
 * - `reset`: the connection is cut before any answer (a network error);
 * - `garbage`: HTTP 200 with a body that is not JSON;
 * - `gqlerror`: HTTP 200, `data: null` and an error with a code of the subgraph's own;
 * - `nodata`: HTTP 200 with neither `data` nor `errors`;
 * - `entityerror`: HTTP 200, and for an entity fetch each entity null with an error of its own at
 *   `_entities.<n>` naming the representation (as a subgraph whose resolver throws); else as `gqlerror`.
 */
export const FAULT_MODES = ['http500', 'http503', 'reset', 'garbage', 'gqlerror', 'nodata', 'entityerror'] as const;
export type FaultMode = (typeof FAULT_MODES)[number];

/**
 * The client operation name that makes `subgraph` fail in `mode`. Both gateways name a subgraph
 * call after the client's operation (`<name>__<subgraph>__<n>`), so the fault follows the document,
 * not a switch: documents with different faults run side by side, in parallel, on one stack.
 */
export const faultName = (subgraph: string, mode: FaultMode) => `Down_${subgraph}_${mode}`;

const FAULT = /Down_([a-z]+)_([a-z0-9]+)__/;

/** A proxy in front of one subgraph that passes every call on, except those a fault name aims at it. */
export async function faultProxy(name: string, target: string) {
  const to = new URL(target);
  let faulted = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const match = FAULT.exec(body.toString('utf8'));
      if (match && match[1] === name) {
        faulted += 1;
        return fail(match[2] as FaultMode, body);
      }
      // A fresh connection per call (agent: false): a kept-alive one the subgraph closes as idle could
      // fail a call at random, and only Portico retries network errors.
      const upstream = request({ host: to.hostname, port: to.port, path: to.pathname + to.search, method: req.method, headers: req.headers, agent: false }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    const fail = (mode: FaultMode, body: Buffer) => {
      switch (mode) {
        case 'http500':
          res.writeHead(500, { 'content-type': 'text/plain' });
          return res.end('the subgraph fell over');
        case 'http503':
          res.writeHead(503, { 'content-type': 'text/plain' });
          return res.end('try later');
        case 'reset':
          return req.socket.destroy();
        case 'garbage':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end('<html>not json</html>');
        case 'gqlerror':
          return json(200, { data: null, errors: [{ message: `the ${name} store is down`, extensions: { code: 'STORE_DOWN' } }] });
        case 'nodata':
          return json(200, {});
        case 'entityerror': {
          const representations = (JSON.parse(body.toString('utf8')) as { variables?: { representations?: unknown[] } }).variables?.representations;
          if (!Array.isArray(representations)) return json(200, { data: null, errors: [{ message: `the ${name} store is down`, extensions: { code: 'STORE_DOWN' } }] });
          return json(200, {
            data: { _entities: representations.map(() => null) },
            errors: representations.map((r, i) => ({ message: `no such entity: ${JSON.stringify(r)}`, path: ['_entities', i], extensions: { code: 'NOT_FOUND' } })),
          });
        }
        default:
          return json(400, { errors: [{ message: `unknown fault ${String(mode)}` }] });
      }
    };
  });
  // Longer than the gateways keep an idle connection, so the proxy never closes one under their feet.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    /** Calls failed on purpose so far. */
    faulted: () => faulted,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
