import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientTimeoutOptions } from '../../src/server/timeouts.js';
import { startUsersSubgraph } from '../../subgraphs/users/index.js';
import type { RunningSubgraph } from '../../subgraphs/runtime/index.js';
import { graphql, silentLogger, startGateway, SUBGRAPH_PUBLIC_KEYS, token } from '../helpers/stack.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

// A client that sends its request a byte at a time must not hold a connection for long: the gateway
// gives it server.headersTimeoutMs for the headers and server.requestTimeoutMs for the whole request.
const HEADERS_TIMEOUT_MS = 500;
const REQUEST_TIMEOUT_MS = 1000;
/** Well before Node's default (300 s) and the slow client's own end, with room for a busy machine. */
const CUT_WITHIN_MS = 4000;
const BYTE_EVERY_MS = 100;
/** The slow client stops by itself after this many bytes (10 s): bounded even if nothing cuts it. */
const MAX_BYTES = 100;

interface SlowResult {
  /** What the server wrote back before closing. */
  answer: string;
  /** From the first byte sent to the close, in ms. */
  heldMs: number;
  /** Whether the slow client ran out of bytes before the server closed the connection. */
  gaveUp: boolean;
}

/** Sends `head` at once, then one byte of `drip` every BYTE_EVERY_MS until the server closes or MAX_BYTES are sent. */
function slowClient(port: number, head: string, drip: string): Promise<SlowResult> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    const chunks: Buffer[] = [];
    let sent = 0;
    let gaveUp = false;
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {}); // a reset is a close too
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer: Buffer.concat(chunks).toString('latin1'), heldMs: Date.now() - started, gaveUp });
    });
    socket.once('connect', () => {
      socket.write(head);
      timer = setInterval(() => {
        if (sent >= MAX_BYTES) {
          gaveUp = true;
          socket.destroy();
          return;
        }
        if (!socket.destroyed && socket.writable) socket.write(drip[sent++ % drip.length]);
      }, BYTE_EVERY_MS);
    });
  });
}

let users: RunningSubgraph;
let proxy: FaultProxy;
let gateway: Awaited<ReturnType<typeof startGateway>>;

beforeAll(async () => {
  users = await startUsersSubgraph({ port: 0, gatewayKeys: SUBGRAPH_PUBLIC_KEYS, logger: silentLogger, storage: { kind: 'embedded' } });
  proxy = await startFaultProxy(users.url);
  gateway = await startGateway(
    { users: proxy.url, todos: 'http://127.0.0.1:9/graphql' },
    { server: { port: 0, headersTimeoutMs: HEADERS_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS },
      // Other callers send requests back to back while a slow client is held: budgets would throttle them.
      cache: { enabled: false },
      cost: { budgets: { enabled: false } },
    },
  );
});
afterAll(async () => {
  await gateway?.server.stop();
  await proxy?.close().catch(() => {});
  await users?.stop();
});

/** Other callers' requests, one after the other, until `done` settles; resolves with their statuses. */
async function othersWhile(done: Promise<unknown>): Promise<number[]> {
  let finished = false;
  void done.finally(() => (finished = true));
  const statuses: number[] = [];
  const caller = await token('patient-pat', { name: 'Pat' });
  while (!finished) {
    const { status, body } = await graphql(gateway.url, '{ me { name } }', { token: caller });
    statuses.push(body.data?.me?.name === 'Pat' ? status : -status);
  }
  return statuses;
}

describe('slow clients', () => {
  it('cuts a body sent a byte at a time with 408 after server.requestTimeoutMs, serving others meanwhile', async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${MAX_BYTES * 2}\r\n\r\n`;
    const slow = slowClient(gateway.port, head, JSON.stringify({ query: '{ __typename }' }));
    const [result, others] = await Promise.all([slow, othersWhile(slow)]);
    expect(result.gaveUp).toBe(false);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(result.heldMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(result.heldMs).toBeLessThan(CUT_WITHIN_MS);
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((status) => status === 200)).toBe(true);
  });

  it('cuts headers sent a byte at a time after server.headersTimeoutMs', async () => {
    const slow = slowClient(gateway.port, 'POST /graphql HTTP/1.1\r\n', 'X-Slow: ' + 'a'.repeat(MAX_BYTES));
    const [result, others] = await Promise.all([slow, othersWhile(slow)]);
    expect(result.gaveUp).toBe(false);
    expect(result.answer).toMatch(/^(HTTP\/1\.1 408 |$)/);
    expect(result.heldMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(result.heldMs).toBeLessThan(CUT_WITHIN_MS);
    expect(others.every((status) => status === 200)).toBe(true);
  });

  it('does not cut a request received in time whose answer takes longer than server.requestTimeoutMs', async () => {
    proxy.mode = { kind: 'slow', ms: REQUEST_TIMEOUT_MS * 2 };
    try {
      const started = Date.now();
      const { status, body } = await graphql(gateway.url, '{ me { name } }', { token: await token('patient-pat', { name: 'Pat' }) });
      expect(Date.now() - started).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS * 2);
      expect(status).toBe(200);
      expect(body.data).toEqual({ me: { name: 'Pat' } });
    } finally {
      proxy.mode = { kind: 'pass' };
    }
  });
});

describe('clientTimeoutOptions', () => {
  it("sets Node's timeouts, and checks for expired requests often enough to cut them on time", () => {
    expect(clientTimeoutOptions({ headersTimeoutMs: 500, requestTimeoutMs: 1000 })).toEqual({ headersTimeout: 500, requestTimeout: 1000, connectionsCheckingInterval: 125 });
    // Node's default check every 30 s would let a 30 s request timeout run to 60 s.
    expect(clientTimeoutOptions({ headersTimeoutMs: 15_000, requestTimeoutMs: 30_000 }).connectionsCheckingInterval).toBe(3750);
    expect(clientTimeoutOptions({ headersTimeoutMs: 600_000, requestTimeoutMs: 600_000 }).connectionsCheckingInterval).toBe(30_000);
    expect(clientTimeoutOptions({ headersTimeoutMs: 1, requestTimeoutMs: 1 }).connectionsCheckingInterval).toBe(50);
  });
});
