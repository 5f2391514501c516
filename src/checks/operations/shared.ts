// Helpers the operation families share: api-versions, ARM paths, az command lines, diffs and fact lookups.
import type { Fact, Facts } from '../facts.ts';

/** The api-versions the SDK clients send (and the sandbox checks). */
export const API_VERSIONS = {
  apim: '2024-05-01',
  keyVault: '2026-02-01',
  network: '2026-01-01',
  authorization: '2022-04-01',
} as const;

/** An ARM path with its api-version. */
export const at = (id: string, version: string) => `${id}?api-version=${version}`;

// Remote text may reach any argument: quoting is escape.ts's (single quotes only, controls as $'\xNN').
export { shellQuote } from '../escape.ts';
import { shellQuote } from '../escape.ts';

/** One command line, every argument after the program quoted. */
export const cmd = (...args: string[]) => args.map((a, i) => (i === 0 ? a : shellQuote(a))).join(' ');

/** az rest for what az has no direct command for. */
export function azRest(facts: Facts, method: string, path: string, body?: unknown, headers?: string): string {
  const parts = ['az', 'rest', '--method', method, '--url', `${facts.context.armEndpoint.replace(/\/+$/, '')}${path}`];
  if (body !== undefined) parts.push('--body', JSON.stringify(body));
  if (headers) parts.push('--headers', headers);
  return cmd(...parts);
}

/** "  x" for kept entries, "- x" for removed, "+ x" for added (case-insensitive identity, like ARM). */
export function listDiff(label: string, before: readonly string[], after: readonly string[]): string[] {
  const has = (list: readonly string[], v: string) => list.some((x) => x.toLowerCase() === v.toLowerCase());
  return [
    ...before.map((v) => (has(after, v) ? `  ${label}: ${v}` : `- ${label}: ${v}`)),
    ...after.filter((v) => !has(before, v)).map((v) => `+ ${label}: ${v}`),
  ];
}

/** Case-insensitive equality of two present strings (ARM names and ids). */
export const same = (a: string | undefined, b: string | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

/** The value of a fact that was read, else undefined. */
export const valueOf = <T>(fact: Fact<T> | undefined): T | undefined => (fact?.ok ? fact.value : undefined);
