// Run every check, in the runbook's order. Pure: the same facts always give the same findings.
import { accessChecks } from './access.ts';
import { certificateChecks } from './certificate.ts';
import { contextChecks } from './context.ts';
import type { Facts } from './facts.ts';
import { firewallChecks } from './firewall.ts';
import { networkChecks } from './network.ts';
import { prerequisiteChecks } from './prerequisites.ts';
import type { Finding } from './types.ts';
import { uploadChecks } from './upload.ts';

export function runChecks(facts: Facts): Finding[] {
  const earlier = [...contextChecks(facts), ...prerequisiteChecks(facts), ...accessChecks(facts), ...firewallChecks(facts), ...networkChecks(facts)];
  return [...earlier, ...certificateChecks(facts, earlier), ...uploadChecks(facts)];
}

export { STEPS } from './steps.ts';
