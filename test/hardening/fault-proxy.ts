import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultMode =
  | { kind: 'pass' }
  /** Accepts the connection and closes it without an answer. */
  | { kind: 'reset' }
  /** Answers after `ms` (or never, within a test, when long enough). */
  | { kind: 'slow'; ms: number }
  /** HTTP 200 with a body that is not JSON. */
  | { kind: 'garbage' }
  /** This HTTP status, with a body that names internal hosts and a stack trace (which must not leak). */
  | { kind: 'status'; status: number };

export interface FaultProxy {
  url: string;
  port: number;
  mode: FaultMode;
  /** Bodies of the requests it received, in order (recorded in every mode). */
  received: string[];
  /** The same requests with the headers they came with. */
  requests: Array<{ body: string; headers: IncomingMessage['headers'] }>;
  /** Stops listening (connections are refused) until `listen()`. */
  close(): Promise<void>;
  /** Listens again on the same port. */
  listen(): Promise<void>;
}

export const LEAKY_BODY = JSON.stringify({
  errors: [{ message: 'connect ECONNREFUSED db.internal.example:5432 at Pool.connect (/srv/app/node_modules/pg/lib/index.js:45:11)' }],
});

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * An HTTP proxy in front of one subgraph (loopback only) that records what it is sent and can be
 * told to fail in the ways a real subgraph fails.
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const timers = new Set<NodeJS.Timeout>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readAll(req);
    proxy.received.push(body.toString('utf8'));
    proxy.requests.push({ body: body.toString('utf8'), headers: req.headers });
    const mode = proxy.mode;
    if (mode.kind === 'reset') return void req.socket.destroy();
    if (mode.kind === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('<html>502 Bad Gateway from nginx on 10.0.0.7</html>');
    }
    if (mode.kind === 'status') {
      res.writeHead(mode.status, { 'content-type': 'application/json' });
      return void res.end(LEAKY_BODY);
    }
    if (mode.kind === 'slow') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, mode.ms);
        timers.add(timer);
      });
      if (res.destroyed) return;
    }
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, path: upstream.pathname, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    forwarded.end(body);
  };
  let server: Server;
  const start = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
      server.keepAliveTimeout = 1000;
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
  const port = await start(0);
  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    port,
    mode: { kind: 'pass' },
    received: [],
    requests: [],
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async listen() {
      await start(port);
    },
  };
  return proxy;
}
