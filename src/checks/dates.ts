// Date arithmetic against the facts' own clock (facts.context.now), so checks stay pure and repeatable.

const DAY_MS = 86_400_000;

/** Whole days from `now` until `when` (negative when past); undefined when either is not a date. */
export function daysUntil(when: string | undefined, now: string): number | undefined {
  if (!when) return undefined;
  const t = Date.parse(when);
  const n = Date.parse(now);
  if (Number.isNaN(t) || Number.isNaN(n)) return undefined;
  return Math.floor((t - n) / DAY_MS);
}

/** Certificates expiring within this many days get a warning. */
export const EXPIRY_WARNING_DAYS = 30;
