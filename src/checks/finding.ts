// Small builders so every check states status, title, cause and evidence the same way.
import type { Fact } from './facts.ts';
import { stepDoc } from './steps.ts';
import type { Finding, FixPlan, Status, StepId } from './types.ts';

/** Optional parts of a finding. */
export interface FindingExtras {
  evidence?: string[];
  fix?: FixPlan;
  docLink?: string;
  missingAction?: string;
}

export function finding(checkId: string, step: StepId, status: Status, title: string, cause: string, extras: FindingExtras = {}): Finding {
  return {
    checkId,
    step,
    status,
    title,
    cause,
    evidence: extras.evidence ?? [],
    docLink: extras.docLink ?? stepDoc(step),
    ...(extras.fix ? { fix: extras.fix } : {}),
    ...(extras.missingAction ? { missingAction: extras.missingAction } : {}),
  };
}

/** A fact that failed to read, as the `unknown` finding of a check that needs it (never a guess). */
export function unknownFinding(
  checkId: string,
  step: StepId,
  title: string,
  what: string,
  fact: Extract<Fact<unknown>, { ok: false }>,
): Finding {
  const reason =
    fact.unknown === 'Forbidden'
      ? 'you are not allowed to read it'
      : fact.unknown === 'NotFound'
        ? 'it was not found'
        : fact.unknown === 'Throttled'
          ? 'Azure throttled the read'
          : fact.unknown === 'Network'
            ? 'the request did not get through'
            : 'the read failed';
  return finding(checkId, step, 'unknown', title, `Could not check: ${what} could not be read (${reason}: ${fact.message}).`, {
    evidence: [`${what}: ${fact.unknown}`, ...(fact.from ? [`resource: ${fact.from.resourceId}`] : [])],
    missingAction: fact.missingAction,
  });
}

/** A finding for a check that does not apply here, with the reason. */
export function skipped(checkId: string, step: StepId, title: string, reason: string): Finding {
  return finding(checkId, step, 'skipped', title, reason);
}
