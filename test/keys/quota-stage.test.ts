import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { RequestReport } from '../../src/context.js';
import { withQuotaFailover, type QuotaStore } from '../../src/keys/quota.js';
import { useQuotas } from '../../src/keys/quota-stage.js';
import { createMemoryQuotas } from '../../src/keys/quota-store-memory.js';
import { createUsageRecorder } from '../../src/keys/usage-recorder.js';
import { createMemoryUsage } from '../../src/keys/usage-store-memory.js';
import type { UsageStore } from '../../src/keys/usage.js';
import { createPipeline } from '../../src/server/pipeline.js';
import type { Operation } from '../../src/server/operation.js';
import { testOperation } from '../helpers/operation.js';

const { cost } = loadConfig({ env: {}, file: '/dev/null', overrides: { cost: { budgets: { quota: { limit: 1, period: 'day' } } } } });
const down = () => Promise.reject(new Error('ECONNREFUSED'));
const broken: QuotaStore = { consume: down, settle: down };

/** What the stage reads of a request: an anonymous caller from 192.0.2.1, estimated at 5. */
function request(): Operation {
  return testOperation('{ me }', { context: { report: { errorCodes: [], cost: { estimated: 5 } } } });
}

/** Runs the quota plugin alone on one operation: the refusal it throws, if any. */
async function run(plugin: ReturnType<typeof useQuotas>['quota']) {
  const started = await createPipeline([plugin]).start(request());
  if (started.refused) throw started.refused;
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { lines, logger };
}

describe('the quota stage when the quota store fails', () => {
  it('refuses with 503 SERVICE_UNAVAILABLE when onStoreError is closed, and logs it once', async () => {
    const { lines, logger } = capture();
    const { quota } = useQuotas({ cost, store: withQuotaFailover(broken, createMemoryQuotas(), 'closed', logger) });
    for (let i = 0; i < 2; i++) {
      const refused = await run(quota).catch((error: { extensions: Record<string, any> }) => error);
      expect(refused).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } } });
    }
    expect(lines.filter((l) => l.msg === 'quota store failed')).toHaveLength(1);
  });

  it('counts on the local store when open: the quota still holds on this replica', async () => {
    const { logger } = capture();
    const { quota } = useQuotas({ cost, store: withQuotaFailover(broken, createMemoryQuotas(), 'open', logger) });
    await run(quota);
    await expect(run(quota)).rejects.toMatchObject({ extensions: { code: 'QUOTA_EXCEEDED' } });
  });
});

describe('the usage recorder', () => {
  const report = (client: string, extra: Partial<RequestReport> = {}): RequestReport => ({ client, plan: 'default', errorCodes: [], cost: { estimated: 4, actual: 3 }, ...extra });

  it('counts a request as ok, throttled (429) or refused (another 4xx), for keys and subjects, not addresses', async () => {
    const store = createMemoryUsage();
    const now = Date.UTC(2026, 11, 1, 23, 59);
    const record = createUsageRecorder(store, new Registry(), pino({ level: 'silent' }), () => now);
    record(report('key:k1'), 200);
    record(report('key:k1', { cost: { estimated: 4 } }), 429);
    record(report('key:k1', { cost: { estimated: 4000 } }), 400);
    record(report('ip:192.0.2.1'), 200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await store.read('key:k1', '2026-12-01', '2026-12-01')).toEqual([{ date: '2026-12-01', requests: 3, points: 3, throttled: 1, refused: 1 }]);
    expect(await store.read('ip:192.0.2.1', '2026-12-01', '2026-12-01')).toEqual([{ date: '2026-12-01', requests: 0, points: 0, throttled: 0, refused: 0 }]);
  });

  it('never fails a request when its store fails, and logs the failure once', async () => {
    const { lines, logger } = capture();
    const failing: UsageStore = { add: down, read: down };
    const record = createUsageRecorder(failing, new Registry(), logger);
    expect(() => record(report('key:k1'), 200)).not.toThrow();
    record(report('key:k1'), 200);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.filter((l) => String(l.msg).startsWith('usage store failed'))).toHaveLength(1);
  });
});
