// A RunbookEngine with canned answers that records every call, for the screen tests.
import type { CertificateIntent, Fact, PfxInspection, TemporaryChange, VaultCertificateFacts } from '../../src/checks/facts.ts';
import type { Secret } from '../../src/checks/secret.ts';
import type { FixPlan } from '../../src/checks/types.ts';
import type { ApplyOutcome, ApplyProgress, Evaluation, RunbookEngine, RunContext } from '../../src/runbook/engine-types.ts';
import type { PfxFileCheck } from '../../src/runbook/engine-types.ts';
import { checkPfxFile, readPfxSecret } from '../../src/runbook/pfx.ts';
import type { Target } from '../../src/checks/ports.ts';
import { evaluation as defaultEvaluation, runContext } from './fixtures.ts';

/** One recorded call. */
export type Call =
  | { method: 'evaluate' }
  | { method: 'saveTranscript' }
  | { method: 'apply'; plan: FixPlan }
  | { method: 'setIntent'; intent: CertificateIntent | undefined }
  | { method: 'listVaultCertificates' }
  | { method: 'checkPfxFile'; path: string }
  | { method: 'inspectPfx'; path: string; password: Secret }
  | { method: 'readPfx'; path: string };

export interface FakeEngineOptions {
  context?: RunContext;
  /** Returned by evaluate(); called with the current intent. */
  evaluate?: (intent: CertificateIntent | undefined) => Evaluation | Promise<Evaluation>;
  /** Runs inside apply(): may report progress; defaults to an ok outcome. */
  apply?: (plan: FixPlan, progress: (p: ApplyProgress) => void, signal?: AbortSignal) => Promise<ApplyOutcome>;
  list?: () => Promise<Fact<VaultCertificateFacts[]>>;
  inspect?: (path: string, password: Secret) => Promise<PfxInspection>;
  temporary?: TemporaryChange[];
}

export class FakeEngine implements RunbookEngine {
  readonly context: RunContext;
  readonly target: Target = {
    subscriptionId: '00000000-0000-0000-0000-000000000001',
    apim: { resourceGroup: 'rg', name: 'apim-contoso' },
    vault: { name: 'kv-contoso' },
  };
  readonly calls: Call[] = [];
  intent: CertificateIntent | undefined;
  constructor(private readonly options: FakeEngineOptions = {}) {
    this.context = options.context ?? runContext();
  }

  async evaluate(): Promise<Evaluation> {
    this.calls.push({ method: 'evaluate' });
    return this.options.evaluate ? this.options.evaluate(this.intent) : defaultEvaluation();
  }

  async apply(plan: FixPlan, options: { onProgress?: (p: ApplyProgress) => void; signal?: AbortSignal } = {}): Promise<ApplyOutcome> {
    this.calls.push({ method: 'apply', plan });
    const progress = options.onProgress ?? (() => {});
    if (this.options.apply) return this.options.apply(plan, progress, options.signal);
    progress({ phase: 'write', message: `Writing ${plan.checkId}`, operationIndex: 0, operationCount: 1 });
    return {
      ok: true,
      message: `Applied and verified — ${plan.checkId} is now pass.`,
      results: [{ outcome: 'applied', message: 'done', verified: true, lost: [] }],
    };
  }

  setIntent(intent: CertificateIntent | undefined): void {
    this.calls.push({ method: 'setIntent', intent });
    this.intent = intent;
  }

  async listVaultCertificates(): Promise<Fact<VaultCertificateFacts[]>> {
    this.calls.push({ method: 'listVaultCertificates' });
    return this.options.list ? this.options.list() : { ok: true, value: [] };
  }

  /** The real engine's check: the screen tests write the file they upload. */
  async checkPfxFile(path: string): Promise<PfxFileCheck> {
    this.calls.push({ method: 'checkPfxFile', path });
    return checkPfxFile(path);
  }

  async inspectPfx(path: string, password: Secret): Promise<PfxInspection> {
    this.calls.push({ method: 'inspectPfx', path, password });
    if (this.options.inspect) return this.options.inspect(path, password);
    return { ok: false, reason: 'unreadable', message: 'not configured' };
  }

  /** The real engine's reader: the screen tests write the file they upload. */
  async readPfx(path: string): Promise<Secret> {
    this.calls.push({ method: 'readPfx', path });
    return readPfxSecret(path);
  }

  temporaryChanges(): TemporaryChange[] {
    return this.options.temporary ?? [];
  }

  transcript(): string {
    return '# apimkv transcript\n- evaluate: 8 checks\n- fix FW-BYPASS applied';
  }

  saveTranscript(): string {
    this.calls.push({ method: 'saveTranscript' });
    return '/state/transcripts/apimkv-test.md';
  }

  /** Calls of one method. */
  callsOf<M extends Call['method']>(method: M): Extract<Call, { method: M }>[] {
    return this.calls.filter((c): c is Extract<Call, { method: M }> => c.method === method);
  }
}
