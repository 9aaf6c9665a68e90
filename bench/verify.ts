import type { Workload } from './workloads.js';

/** Sends each request of `workload` once and returns what was wrong (empty when every answer was right). */
export async function verifyWorkload(url: string, workload: Workload, headers: Record<string, string>): Promise<string[]> {
  const problems: string[] = [];
  for (const request of new Set(workload.requests)) {
    try {
      const response = await fetch(url, { method: 'POST', headers, body: request.body, signal: AbortSignal.timeout(10_000) });
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
