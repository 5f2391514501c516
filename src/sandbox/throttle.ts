// ARM's request throttling: a token bucket per subscription and principal for reads and one for writes
// (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling:
// 250 reads refilled 25 per second, 200 writes refilled 10 per second), remaining tokens in the
// x-ms-ratelimit-remaining-subscription-reads|writes headers, and 429 with Retry-After when a bucket is empty.
import { ArmError } from './http.ts';
import type { BucketSettings, ThrottleSettings } from './types.ts';

export type { BucketSettings, ThrottleSettings } from './types.ts';

export const ARM_READS: BucketSettings = { capacity: 250, refillPerSecond: 25 };
export const ARM_WRITES: BucketSettings = { capacity: 200, refillPerSecond: 10 };

interface Bucket {
  tokens: number;
  at: number;
}

export class ArmThrottle {
  private readonly buckets = new Map<string, Bucket>();
  private readonly reads: BucketSettings;
  private readonly writes: BucketSettings;

  constructor(
    private readonly clock: () => number,
    settings: ThrottleSettings = {},
  ) {
    this.reads = settings.reads ?? ARM_READS;
    this.writes = settings.writes ?? ARM_WRITES;
  }

  /** Take one token for this request; the headers to answer with, or ARM's 429 when the bucket is empty. */
  take(subscriptionId: string, principalId: string, method: string): Record<string, string> {
    const kind = method === 'GET' || method === 'HEAD' ? 'reads' : 'writes';
    const settings = kind === 'reads' ? this.reads : this.writes;
    const key = `${subscriptionId.toLowerCase()}|${principalId.toLowerCase()}|${kind}`;
    const now = this.clock();
    const bucket = this.buckets.get(key) ?? { tokens: settings.capacity, at: now };
    bucket.tokens = Math.min(settings.capacity, bucket.tokens + ((now - bucket.at) / 1000) * settings.refillPerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    const header = `x-ms-ratelimit-remaining-subscription-${kind}`;
    if (bucket.tokens < 1) {
      const waitS = Math.max(1, Math.ceil((1 - bucket.tokens) / settings.refillPerSecond));
      throw new ArmError(
        429,
        'SubscriptionRequestsThrottled',
        `Number of '${kind === 'reads' ? 'read' : 'write'}' requests for subscription '${subscriptionId}' actor '${principalId}' exceeded. Please try again after '${waitS}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling`,
        {},
        { 'Retry-After': String(waitS), [header]: '0' },
      );
    }
    bucket.tokens -= 1;
    return { [header]: String(Math.floor(bucket.tokens)) };
  }
}
