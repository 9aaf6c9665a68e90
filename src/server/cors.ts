import type { IncomingMessage, ServerResponse } from 'node:http';

export interface CorsConfig {
  /** Origins a browser may call from, exactly as they send `Origin`; `*` for any. */
  origins: string[];
  /** Let browsers send cookies and read answers to requests made with them (never with `*`). */
  allowCredentials: boolean;
  /** How long a browser may keep a preflight's answer. */
  maxAgeSeconds: number;
}

// Headers a browser app may read: besides the simple ones, what Portico says about a request.
const EXPOSED = 'x-request-id, x-cache, age, retry-after, ratelimit-limit, ratelimit-remaining, ratelimit-reset';
// Request header names a preflight may ask for (the list is mirrored back when every name is a token).
const HEADER_LIST = /^[\w-]+(\s*,\s*[\w-]+)*$/;

/**
 * CORS for the GraphQL endpoint, as Apollo Router does it: an allowed origin gets
 * `Access-Control-Allow-Origin` (its own, or `*`), preflights are answered here with the methods
 * GraphQL uses and the headers asked for; other origins get no CORS headers, so browsers keep their
 * pages from reading the answers. `handle` returns true when it answered the request (a preflight).
 */
export function createCors(config: CorsConfig) {
  const any = config.origins.includes('*');
  const allowed = new Set(config.origins);
  return {
    handle(req: IncomingMessage, res: ServerResponse): boolean {
      const origin = req.headers.origin;
      const preflight = req.method === 'OPTIONS';
      res.setHeader('vary', 'Origin');
      if (origin && (any || allowed.has(origin))) {
        res.setHeader('access-control-allow-origin', any && !config.allowCredentials ? '*' : origin);
        if (config.allowCredentials) res.setHeader('access-control-allow-credentials', 'true');
        if (!preflight) res.setHeader('access-control-expose-headers', EXPOSED);
        else {
          res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
          const asked = req.headers['access-control-request-headers'];
          if (asked && HEADER_LIST.test(asked)) res.setHeader('access-control-allow-headers', asked);
          res.setHeader('access-control-max-age', String(config.maxAgeSeconds));
        }
      }
      if (!preflight) return false;
      res.writeHead(204, { allow: 'GET, POST, OPTIONS', 'content-length': '0' });
      res.end();
      return true;
    },
  };
}
