import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticator } from '../auth/authenticate.js';
import { HttpError, sendError } from '../server/graphql-http.js';
import type { ListSizeLearner } from './list-sizes.js';

/**
 * `GET /admin/cost/report` for operators, with a token holding the report scope: the lists whose
 * real sizes are furthest from the default the estimates assume, each with the `@listSize` its
 * subgraph should declare. `?sync=1` first syncs with the other replicas.
 */
export function createCostReportHandler(learner: ListSizeLearner | undefined, authenticator: Authenticator, scope: string, defaultListSize: number) {
  return async (req: IncomingMessage, res: ServerResponse, search: string): Promise<void> => {
    try {
      if (req.method !== 'GET') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Use GET', { allow: 'GET' });
      const caller = await authenticator.authenticate(req.headers.authorization);
      if (!caller.authenticated) throw new HttpError(401, 'UNAUTHENTICATED', 'A token is required');
      if (!caller.scopes.includes(scope)) throw new HttpError(403, 'FORBIDDEN', `The cost report needs the "${scope}" scope`);
      if (!learner) throw new HttpError(404, 'NOT_FOUND', 'List sizes are not learned (cost.learnListSizes.enabled is off)');
      if (new URLSearchParams(search).get('sync') === '1') await learner.sync();
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ defaultListSize, fields: learner.report(defaultListSize) }));
    } catch (error) {
      sendError(res, error instanceof HttpError ? error : new HttpError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'));
    }
  };
}
