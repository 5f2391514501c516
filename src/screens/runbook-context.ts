// The two contexts the screens read: state (re-renders on change) and actions (a stable object of
// intents, so components that only dispatch never re-render because the state changed).
import { createContext } from 'react';
import type { Fact, PfxInspection, TemporaryChange, VaultCertificateFacts, CertificateIntent } from '../checks/facts.ts';
import type { Secret } from '../checks/secret.ts';
import type { FixPlan } from '../checks/types.ts';
import type { PfxFileCheck } from '../runbook/engine-types.ts';
import type { ErrorView } from './describe-error.ts';

/** Why the add flow stopped before the preview: an error, or a warning with the fix of the check it names. */
export type ChoiceProblem = ErrorView & { warning?: { plan?: FixPlan } };
import type { KeyContext } from './keys.ts';
import type { FixOrigin, Notice, ScreenKind, State } from './state.ts';

/** The intents screens can express. Verbs; the provider turns them into engine calls and actions. */
export interface RunbookActions {
  recheck(): Promise<void>;
  select(value: string): void;
  toggleWhy(): void;
  showOverlay(overlay: State['overlay']): void;
  open(screen: Exclude<ScreenKind, 'fix'>): void;
  previewFix(plan: FixPlan, from?: FixOrigin): void;
  /** Offer the failing checks' fixes in order, one confirmation each. */
  fixAll(): void;
  applyFix(): Promise<void>;
  /** Fix-all: skip the previewed fix (or go on after one was applied). */
  nextFix(): void;
  /** What the running check last did, in words (read at the spinner's tick). */
  activity(): string | undefined;
  /** Stop waiting for a write (an LRO, RBAC propagation): its outcome is then settled by reading Azure. */
  stopWaiting(): void;
  /** Leave the fix flow (never while a write is in flight). */
  back(): void;
  /** Quit now, or ask first when a write is in flight. */
  quit(): void;
  /** Quit even though a write is in flight (it is aborted; the journal records its outcome as unknown). */
  confirmQuit(code?: number): void;
  cancelQuit(): void;
  notify(notice: Notice | undefined): void;
  /**
   * Step 5: tell the engine what to add, re-check, and open the resulting fix; an error when none came. A warning
   * (the chosen identity lacks access) stops before the preview, naming the failing check and carrying its fix, unless
   * `despite` says the operator has read it.
   */
  chooseCertificate(intent: CertificateIntent, from: FixOrigin, despite?: boolean): Promise<ChoiceProblem | undefined>;
  listVaultCertificates(signal?: AbortSignal): Promise<Fact<VaultCertificateFacts[]>>;
  checkPfxFile(path: string): Promise<PfxFileCheck>;
  inspectPfx(path: string, password: Secret, signal?: AbortSignal): Promise<PfxInspection>;
  readPfx(path: string): Promise<Secret>;
  temporaryChanges(): TemporaryChange[];
  transcript(): string;
  /** Write the transcript file and say where. */
  saveTranscript(): void;
  /** Put text on the local clipboard (OSC 52) and say so; `what` names it in the notice. */
  copy(text: string, what: string): void;
}

export const StateContext = createContext<State | undefined>(undefined);
export const ActionsContext = createContext<RunbookActions | undefined>(undefined);

/** The key context of whatever has the keyboard now; App's global keys (help, transcript, quit) read it. */
export const KeyScopeContext = createContext<{ current: KeyContext }>({ current: 'blocked' });
