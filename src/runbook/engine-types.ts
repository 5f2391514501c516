// What the screens (and the non-interactive CLI) can ask of the runbook engine. Screens hold an
// object of this shape and dispatch intents to it; they never see Azure.
import type { CertificateIntent, Fact, Facts, PfxInspection, TemporaryChange, VaultCertificateFacts } from '../checks/facts.ts';
import type { Secret } from '../checks/secret.ts';
import type { Finding, FixPlan, StepInfo } from '../checks/types.ts';
import type { GatewayEvent, OperationResult, Target } from '../checks/ports.ts';

/** A .pfx looked at without its password: the expanded path and what its bytes say, or why it cannot be used. */
export type PfxFileCheck =
  { ok: true; path: string; sizeBytes: number; encryption: 'aes' | '3des' | 'other' } | Extract<PfxInspection, { ok: false }>;

/** Shown in the header. */
export interface RunContext {
  cloud: string;
  subscriptionId: string;
  /** The subscription's display name when ARM gave one (the header shows it; the id stays in the details). */
  subscriptionName?: string;
  apimName: string;
  vaultName: string;
  sandbox: boolean;
  readOnly: boolean;
}

/** The result of one gather + check pass. */
export interface Evaluation {
  facts: Facts;
  findings: Finding[];
  steps: StepInfo[];
  /** Milliseconds the gather took. */
  gatherMs: number;
  /** What the journal says before anything else: writes from earlier runs settled by this read, or still unknown. */
  journalNotes: string[];
}

/** Progress while a fix applies (one line on screen at a time). */
export type ApplyProgress =
  | { phase: 'permission'; message: string }
  | { phase: 'write'; message: string; operationIndex: number; operationCount: number }
  | { phase: 'throttled'; message: string; retryInSeconds: number }
  | { phase: 'lro'; message: string }
  | { phase: 'verify'; message: string }
  | { phase: 'propagation'; message: string; secondsLeft: number }
  | { phase: 'recheck'; message: string };

export interface ApplyOutcome {
  ok: boolean;
  /** One line: what happened. */
  message: string;
  results: OperationResult[];
  /** The check's finding after the re-check. */
  after?: Finding;
  evaluation?: Evaluation;
}

export interface RunbookEngine {
  readonly context: RunContext;
  readonly target: Target;
  /** Gather facts and run every check. */
  evaluate(options?: { signal?: AbortSignal; onEvent?: (e: GatewayEvent) => void }): Promise<Evaluation>;
  /** Apply a fix: permission pre-check, journal, write, verify, wait out propagation, re-check. */
  apply(plan: FixPlan, options?: { signal?: AbortSignal; onProgress?: (p: ApplyProgress) => void }): Promise<ApplyOutcome>;
  /** Set (or clear) what step 5 should add; the next evaluate includes the certificate checks and plan. */
  setIntent(intent: CertificateIntent | undefined): void;
  /** The vault's certificates for the picker. */
  listVaultCertificates(options?: { signal?: AbortSignal }): Promise<Fact<VaultCertificateFacts[]>>;
  /** What can be said of a .pfx before its password is asked (exists, readable, PKCS#12 at all); `~` expanded. */
  checkPfxFile(path: string): Promise<PfxFileCheck>;
  /** Validate a .pfx locally; the password never leaves this process except in the upload body. Aborting stops the parse. */
  inspectPfx(path: string, password: Secret, signal?: AbortSignal): Promise<PfxInspection>;
  /** The .pfx bytes to upload (base64, bounded like the inspection), wrapped as a Secret at once. */
  readPfx(path: string): Promise<Secret>;
  /** Temporary changes apimkv made that are still in place (from the journal). */
  temporaryChanges(): TemporaryChange[];
  /** Append-only record of the session (checks, fixes, requests) for the transcript. */
  transcript(): string;
  /** Write the transcript (Markdown, no secrets) to --transcript or a file in the state directory; returns the path. */
  saveTranscript(): string;
}
