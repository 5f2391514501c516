// Non-interactive commands: check, fix, add-cert, upload-cert, cleanup. They print plain text (or JSON)
// and never load Ink. Every command reads first; nothing is written without --yes.
import { basename } from 'node:path';
import type { CertificateOptions } from '../cli-args.ts';
import type { RunConfig } from './run-config.ts';
import { terminalText as t, visible } from '../checks/escape.ts';
import { InputError } from '../error-model.ts';
import { certificateIdProblem, suggestedCertificateId } from '../checks/input-rules.ts';
import type { CertificateIntent, Facts } from '../checks/facts.ts';
import { parseSecretIdentifier } from '../checks/identifiers.ts';
import type { Secret } from '../checks/secret.ts';
import type { Finding, FixPlan } from '../checks/types.ts';
import { connect } from './connect.ts';
import type { Evaluation, RunbookEngine } from '../runbook/engine-types.ts';
import { fixableInOrder, markTried, nextFix, planKey, type Tried } from '../runbook/fix-sequence.ts';
import { planAhead } from '../runbook/plan-ahead.ts';
import { readPassword } from '../runbook/password.ts';
import { checkPfxFile } from '../runbook/pfx.ts';
import { azScript, EXIT, exitCodeFor, formatPlan, formatReport, reportJson, templateScript, type PlanFormat } from '../runbook/report.ts';

// Every line may quote Azure (names, messages): nothing active reaches the terminal, whatever the caller did.
const out = (s: string) => process.stdout.write(`${visible(s)}\n`);
const err = (s: string) => process.stderr.write(`${visible(s)}\n`);

async function withEngine(config: RunConfig, run: (engine: RunbookEngine) => Promise<number>): Promise<number> {
  const { engine, close } = await connect(config, { interactive: false });
  try {
    return await run(engine);
  } finally {
    if (config.transcript) engine.saveTranscript();
    await close();
  }
}

function remindTemporary(engine: RunbookEngine): void {
  const pending = engine.temporaryChanges();
  if (pending.length)
    err(
      `\nTemporary changes still in place: ${t(pending.map((c) => c.value).join(', '))}. Remove them with "apimkv cleanup --yes" when you are done.`,
    );
}

export function runCheck(config: RunConfig): Promise<number> {
  return withEngine(config, async (engine) => {
    const evaluation = await engine.evaluate();
    if (!config.output.json) for (const note of evaluation.journalNotes) err(`journal: ${t(note)}`);
    // JSON stays exact (a pipeline must see Azure's own value); the plain report is escaped line by line.
    if (config.output.json) process.stdout.write(`${reportJson(evaluation, engine.context, engine.target)}\n`);
    else out(formatReport(evaluation, engine.context));
    if (!config.output.json) remindTemporary(engine);
    return exitCodeFor(evaluation.findings);
  });
}

/**
 * Apply fixes one at a time, each taken from the latest evaluation: a fix changes the world, so later plans
 * change too (a grant can only be planned once the identity exists; two NSG rules must not claim the same
 * free priority). `pick` chooses the next finding to fix; a plan is never tried twice.
 */
async function applyInOrder(
  engine: RunbookEngine,
  first: Evaluation,
  pick: (e: Evaluation, tried: Tried) => Finding | undefined,
): Promise<{ ok: boolean; evaluation: Evaluation }> {
  let evaluation = first;
  let tried: Tried = { checks: [], plans: [] };
  for (let next = pick(evaluation, tried); next?.fix; next = pick(evaluation, tried)) {
    tried = markTried(tried, next.fix);
    out(formatPlan(next.fix));
    const outcome = await engine.apply(next.fix, { onProgress: (p) => err(`  … ${t(p.message)}`) });
    out(`  => ${t(outcome.message)}`);
    out('');
    // Later fixes often build on this one (an identity before its grant): stop rather than pile up errors.
    if (!outcome.ok) return { ok: false, evaluation };
    evaluation = outcome.evaluation ?? (await engine.evaluate());
  }
  return { ok: true, evaluation };
}

/** These checks, in this order, whatever their status (a temporary IP rule is info, not a failure). */
const namedChecks = (ids: string[]) => (e: Evaluation, tried: Tried) =>
  ids
    .filter((id) => !tried.checks.includes(id))
    .map((id) => e.findings.find((f) => f.checkId === id))
    .find((f) => f?.fix && !tried.plans.includes(planKey(f.fix)));

/** Print plans without applying them: as previews, or (--plan) as an az script, Bicep or Terraform. */
function showPlans(engine: RunbookEngine, plans: FixPlan[], asScript: boolean, format: PlanFormat = 'az', evaluation?: Evaluation): number {
  if (asScript && format !== 'az') {
    process.stdout.write(templateScript(plans, engine.context, format));
    err(
      `\n${plans.length} plan(s) printed as ${format === 'bicep' ? 'Bicep' : 'Terraform'}; nothing was changed. Put each change into the template that deploys the resource, or the next deployment reverts the fix.`,
    );
  } else if (asScript) {
    // The script runs every plan in one go: it also carries the grants that need the identity an earlier plan enables.
    const scripted = evaluation ? planAhead(evaluation, plans) : plans;
    process.stdout.write(azScript(scripted, engine.context));
    const ahead = scripted.length - plans.length;
    // A soft-deleted vault shows only its id, location, dates and purge protection (Vaults_GetDeleted): its access
    // model and network rules, and so the fixes after its recovery, can only be planned once it is back.
    const recovers = plans.some((p) => p.operations.some((op) => op.kind === 'vault.recover'));
    err(
      `\n${scripted.length} plan(s) printed as an az script${ahead ? ` (${ahead} of them for the identity an earlier step enables, read when the script runs)` : ''}; nothing was changed. Later steps assume the earlier ones were applied.${recovers ? ' The script recovers the soft-deleted key vault: its access settings cannot be read before that, so run fix --plan again once it is back for what follows.' : ''}`,
    );
  } else {
    for (const plan of plans) out(`${formatPlan(plan)}\n`);
    err(
      'Nothing was changed. Run again with --yes to apply (each fix is re-read, written with If-Match where Azure offers it, and verified).',
    );
  }
  return EXIT.ok;
}

export function runFix(checkIds: string[], plan: boolean, config: RunConfig, format: PlanFormat = 'az'): Promise<number> {
  return withEngine(config, async (engine) => {
    const evaluation = await engine.evaluate();
    const unknownIds = checkIds.filter((id) => !evaluation.findings.some((f) => f.checkId === id));
    if (unknownIds.length) throw new InputError(`No check named ${unknownIds.join(', ')}. "apimkv check" lists the check ids.`);
    // Named checks: whatever they offer (a temporary IP rule is info, not a failure). Otherwise: what fails.
    const candidates = checkIds.length
      ? checkIds.map((id) => evaluation.findings.find((f) => f.checkId === id)!).filter((f) => f.fix)
      : fixableInOrder(evaluation);
    // Two checks can ask for the same change (PRE-MI and FW-IDENTITY both enable the system identity).
    const seen = new Set<string>();
    const chosen = candidates.filter((f) => !seen.has(planKey(f.fix!)) && !!seen.add(planKey(f.fix!)));
    for (const id of checkIds) {
      const f = evaluation.findings.find((x) => x.checkId === id)!;
      if (!f.fix) err(`${id} is ${f.status}: it offers no fix.`);
    }
    if (chosen.length === 0) {
      out(checkIds.length ? 'Nothing to fix.' : 'Nothing failing has a fix. "apimkv check" shows the full report.');
      return exitCodeFor(evaluation.findings);
    }
    if (!config.output.yes)
      return showPlans(
        engine,
        chosen.map((f) => f.fix!),
        plan,
        format,
        evaluation,
      );
    const result = await applyInOrder(engine, evaluation, checkIds.length ? namedChecks(checkIds) : nextFix);
    remindTemporary(engine);
    return result.ok ? exitCodeFor(result.evaluation.findings) : EXIT.findings;
  });
}

/** The identity the certificate is read with: "system", or a user-assigned one by client id, name or resource id. */
function chooseIdentity(facts: Facts, wanted: string | undefined): Extract<CertificateIntent, { kind: 'keyVault' }>['identity'] {
  if (!wanted || wanted.toLowerCase() === 'system') return 'system';
  const attached = facts.apim.ok ? facts.apim.value.identity.userAssigned : [];
  const w = wanted.toLowerCase();
  const match = attached.find(
    (u) => u.clientId.toLowerCase() === w || u.id.toLowerCase() === w || u.id.split('/').pop()!.toLowerCase() === w,
  );
  if (!match) {
    const names = attached.map((u) => `${u.id.split('/').pop()} (client ${u.clientId})`);
    throw new InputError(
      `"${wanted}" is not a user-assigned identity of this API Management instance. ${names.length ? `Attached: ${names.join(', ')}.` : 'None is attached.'} Use --identity system, or attach the identity first.`,
    );
  }
  return { userAssignedId: match.id };
}

/** The step-5 lines of the report, then the plan that adds the certificate (or why there is none). */
async function addCertificate(
  engine: RunbookEngine,
  intent: CertificateIntent,
  plan: boolean,
  config: RunConfig,
  format: PlanFormat = 'az',
): Promise<number> {
  engine.setIntent(intent);
  const evaluation = await engine.evaluate();
  const step5 = evaluation.findings.filter(
    (f) => f.step === 'certificate' && (intent.kind === 'pfx' ? f.checkId.startsWith('UPL-') : f.checkId.startsWith('CERT-')),
  );
  for (const f of step5) if (f.status !== 'skipped') out(`  ${f.status.padEnd(8)} ${f.checkId.padEnd(16)} ${t(f.cause)}`);
  const createId = intent.kind === 'pfx' ? 'UPL-CREATE' : 'CERT-CREATE';
  const create = evaluation.findings.find((f) => f.checkId === createId);
  if (!create?.fix) {
    const blocking = evaluation.findings.filter((f) => f.step !== 'certificate' && (f.status === 'fail' || f.status === 'unknown'));
    if (create?.status === 'pass') {
      out(`\n${t(create.cause)}`);
      return EXIT.ok;
    }
    // The check's own cause already starts with "Not ready: " (it reads on its own in the report).
    err(`\nNot ready to add it: ${t(create?.cause.replace(/^Not ready: /, '') ?? 'no plan was produced.')}`);
    if (blocking.length)
      err(`Fix these first: ${blocking.map((f) => `${f.checkId}${f.fix ? ` (apimkv fix ${f.checkId})` : ''}`).join(', ')}.`);
    // The user-assigned identity was this command's own choice: say which flag replaces it.
    if (intent.kind === 'keyVault' && intent.identity !== 'system' && blocking.some((f) => f.checkId === 'FW-IDENTITY'))
      err('Then run add-cert again with --identity system.');
    return EXIT.findings;
  }
  out('');
  if (!config.output.yes) return showPlans(engine, [create.fix], plan, format);
  const result = await applyInOrder(engine, evaluation, namedChecks([createId]));
  const verify = result.evaluation.findings.find((f) => f.checkId === (intent.kind === 'pfx' ? 'UPL-CREATE' : 'CERT-VERIFY'));
  if (verify) out(`${verify.checkId}: ${verify.status} — ${t(verify.cause)}`);
  remindTemporary(engine);
  return result.ok && (verify?.status === 'pass' || verify?.status === 'info') ? EXIT.ok : EXIT.findings;
}

export function runAddCert(certificate: CertificateOptions, plan: boolean, config: RunConfig, format: PlanFormat = 'az'): Promise<number> {
  return withEngine(config, async (engine) => {
    const facts = (await engine.evaluate()).facts;
    const parsed = parseSecretIdentifier(certificate.secretId!, facts.context.kvDnsSuffix);
    if (!parsed.ok) throw new InputError(parsed.error);
    for (const change of parsed.changes) err(`note: ${t(change)}`);
    let identifier = parsed.normalised;
    if (parsed.version && !certificate.keepVersion) {
      err(
        `note: ${parsed.normalised} names version ${parsed.version}, which never rotates; using the versionless ${parsed.versionless} (pass --keep-version to pin the version).`,
      );
      identifier = parsed.versionless;
    }
    const certificateId = certificate.certificateId ?? parsed.name;
    const intent: CertificateIntent = {
      kind: 'keyVault',
      certificateId,
      secretIdentifier: identifier,
      identity: chooseIdentity(facts, certificate.identity),
    };
    out(t(`Add certificate "${certificateId}" from ${identifier} to ${engine.context.apimName}`));
    return addCertificate(engine, intent, plan, config, format);
  });
}

/** The id upload-cert uses without --certificate-id: the file's name, refused (before sign-in) when APIM would refuse it. */
function certificateIdFromFile(path: string): string {
  const derived = basename(path)
    .replace(/\.(pfx|p12)$/i, '')
    .replace(/[^A-Za-z0-9-]/g, '-');
  const problem = certificateIdProblem(derived);
  if (problem)
    throw new InputError(
      `The certificate id ${JSON.stringify(derived)} taken from the file name ${problem}. Nothing was uploaded: pass --certificate-id ${suggestedCertificateId(derived)} (or another id of 1 to 80 characters without * # & + : < > ? / \\).`,
    );
  return derived;
}

export async function runUploadCert(
  certificate: CertificateOptions,
  plan: boolean,
  config: RunConfig,
  format: PlanFormat = 'az',
): Promise<number> {
  // The file first: nobody should type a password for a path that is wrong (`~` expanded here too: --file=~/x).
  const file = await checkPfxFile(certificate.file!);
  if (!file.ok) throw new InputError(`${file.message} Nothing was uploaded.`);
  const path = file.path;
  const certificateId = certificate.certificateId ?? certificateIdFromFile(path);
  // Before the connection: signing in starts `az`, which must not inherit a --password-env variable.
  const password: Secret = await readPassword(certificate);
  return withEngine(config, async (engine) => {
    const inspection = await engine.inspectPfx(path, password);
    if (!inspection.ok) {
      // Name where the password came from (never the password): that is what the operator corrects.
      const source = certificate.passwordEnv
        ? `the variable ${certificate.passwordEnv}`
        : certificate.passwordFile
          ? `the file ${certificate.passwordFile}`
          : 'the prompt';
      throw new InputError(
        `${inspection.message} Nothing was uploaded${inspection.reason === 'wrong-password' ? `: check the password in ${source}` : ''}.`,
      );
    }
    out(t(`${path}: ${inspection.subject}, issued by ${inspection.issuer}`));
    out(
      `  thumbprint ${inspection.thumbprint} · valid ${inspection.notBefore.slice(0, 10)} to ${inspection.notAfter.slice(0, 10)} · ${inspection.keyType}${inspection.keyBits ? ` ${inspection.keyBits}-bit` : ''} · private key ${inspection.hasPrivateKey ? 'present' : 'MISSING'} · ${inspection.chainLength} certificate(s) in the file`,
    );
    await engine.evaluate();
    const intent: CertificateIntent = { kind: 'pfx', certificateId, path, inspection, pfx: await engine.readPfx(path), password };
    return addCertificate(engine, intent, plan, config, format);
  });
}

export function runCleanup(config: RunConfig): Promise<number> {
  return withEngine(config, async (engine) => {
    // Reading first settles any write of unknown outcome (the journal says which).
    const evaluation = await engine.evaluate();
    for (const note of evaluation.journalNotes) out(t(note));
    const cleanup = evaluation.findings.filter((f) => f.checkId === 'FW-CLIENTIP-CLEANUP' && f.fix);
    if (cleanup.length === 0) {
      out('No temporary changes to remove.');
      return EXIT.ok;
    }
    if (!config.output.yes) {
      showPlans(
        engine,
        cleanup.map((f) => f.fix!),
        false,
      );
      return EXIT.ok;
    }
    return (await applyInOrder(engine, evaluation, namedChecks(['FW-CLIENTIP-CLEANUP']))).ok ? EXIT.ok : EXIT.findings;
  });
}
