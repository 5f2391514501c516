// A Markdown record of the session for the incident ticket: checks, fixes (requests and az equivalents),
// outcomes and timings. Built only from plain data whose secrets are already redacted (Secret.toJSON).
// Names and messages come from Azure: each goes through markdownText (one line, nothing active, no
// Markdown syntax) and code blocks get a fence their content cannot close.
import { markdownFence, markdownText as md } from '../checks/escape.ts';
import type { Finding, FixPlan } from '../checks/types.ts';
import type { RunContext } from './engine-types.ts';
import type { GatewayEvent, OperationResult } from '../checks/ports.ts';

const SYMBOL: Record<Finding['status'], string> = { pass: '✔', warn: '▲', fail: '✖', unknown: '?', skipped: '-', info: 'i' };

/** Redact anything that looks like a bearer token or a password/data field, as a last line of defence. */
export function scrub(text: string): string {
  return text
    .replace(/Bearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer [redacted]')
    .replace(/("(?:password|data|accessToken|token|value)"\s*:\s*)"[^"]*"/gi, '$1"[redacted]"');
}

export class Transcript {
  #lines: string[] = [];
  #requests = 0;

  constructor(
    private readonly context: RunContext,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.#lines.push(
      `# apimkv session ${clock().toISOString()}`,
      '',
      `- Cloud: ${md(context.cloud)}${context.sandbox ? ' (SANDBOX)' : ''}`,
      `- Subscription: ${md(context.subscriptionId)}`,
      `- API Management: ${md(context.apimName)}`,
      `- Key vault: ${md(context.vaultName)}`,
      `- Mode: ${context.readOnly ? 'read-only' : 'read-write'}`,
      '',
    );
  }

  private time(): string {
    return this.clock().toISOString().slice(11, 19);
  }

  evaluation(findings: Finding[], gatherMs: number): void {
    const counts = new Map<string, number>();
    for (const f of findings) counts.set(f.status, (counts.get(f.status) ?? 0) + 1);
    this.#lines.push(`## ${this.time()} Checks (${gatherMs} ms): ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`, '');
    for (const f of findings)
      this.#lines.push(
        `- ${SYMBOL[f.status]} ${f.status} **${md(f.checkId)}** ${md(f.title)}${f.status === 'pass' || f.status === 'skipped' ? '' : ` — ${md(f.cause)}`}`,
      );
    this.#lines.push('');
  }

  fixStarted(plan: FixPlan): void {
    this.#lines.push(`## ${this.time()} Fix ${md(plan.id)}: ${md(plan.title)}`, '');
    for (const p of plan.preview) {
      this.#lines.push(`- ${p.method} ${md(p.path)}`);
      if (p.body !== undefined) this.#lines.push('', ...markdownFence('json', scrub(JSON.stringify(p.body, null, 2))), '');
    }
    if (plan.az.length) this.#lines.push('', 'Equivalent az:', '', ...markdownFence('sh', plan.az.map(scrub).join('\n')), '');
    if (plan.ownership?.length)
      this.#lines.push('Who deploys this (evidence, not certainty):', '', ...plan.ownership.map((l) => `- ${md(scrub(l))}`), '');
    if (plan.templates)
      this.#lines.push(
        'The same change for the template that deploys it:',
        '',
        ...markdownFence('bicep', scrub(plan.templates.bicep)),
        '',
        ...markdownFence('hcl', scrub(plan.templates.terraform)),
        '',
      );
  }

  fixFinished(plan: FixPlan, ok: boolean, message: string, results: OperationResult[]): void {
    this.#lines.push(`- ${this.time()} ${ok ? 'Applied' : 'Not applied'}: ${md(scrub(message))}`);
    for (const r of results)
      this.#lines.push(
        `  - ${r.outcome}${r.verified ? ', verified' : ''}: ${md(scrub(r.message))}${r.lost.length ? ` (LOST: ${md(r.lost.join(', '))})` : ''}`,
      );
    this.#lines.push('');
  }

  event(e: GatewayEvent): void {
    if (e.type === 'request') {
      this.#requests++;
      return;
    }
    if (e.type === 'throttled')
      this.#lines.push(
        `- ${this.time()} throttled (${e.status}) on ${e.method} ${md(pathOf(e.url))}, retrying in ${Math.ceil(e.retryInMs / 1000)} s`,
      );
    if (e.type === 'retry') this.#lines.push(`- ${this.time()} retry ${e.attempt} of ${e.method} ${md(pathOf(e.url))}: ${md(e.reason)}`);
  }

  note(text: string): void {
    this.#lines.push(`- ${this.time()} ${md(scrub(text))}`);
  }

  markdown(): string {
    return [...this.#lines, '', `_${this.#requests} ARM/data-plane requests in this session._`, ''].join('\n');
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
