/** What the cost stage reports of a client's budget in `extensions.cost.throttleStatus`. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

function isThrottleStatus(value: unknown): value is ThrottleStatus {
  const status = value as Partial<ThrottleStatus> | undefined;
  return typeof status?.maximumAvailable === 'number' && typeof status.currentlyAvailable === 'number' && typeof status.restoreRate === 'number';
}

/**
 * The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers, the three-field form most
 * clients read) for a token bucket: the burst, the points left (never below zero, though a charge
 * above the estimate may leave the bucket below it), and the seconds until it is full again.
 */
export function rateLimitHeaders(throttleStatus: unknown): Record<string, string> | undefined {
  if (!isThrottleStatus(throttleStatus)) return undefined;
  const { maximumAvailable, currentlyAvailable, restoreRate } = throttleStatus;
  const missing = Math.max(0, maximumAvailable - currentlyAvailable);
  return {
    'ratelimit-limit': String(Math.floor(maximumAvailable)),
    'ratelimit-remaining': String(Math.max(0, Math.floor(currentlyAvailable))),
    'ratelimit-reset': String(Math.ceil(missing / restoreRate)),
  };
}
