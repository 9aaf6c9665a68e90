import type { Fetcher, FetcherHeaders, FetcherRequestInit, FetcherResponse } from '@apollo/utils.fetcher';
import { Agent, type Dispatcher } from 'undici';

/** Default time a subgraph call may take, response body included, in milliseconds. */
export const DEFAULT_SUBGRAPH_TIMEOUT_MS = 30_000;

/** Thrown (as the fetch's rejection) when a subgraph call takes longer than its timeout. */
export class SubgraphTimeoutError extends Error {
  readonly code = 'SUBGRAPH_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

export interface SubgraphHttpOptions {
  /** Idle keep-alive connections are closed after this many ms. Default 30 000. */
  keepAliveTimeoutMs?: number;
  /** Most connections per subgraph origin. Default 256. */
  connectionsPerOrigin?: number;
}

/** The gateway's HTTP client to its subgraphs: one keep-alive connection pool per origin. */
export interface SubgraphHttp {
  /** A `fetch` for one subgraph: calls that take longer than `timeoutMs` are aborted. */
  fetcher(timeoutMs?: number): Fetcher;
  /** Closes every pooled connection (the gateway stops). */
  close(): Promise<void>;
}

/** Response headers as undici gives them (lower-case names), read through the `Headers` interface. */
class ResponseHeaders implements FetcherHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}
  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
  copy(): ResponseHeaders {
    return new ResponseHeaders({ ...this.raw });
  }
  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }
  set(name: string, value: string): void {
    this.raw[name.toLowerCase()] = value;
  }
  append(name: string, value: string): void {
    const current = this.get(name);
    this.set(name, current === null ? value : `${current}, ${value}`);
  }
  delete(name: string): void {
    delete this.raw[name.toLowerCase()];
  }
  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }
  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }
  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/** A fully read response: the body is in memory, so `text()` and `json()` need no more I/O. */
class BufferedResponse implements FetcherResponse {
  readonly redirected = false;
  bodyUsed = false;
  constructor(
    readonly url: string,
    readonly status: number,
    readonly headers: ResponseHeaders,
    private readonly body: string,
  ) {}
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get statusText(): string {
    return STATUS_TEXT[this.status] ?? '';
  }
  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.body;
  }
  async json(): Promise<any> {
    this.bodyUsed = true;
    return JSON.parse(this.body);
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    this.bodyUsed = true;
    const bytes = Buffer.from(this.body, 'utf8');
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  clone(): FetcherResponse {
    return new BufferedResponse(this.url, this.status, this.headers.copy(), this.body);
  }
}

/** A URL's origin and path, remembered for the last URL (a data source calls one URL). */
export function lastTarget(): (url: string) => { origin: string; path: string } {
  let last: { url: string; origin: string; path: string } | undefined;
  return (url) => {
    if (last?.url !== url) {
      const { origin, pathname, search } = new URL(url);
      last = { url, origin, path: pathname + search };
    }
    return last;
  };
}

/** Response headers from undici's raw `[name, value, name, value…]` list, names lower-cased. */
function headersOf(raw: Buffer[] | string[] | null): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = Object.create(null);
  if (!raw) return headers;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i].toString().toLowerCase();
    const value = raw[i + 1].toString('latin1');
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[name] = [existing, value];
  }
  return headers;
}

/**
 * A `Fetcher` over undici's lowest-level `dispatch()`: keep-alive connections from `dispatcher`,
 * the whole call (queueing, connect, headers and body) bounded by `timeoutMs`. Network failures and
 * timeouts reject; any HTTP status resolves (the data source decides what a status means). The body
 * is gathered as bytes and decoded once: no stream, abort signal or async resource per call, which
 * `request()` makes for each of a deep query's dozen subgraph calls.
 */
export function undiciFetcher(dispatcher: Dispatcher, timeoutMs = DEFAULT_SUBGRAPH_TIMEOUT_MS): Fetcher {
  const target = lastTarget();
  return (url: string, init: FetcherRequestInit = {}) =>
    new Promise<FetcherResponse>((resolve, reject) => {
      const { origin, path } = target(url);
      let abort: ((reason: Error) => void) | undefined;
      let timedOut: SubgraphTimeoutError | undefined;
      let done = false;
      let status = 0;
      let headers: Record<string, string | string[]> = {};
      const chunks: Buffer[] = [];
      const finish = (error: Error | undefined, response?: FetcherResponse) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (error) reject(timedOut ?? error);
        else resolve(response!);
      };
      const timer = setTimeout(() => {
        timedOut = new SubgraphTimeoutError(timeoutMs);
        if (abort) abort(timedOut);
        else finish(timedOut);
      }, timeoutMs);
      const handler: Dispatcher.DispatchHandlers = {
        onConnect(abortCall) {
          // Timed out while still queued for a connection: the call never goes out.
          if (timedOut) abortCall(timedOut);
          else abort = abortCall;
        },
        onHeaders(statusCode, rawHeaders) {
          if (statusCode < 200) return true; // 1xx: the answer is still to come
          status = statusCode;
          headers = headersOf(rawHeaders as Buffer[] | null);
          return true;
        },
        onData(chunk) {
          chunks.push(chunk);
          return true;
        },
        onComplete() {
          const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
          // A UTF-8 byte-order mark is not part of the text (as fetch's text() decodes it).
          const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
          const body = bytes.toString('utf8', bom ? 3 : 0);
          finish(undefined, new BufferedResponse(url, status, new ResponseHeaders(headers), body));
        },
        onError(error) {
          finish(error);
        },
      };
      try {
        dispatcher.dispatch(
          {
            origin,
            path,
            method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
            headers: init.headers as Record<string, string> | undefined,
            body: init.body as string | Buffer | undefined,
          },
          handler,
        );
      } catch (error) {
        finish(error as Error);
      }
    });
}

/** One keep-alive pool per subgraph origin, shared by the gateway's data sources. */
export function createSubgraphHttp(options: SubgraphHttpOptions = {}): SubgraphHttp {
  const agent = new Agent({
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    connections: options.connectionsPerOrigin ?? 256,
  });
  return {
    fetcher: (timeoutMs) => undiciFetcher(agent, timeoutMs),
    close: () => agent.close(),
  };
}
