// Non-interactive commands: check, fix, cleanup. They print plain text (or JSON) and never load Ink.
import { writeFileSync } from 'node:fs';
import type { CommonOptions } from '../cli-args.ts';
import type { FixPlan } from '../checks/types.ts';
import { connect } from './connect.ts';
import type { RunbookEngine } from './engine-types.ts';
import { exitCodeFor, formatPlan, formatReport, reportJson } from './report.ts';

const out = (s: string) => process.stdout.write(`${s}\n`);
const err = (s: string) => process.stderr.write(`${s}\n`);

function saveTranscript(engine: RunbookEngine, options: CommonOptions): void {
  if (options.transcript) writeFileSync(options.transcript, engine.transcript(), { mode: 0o600 });
}

export async function runCheck(options: CommonOptions): Promise<number> {
  const { engine, close } = await connect(options, { interactive: false });
  try {
    const evaluation = await engine.evaluate();
    out(options.json ? reportJson(evaluation, engine.context) : formatReport(evaluation, engine.context));
    const pending = engine.temporaryChanges();
    if (pending.length && !options.json) err(`\nTemporary changes still in place: ${pending.map((c) => c.value).join(', ')} — remove them with "apimkv cleanup".`);
    saveTranscript(engine, options);
    return exitCodeFor(evaluation.findings);
  } finally {
    await close();
  }
}

async function applyPlans(engine: RunbookEngine, plans: FixPlan[], options: CommonOptions): Promise<boolean> {
  let allOk = true;
  for (const plan of plans) {
    out(formatPlan(plan));
    if (!options.yes) continue;
    const outcome = await engine.apply(plan, {
      onProgress: (p) => err(`  … ${p.message}`),
    });
    out(`  => ${outcome.message}\n`);
    allOk &&= outcome.ok;
    if (!outcome.ok) break;
  }
  return allOk;
}

export async function runFix(checkId: string, options: CommonOptions): Promise<number> {
  const { engine, close } = await connect(options, { interactive: false });
  try {
    const evaluation = await engine.evaluate();
    const candidates = evaluation.findings.filter((f) => f.fix && (f.status === 'fail' || f.status === 'warn' || f.status === 'unknown'));
    const chosen = checkId === 'all' ? candidates : candidates.filter((f) => f.checkId === checkId);
    if (chosen.length === 0) {
      const known = evaluation.findings.find((f) => f.checkId === checkId);
      err(known ? `${checkId} is ${known.status}: nothing to fix.` : `No check named ${checkId}. Run "apimkv check" to see the check ids.`);
      return known ? 0 : 64;
    }
    const ok = await applyPlans(engine, chosen.map((f) => f.fix!), options);
    if (!options.yes) err('\nNothing was changed. Run again with --yes to apply (each plan is re-read and verified).');
    saveTranscript(engine, options);
    return ok ? 0 : 2;
  } finally {
    await close();
  }
}

export async function runCleanup(options: CommonOptions): Promise<number> {
  const { engine, close } = await connect(options, { interactive: false });
  try {
    const evaluation = await engine.evaluate();
    const cleanup = evaluation.findings.filter((f) => f.checkId === 'FW-CLIENTIP-CLEANUP' && f.fix);
    if (cleanup.length === 0) {
      out('No temporary changes to remove.');
      return 0;
    }
    const ok = await applyPlans(engine, cleanup.map((f) => f.fix!), options);
    if (!options.yes) err('\nNothing was changed. Run again with --yes to remove them.');
    saveTranscript(engine, options);
    return ok ? 0 : 2;
  } finally {
    await close();
  }
}
