import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * What the docs page may load: only this origin's scripts, styles and calls (the try-it requests),
 * no inline script, nothing framed. Swagger UI sets styles through the DOM, which CSP allows.
 */
export const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

/**
 * `GET <prefix>/docs`: Swagger UI over `<prefix>/openapi.json`, every file served from the
 * swagger-ui-dist package (no CDN: it works offline and under a strict Content-Security-Policy).
 * Returns a handler for paths under `<prefix>/docs`; false when it has no such file.
 */
export function createDocsPage(prefix: string) {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const files = new Map<string, { type: string; body: Buffer }>();
  const load = (name: string) => {
    let file = files.get(name);
    if (!file) files.set(name, (file = { type: ASSETS[name], body: readFileSync(join(dir, name)) }));
    return file;
  };
  // No inline script: the page's own start-up is a file too. Tokens typed into "Authorize" stay in the page.
  const init = Buffer.from(
    `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(`${prefix}/openapi.json`)}, dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null, tryItOutEnabled: true, displayRequestDuration: true });\n`,
  );
  const page = Buffer.from(`<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Portico REST API</title>
    <link rel="stylesheet" href="${prefix}/docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="${prefix}/docs/favicon-32x32.png">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${prefix}/docs/swagger-ui-bundle.js"></script>
    <script src="${prefix}/docs/init.js"></script>
  </body>
</html>
`);

  const send = (res: ServerResponse, type: string, body: Buffer, head: boolean) => {
    res.writeHead(200, {
      'content-type': type,
      'content-length': body.length,
      'content-security-policy': DOCS_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'public, max-age=3600',
    });
    res.end(head ? undefined : body);
  };

  return (res: ServerResponse, method: string, path: string): boolean => {
    if (method !== 'GET' && method !== 'HEAD') return false;
    const head = method === 'HEAD';
    const name = path.slice(`${prefix}/docs`.length).replace(/^\//, '');
    if (name === '') send(res, 'text/html; charset=utf-8', page, head);
    else if (name === 'init.js') send(res, 'text/javascript; charset=utf-8', init, head);
    else if (ASSETS[name]) {
      const file = load(name);
      send(res, file.type, file.body, head);
    } else return false;
    return true;
  };
}
