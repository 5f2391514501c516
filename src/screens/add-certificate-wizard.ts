// The add-certificate wizard's state: its stages, what each has chosen so far, and the reducer that moves
// between them (AddCertificate.tsx dispatches, add-certificate-stages.tsx renders each stage).
import type { VaultCertificateFacts } from '../checks/facts.ts';
import type { ParsedIdentifierInput } from '../checks/identifiers.ts';
import type { ChoiceProblem } from './runbook-context.ts';

export type Stage = 'loading' | 'list' | 'listFailed' | 'typing' | 'version' | 'identity' | 'name' | 'confirm' | 'working';
export type Parsed = Extract<ParsedIdentifierInput, { ok: true }>;

export interface Wizard {
  stage: Stage;
  certs: VaultCertificateFacts[];
  listError?: { what: string; firewall: boolean };
  filter: string;
  filtering: boolean;
  cursor?: string;
  typed: string;
  parsed?: Parsed;
  /** Where the identifier came from, so Esc goes back there. */
  source: 'list' | 'typed';
  keepVersion: boolean;
  identity: string;
  certificateId: string;
  error?: ChoiceProblem;
}

export type WizardAction = { type: 'set'; patch: Partial<Wizard> } | { type: 'stage'; stage: Stage; patch?: Partial<Wizard> };

export function wizardReducer(w: Wizard, a: WizardAction): Wizard {
  // Moving to another stage clears that stage's inline error.
  return a.type === 'stage' ? { ...w, error: undefined, ...a.patch, stage: a.stage } : { ...w, ...a.patch };
}

/** "✖ disabled" is the widest badge; a fixed width keeps the columns straight. */
export const BADGE_WIDTH = 11;

export const START: Wizard = {
  stage: 'loading',
  certs: [],
  filter: '',
  filtering: false,
  typed: '',
  source: 'list',
  keepVersion: false,
  identity: 'system',
  certificateId: '',
};

/** Items for the picker: filtered by a case-insensitive substring, values are the (stable) names. */
export function pickerItems(certs: readonly VaultCertificateFacts[], filter: string) {
  const f = filter.trim().toLowerCase();
  const shown = f ? certs.filter((c) => c.name.toLowerCase().includes(f)) : certs;
  return shown.map((c) => ({ ...c, value: c.name, label: c.name }));
}
