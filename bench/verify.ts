import type { Workload } from './workloads.js';

/**
 * Sends each request of `workload` (twice with `expectCache`) and returns what was wrong (empty when
 * every answer was right). With `expectCache`, a repeated query must say so in `x-cache`.
 */
export async function verifyWorkload(url: string, workload: Workload, headers: Record<string, string>, expectCache?: 'HIT' | 'MISS'): Promise<string[]> {
  const problems: string[] = [];
  for (const request of new Set(workload.requests)) {
    try {
      const send = () => fetch(url, { method: 'POST', headers, body: request.body, signal: AbortSignal.timeout(10_000) });
      let response = await send();
      if (expectCache && !request.body.includes('"query":"mutation ')) {
        await response.text();
        response = await send();
        const status = response.headers.get('x-cache');
        if (status !== expectCache) problems.push(`${request.name}: x-cache ${status} on a repeated query, expected ${expectCache}`);
      }
      const text = await response.text();
      if (response.status !== 200) {
        problems.push(`${request.name}: HTTP ${response.status} ${text.slice(0, 200)}`);
        continue;
      }
      const problem = request.check(JSON.parse(text));
      if (problem) problems.push(`${request.name}: ${problem}`);
    } catch (error) {
      problems.push(`${request.name}: ${(error as Error).message}`);
    }
  }
  return problems;
}
