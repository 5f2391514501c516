// The plain report for `apimkv check` and non-TTY use: text for people, JSON for pipelines. No Ink here.
import type { Finding, FixPlan, Status } from '../checks/types.ts';
import type { Evaluation, RunContext } from './engine-types.ts';

const WORD: Record<Status, string> = { pass: '✔ pass', warn: '▲ warn', fail: '✖ fail', unknown: '? unknown', skipped: '- skipped', info: 'i info' };

/** 0 clean, 1 warnings, 2 failures or unknowns. */
export function exitCodeFor(findings: Finding[]): number {
  if (findings.some((f) => f.status === 'fail' || f.status === 'unknown')) return 2;
  if (findings.some((f) => f.status === 'warn')) return 1;
  return 0;
}

export function summary(findings: Finding[]): Record<Status, number> {
  const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0, unknown: 0, skipped: 0, info: 0 };
  for (const f of findings) counts[f.status]++;
  return counts;
}

export function formatReport(evaluation: Evaluation, context: RunContext): string {
  const out: string[] = [
    `apimkv check — ${context.apimName} + ${context.vaultName} (${context.cloud}${context.sandbox ? ', SANDBOX' : ''}, subscription ${context.subscriptionId})`,
    '',
  ];
  for (const step of evaluation.steps) {
    const findings = evaluation.findings.filter((f) => f.step === step.id);
    if (findings.length === 0) continue;
    out.push(`${step.title}`);
    for (const f of findings) {
      out.push(`  ${WORD[f.status].padEnd(10)} ${f.checkId.padEnd(20)} ${f.title}`);
      if (f.status !== 'pass' && f.status !== 'skipped') {
        out.push(`             ${f.cause}`);
        for (const e of f.evidence.slice(0, 4)) out.push(`             · ${e}`);
        if (f.missingAction) out.push(`             missing permission: ${f.missingAction}`);
        if (f.fix) out.push(`             fix: apimkv fix ${f.checkId}   (${f.fix.title})`);
      }
    }
    out.push('');
  }
  const s = summary(evaluation.findings);
  out.push(`${s.pass} passed, ${s.fail} failed, ${s.warn} warnings, ${s.unknown} unknown, ${s.skipped} skipped (${evaluation.gatherMs} ms)`);
  return out.join('\n');
}

export function formatPlan(plan: FixPlan): string {
  const out = [`Fix ${plan.checkId}: ${plan.title}`];
  for (const p of plan.preview) {
    out.push(`  ${p.method} ${p.path}`);
    for (const d of p.diff) out.push(`    ${d}`);
  }
  if (plan.az.length) out.push('  az equivalent:', ...plan.az.map((l) => `    ${l}`));
  if (plan.requiredRoles.length) out.push(`  needs: ${plan.requiredRoles.map((r) => `${r.role} on ${r.scope}`).join('; ')}`);
  if (plan.disruption) out.push(`  disruption: ${plan.disruption}`);
  if (plan.temporary) out.push('  temporary: recorded in the journal; remove it with "apimkv cleanup" when you are done');
  return out.join('\n');
}

export function reportJson(evaluation: Evaluation, context: RunContext): string {
  return JSON.stringify(
    {
      context,
      summary: summary(evaluation.findings),
      findings: evaluation.findings.map((f) => ({ ...f, fix: f.fix ? { id: f.fix.id, title: f.fix.title, preview: f.fix.preview, az: f.fix.az, requiredRoles: f.fix.requiredRoles, disruption: f.fix.disruption, temporary: f.fix.temporary } : undefined })),
      gatherMs: evaluation.gatherMs,
    },
    null,
    2,
  );
}
