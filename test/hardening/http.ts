import { request } from 'node:http';
import type { GraphQLResult } from '../helpers/stack.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: GraphQLResult['body'] | undefined;
}

/**
 * One HTTP request exactly as given (method, headers, body; chunked when `chunks` is given), for
 * requests `fetch` would not send as they are. Resolves with the answer, or rejects on a socket error.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunks?: Buffer[]; path?: string } = {},
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: options.path ?? `${target.pathname}${target.search}`,
        method: options.method ?? 'POST',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: RawResponse['body'];
          try {
            body = JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.chunks) {
      // Written one after the other without a content-length: the server only learns the size as it reads.
      let i = 0;
      const writeNext = () => {
        while (i < options.chunks!.length) {
          if (!req.write(options.chunks![i++])) return void req.once('drain', writeNext);
        }
        req.end();
      };
      req.on('error', () => {});
      writeNext();
    } else {
      req.end(options.body);
    }
  });
}

/** Every error of a response has a message and a string `extensions.code`. */
export function wellFormedErrors(body: GraphQLResult['body'] | undefined): boolean {
  if (!body || typeof body !== 'object') return false;
  if (!('data' in body) && !('errors' in body)) return false;
  if (body.errors === undefined) return true;
  return (
    Array.isArray(body.errors) &&
    body.errors.length > 0 &&
    body.errors.every((e) => typeof e.message === 'string' && e.message.length > 0 && typeof e.extensions?.code === 'string')
  );
}
