// The plain report for `apimkv check` and non-TTY use: text for people, JSON for pipelines. No Ink here.
import { shellQuote, terminalText as t } from '../checks/escape.ts';
import type { Finding, FixPlan, Status } from '../checks/types.ts';
import type { Evaluation, RunContext } from './engine-types.ts';
import type { Target } from '../checks/ports.ts';
import { parseResourceId } from '../checks/resource-id.ts';
import { roleGuid } from '../checks/roles.ts';
import { OPERATIONS } from '../checks/operations/index.ts';
import { PRINCIPAL_PLACEHOLDER, type ScriptPlan } from './plan-ahead.ts';

const WORD: Record<Status, string> = {
  pass: '✔ pass',
  warn: '▲ warn',
  fail: '✖ fail',
  unknown: '? unknown',
  skipped: '- skipped',
  info: 'i info',
};

/** Exit codes of the non-interactive commands (documented in --help and the README). */
export const EXIT = { ok: 0, findings: 1, error: 2 } as const;

/** 0 when nothing fails (warnings are advice), 1 when a check fails or could not be checked. */
export function exitCodeFor(findings: Finding[]): number {
  return findings.some((f) => f.status === 'fail' || f.status === 'unknown') ? EXIT.findings : EXIT.ok;
}

/**
 * The plans as a bash script of their az equivalents, for review or a change ticket. Names come from Azure,
 * so comments hold generated text only; anything naming a resource is a single-quoted argument (of printf,
 * which also tells the operator running the script where it is).
 */
export function azScript(plans: ScriptPlan[], context: RunContext, now = new Date()): string {
  // What the script tells while it runs is for a terminal: inert and one line, like every report line.
  const say = (text: string) => `printf '%s\\n' ${shellQuote(t(text))}`;
  const out = [
    '#!/usr/bin/env bash',
    `# apimkv fix plan${context.sandbox ? ' (SANDBOX)' : ''}, generated ${now.toISOString()}; review before running.`,
    '# apimkv itself re-reads, uses If-Match and verifies.',
    'set -euo pipefail',
    say(`apimkv fix plan for ${context.apimName} + ${context.vaultName} (subscription ${context.subscriptionId})`),
  ];
  let granted = false;
  let stopped = false;
  for (const plan of plans) {
    out.push('', `# ${/^[A-Z0-9-]+$/.test(plan.checkId) ? plan.checkId : 'fix'}`, say(`${plan.checkId}: ${plan.title}`));
    if (plan.requiredRoles.length) out.push(say(`needs: ${plan.requiredRoles.map((r) => `${r.role} on ${r.scope}`).join('; ')}`));
    if (plan.disruption) out.push(say(`disruption: ${plan.disruption}`));
    if (plan.denied && !stopped) {
      // apimkv does not send a write a deny assignment refuses, and stops there (later fixes build on earlier ones):
      // the script does the same. Its lines stay for review, commented out (each is one line: controls are escaped).
      out.push(
        `${say(`apimkv will not send this fix: ${plan.denied.message}`)} >&2`,
        ...plan.az.map((line) => `# ${line}`),
        'exit 1',
        '# Not reached: apimkv stops at a refused fix, as this script does. The plans below are for review.',
      );
      stopped = true;
      continue;
    }
    let lines = plan.az;
    if (plan.principalAtRunTime) {
      const { name, resourceGroup } = parseResourceId(plan.principalAtRunTime.apimId);
      out.push(
        '# For the system-assigned identity enabled above: its principal id exists only from then on, so it is read here.',
        `principal_id=$(az apim show --resource-group ${shellQuote(resourceGroup ?? '')} --name ${shellQuote(name)} --query identity.principalId --output tsv)`,
        'test -n "$principal_id"',
      );
      plan.operations.forEach((op, i) => {
        if (op.kind !== 'roleAssignment.create' || op.principalId !== PRINCIPAL_PLACEHOLDER) return;
        // apimkv names an assignment uuid5(URL namespace, "apimkv:scope|principal|role"): the same name, computed here.
        const variable = `assignment_name_${i}`;
        const name = `apimkv:${op.scope}|${PRINCIPAL_PLACEHOLDER}|${roleGuid(op.roleDefinitionId)}`;
        out.push(
          spliceVariable(
            `${variable}=$(python3 -c 'import sys, uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, sys.argv[1].lower()))' ${shellQuote(name)})`,
            PRINCIPAL_PLACEHOLDER,
            'principal_id',
          ),
        );
        lines = lines.map((line) => spliceVariable(line, op.name, variable));
      });
      lines = lines.map((line) => spliceVariable(line, PRINCIPAL_PLACEHOLDER, 'principal_id'));
    }
    if (granted && plan.operations.every((op) => OPERATIONS[op.kind].refetchesSecret)) out.push(...lines.flatMap(retriedRefresh));
    else out.push(...lines);
    granted ||= plan.propagation === 'rbac';
  }
  return `${out.join('\n')}\n`;
}

/**
 * A refresh after a role grant, retried as apimkv retries it: Azure RBAC can take minutes to honour a new
 * assignment (https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---role-assignment-changes-are-not-being-detected),
 * and API Management answers a refresh with 200 whatever its fetch met, the outcome in keyVault.lastStatus.
 */
function retriedRefresh(line: string): string[] {
  return [
    '# Azure RBAC can take up to 10 minutes to honour the role assignment above: retry until API Management reads the secret.',
    'status=',
    'for wait in 0 5 10 20 40 60 60 60 60 60 60 60; do',
    '  sleep "$wait"',
    `  status=$(${line} --query properties.keyVault.lastStatus.code --output tsv)`,
    '  if [ "$status" = Success ]; then break; fi',
    'done',
    `if [ "$status" != Success ]; then printf '%s\\n' "refresh: API Management could not read the secret ($status)" >&2; exit 1; fi`,
  ];
}

/**
 * `line` with every `placeholder` read from `$variable` instead: double-quoted where it stood unquoted, spliced
 * out of and back into single quotes where it stood inside them (shellQuote's only quoting).
 */
export function spliceVariable(line: string, placeholder: string, variable: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < line.length;) {
    if (line.startsWith(placeholder, i)) {
      out += quoted ? `'"\${${variable}}"'` : `"\${${variable}}"`;
      i += placeholder.length;
      continue;
    }
    const ch = line[i]!;
    if (!quoted && ch === '\\') {
      out += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (!quoted && ch === '$' && line[i + 1] === "'") {
      // ANSI-C quoting ($'\xNN'): copied through to its closing quote; it never holds the placeholder.
      const end = line.indexOf("'", i + 2);
      out += line.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (ch === "'") quoted = !quoted;
    out += ch;
    i++;
  }
  return out;
}

/** How --plan prints plans. */
export type PlanFormat = 'az' | 'bicep' | 'terraform';

/**
 * The plans as one Bicep or Terraform file of their template changes (exactly the properties each plan writes),
 * each under a comment with its check, its ownership evidence and, when a stack's deny refuses it, why.
 */
export function templateScript(plans: FixPlan[], context: RunContext, language: 'bicep' | 'terraform', now = new Date()): string {
  const c = (text: string) => `${language === 'bicep' ? '//' : '#'} ${t(text)}`;
  const out = [
    c(
      `apimkv fix plan for ${context.apimName} + ${context.vaultName} (subscription ${context.subscriptionId}${context.sandbox ? ', SANDBOX' : ''}), generated ${now.toISOString()}`,
    ),
    c('Exactly the properties each fix changes: merge them into the declarations your templates already have.'),
  ];
  for (const plan of plans) {
    out.push('', c(`${plan.checkId}: ${plan.title}`));
    for (const line of plan.ownership ?? []) out.push(c(line));
    if (plan.denied) out.push(c(`apimkv will not send this fix: ${plan.denied.message}`));
    out.push(plan.templates?.[language] ?? c('(no template form)'));
  }
  return `${out.join('\n')}\n`;
}

export function summary(findings: Finding[]): Record<Status, number> {
  const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0, unknown: 0, skipped: 0, info: 0 };
  for (const f of findings) counts[f.status]++;
  return counts;
}

export function formatReport(evaluation: Evaluation, context: RunContext): string {
  const out: string[] = [
    t(
      `apimkv check — ${context.apimName} + ${context.vaultName} (${context.cloud}${context.sandbox ? ', SANDBOX' : ''}, subscription ${context.subscriptionId})`,
    ),
    '',
  ];
  // One missing read leaves many checks unknown for the same reason: say it once, then point back to it.
  const firstWithCause = new Map<string, string>();
  for (const step of evaluation.steps) {
    const findings = evaluation.findings.filter((f) => f.step === step.id);
    if (findings.length === 0) continue;
    out.push(`${step.title}`);
    for (const f of findings) {
      out.push(`  ${WORD[f.status].padEnd(10)} ${t(f.checkId).padEnd(20)} ${t(f.title)}`);
      const same = f.status === 'unknown' ? firstWithCause.get(f.cause) : undefined;
      if (same) {
        out.push(`             ${t(f.cause.split(' (')[0])}: see ${t(same)}`);
        continue;
      }
      if (f.status === 'unknown') firstWithCause.set(f.cause, f.checkId);
      if (f.status !== 'pass' && f.status !== 'skipped') {
        out.push(`             ${t(f.cause)}`);
        for (const e of f.evidence.slice(0, 4)) out.push(`             · ${t(e)}`);
        if (f.missingAction) out.push(`             missing permission: ${t(f.missingAction)}`);
        if (f.fix) out.push(`             fix: apimkv fix ${t(f.checkId)}   (${t(f.fix.title)})`);
      }
    }
    out.push('');
  }
  const s = summary(evaluation.findings);
  out.push(
    `${s.pass} passed, ${s.fail} failed, ${s.warn} warnings, ${s.unknown} unknown, ${s.skipped} skipped (${evaluation.gatherMs} ms)`,
  );
  return out.join('\n');
}

export function formatPlan(plan: FixPlan): string {
  const out = [t(`Fix ${plan.checkId}: ${plan.title}`)];
  for (const p of plan.preview) {
    out.push(`  ${p.method} ${t(p.path)}`);
    for (const d of p.diff) out.push(`    ${t(d)}`);
  }
  if (plan.az.length) out.push('  az equivalent:', ...plan.az.map((l) => `    ${t(l)}`));
  if (plan.ownership?.length) out.push('  ownership (evidence, not certainty):', ...plan.ownership.map((l) => `    ${t(l)}`));
  if (plan.denied) out.push(`  refused before sending: ${t(plan.denied.message)}`);
  if (plan.requiredRoles.length) out.push(t(`  needs: ${plan.requiredRoles.map((r) => `${r.role} on ${r.scope}`).join('; ')}`));
  if (plan.disruption) out.push(`  disruption: ${t(plan.disruption)}`);
  if (plan.temporary) out.push('  temporary: recorded in the journal; remove it with "apimkv cleanup" when you are done');
  return out.join('\n');
}

/** Bumped on any incompatible change to the JSON report (docs/report.schema.json). */
export const REPORT_SCHEMA_VERSION = 1;

export function reportJson(evaluation: Evaluation, context: RunContext, target: Target): string {
  return JSON.stringify(
    {
      schemaVersion: REPORT_SCHEMA_VERSION,
      tool: 'apimkv',
      target: {
        subscriptionId: target.subscriptionId,
        resourceGroup: target.apim.resourceGroup,
        service: target.apim.name,
        vault: target.vault.name,
        ...(target.vault.resourceGroup ? { vaultResourceGroup: target.vault.resourceGroup } : {}),
        ...(target.vault.subscriptionId && target.vault.subscriptionId !== target.subscriptionId
          ? { vaultSubscriptionId: target.vault.subscriptionId }
          : {}),
      },
      context: { cloud: context.cloud, sandbox: context.sandbox, readOnly: context.readOnly },
      summary: summary(evaluation.findings),
      journal: { notes: evaluation.journalNotes, temporaryChanges: evaluation.facts.temporaryChanges },
      findings: evaluation.findings.map((f) => ({
        ...f,
        fix: f.fix
          ? {
              id: f.fix.id,
              title: f.fix.title,
              preview: f.fix.preview,
              az: f.fix.az,
              requiredRoles: f.fix.requiredRoles,
              disruption: f.fix.disruption,
              temporary: f.fix.temporary,
              bicep: f.fix.templates?.bicep,
              terraform: f.fix.templates?.terraform,
              ownership: f.fix.ownership,
              denied: f.fix.denied,
            }
          : undefined,
      })),
      gatherMs: evaluation.gatherMs,
    },
    null,
    2,
  );
}
