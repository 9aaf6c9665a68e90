/** One client's use on one UTC day. */
export interface UsageCounts {
  /** GraphQL requests that reached the gateway's stages. */
  requests: number;
  /** Cost points spent: the actual cost of what was answered. */
  points: number;
  /** Answered 429: budget, rate limit or quota. */
  throttled: number;
  /** Refused with another 4xx by a stage (cost ceiling, document limits, authorization in reject mode...). */
  refused: number;
}

export interface UsageDay extends UsageCounts {
  /** YYYY-MM-DD, UTC. */
  date: string;
}

/** Usage per client and per UTC day (kept `usage.retentionDays`). */
export interface UsageStore {
  add(client: string, date: string, counts: UsageCounts): Promise<void>;
  /** Every day from `from` to `to` (inclusive, YYYY-MM-DD), days without use as zeros. */
  read(client: string, from: string, to: string): Promise<UsageDay[]>;
}

const DAY = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const FIELDS = ['requests', 'points', 'throttled', 'refused'] as const;
export const zero = (): UsageCounts => ({ requests: 0, points: 0, throttled: 0, refused: 0 });

/** The UTC date of a time, YYYY-MM-DD. */
export const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A real calendar date written YYYY-MM-DD, as milliseconds; undefined otherwise. */
export function parseDate(text: string): number | undefined {
  if (!DATE.test(text)) return undefined;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isNaN(ms) || utcDate(ms) !== text ? undefined : ms;
}

/** The dates from `from` to `to`, inclusive (both valid YYYY-MM-DD). */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let ms = parseDate(from)!, end = parseDate(to)!; ms <= end; ms += DAY) dates.push(utcDate(ms));
  return dates;
}

/** Longest range one read may span. */
export const MAX_DAYS = 366;

/**
 * A usage query's range: both dates default (`to` today, `from` 29 days earlier: 30 days); a bad date,
 * `from` after `to`, or more than MAX_DAYS days is an error message.
 */
export function usageRange(from: string | undefined, to: string | undefined, now: number): { from: string; to: string } | { error: string } {
  const end = to === undefined ? parseDate(utcDate(now)) : parseDate(to);
  if (end === undefined) return { error: '"to" must be a date, YYYY-MM-DD' };
  const start = from === undefined ? end - 29 * DAY : parseDate(from);
  if (start === undefined) return { error: '"from" must be a date, YYYY-MM-DD' };
  if (start > end) return { error: '"from" is after "to"' };
  if ((end - start) / DAY + 1 > MAX_DAYS) return { error: `at most ${MAX_DAYS} days at once` };
  return { from: utcDate(start), to: utcDate(end) };
}

export function totalOf(days: UsageDay[]): UsageCounts {
  const total = zero();
  for (const day of days) for (const field of FIELDS) total[field] += day[field];
  return total;
}
