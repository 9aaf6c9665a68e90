import { createServer, request, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An HTTP proxy in front of a subgraph that records what the gateway sent it, optionally passing it on late. */
export async function recordingProxy(
  target: string,
  {
    delayMs = 0,
    holdMs = () => 0,
    responseHeaders = (headers: OutgoingHttpHeaders) => headers,
  }: {
    /** Before passing a request on. */
    delayMs?: number;
    /** Before passing the subgraph's answer back, by request body. */
    holdMs?: (body: string) => number;
    responseHeaders?: (headers: OutgoingHttpHeaders) => OutgoingHttpHeaders;
  } = {},
) {
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  /** The subgraph's answers, as passed back (bodies parsed when JSON). */
  const responses: Array<{ status: number; body: any }> = [];
  const to = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ headers: req.headers, body: body.toString('utf8') });
      setTimeout(() => forward(body), delayMs);
    });
    const forward = (body: Buffer) => {
      const upstream = request({ host: to.hostname, port: to.port, path: to.pathname, method: req.method, headers: req.headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () =>
          setTimeout(() => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: kept as text
            }
            responses.push({ status: answer.statusCode ?? 502, body: parsed });
            res.writeHead(answer.statusCode ?? 502, responseHeaders({ ...answer.headers }));
            res.end(Buffer.concat(chunks));
          }, holdMs(body.toString('utf8'))),
        );
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    };
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    received,
    responses,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
