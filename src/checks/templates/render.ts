// Bicep and Terraform text for template changes. Values are written from the change's body (the ARM request's
// own subtree) or, for azurerm, from the request paths its attributes name; strings are escaped for each
// language so remote text (names, descriptions) cannot break out of a literal.
import { terminalText } from '../escape.ts';
import { API_VERSIONS } from '../operations/shared.ts';
import { parseResourceId } from '../resource-id.ts';
import type { AttributeSource, Expression, TemplateChange } from './change.ts';

const isExpression = (v: unknown): v is Expression['expression'] =>
  !!v && typeof v === 'object' && 'bicep' in v && 'terraform' in v && Object.keys(v).length === 2;

/** The value at a dotted path (numeric segments index arrays). */
export function valueAt(from: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), from);
}

/** The id without its last type/name pair: a child's parent, an extension resource's scope. */
export function scopeOf(id: string): string {
  const ext = /^(.*)\/providers\/[^/]+\/[^/]+\/[^/]+$/i.exec(id);
  if (ext && /\/providers\//i.test(ext[1]!)) return ext[1]!;
  return id.replace(/\/[^/]+\/[^/]+$/, '');
}

/** Names of the id's resource and its parents, as Bicep writes a child's name ("vnet/subnet"). */
function nestedName(id: string): string {
  const segs = id.split('/').filter(Boolean);
  const p = segs.map((s) => s.toLowerCase()).lastIndexOf('providers');
  return segs
    .slice(p + 2)
    .filter((_, i) => i % 2 === 1)
    .join('/');
}

const symbol = (name: string) => {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(s) ? s : `r_${s}`;
};

/** An azurerm attribute's value, or undefined when the body has none. */
export function attributeValue(change: TemplateChange, from: AttributeSource): unknown {
  if ('literal' in from) return from.literal;
  if ('id' in from) {
    const parts = parseResourceId(change.id);
    return {
      name: parts.name,
      parentName: parts.parentName,
      resourceGroup: parts.resourceGroup,
      self: change.id,
      scope: scopeOf(change.id),
    }[from.id];
  }
  const v = valueAt(change.body, from.body);
  if (v === undefined) return undefined;
  if (from.keys) return Object.keys(v as object);
  if (from.each) return (v as Record<string, unknown>[]).map((x) => x[from.each!]);
  if (from.title) return (v as string[]).map((s) => s.charAt(0).toUpperCase() + s.slice(1));
  return v;
}

// ---- Bicep ----

/** Characters that act instead of showing (controls, bidi, zero-width): written as escapes, never raw. */
const ACTIVE = /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2069\ufeff]/g;

function bicepString(s: string): string {
  const body = s
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\$\{/g, '\\${')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');
  return `'${body.replace(ACTIVE, (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`)}'`;
}

const bicepKey = (k: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : bicepString(k));

function bicepValue(v: unknown, indent: string, exprs: Record<string, Expression>, path: string): string {
  const e = exprs[path];
  if (e) return e.expression.bicep;
  if (typeof v === 'string') return bicepString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  const inner = `${indent}  `;
  if (Array.isArray(v))
    return v.length ? `[\n${v.map((x, i) => `${inner}${bicepValue(x, inner, exprs, `${path}.${i}`)}`).join('\n')}\n${indent}]` : '[]';
  const entries = Object.entries(v as object);
  return entries.length
    ? `{\n${entries.map(([k, x]) => `${inner}${bicepKey(k)}: ${bicepValue(x, inner, exprs, path ? `${path}.${k}` : k)}`).join('\n')}\n${indent}}`
    : '{}';
}

/** A comment line: remote text in it (names, tags) is one line with nothing active. */
const comment = (prefix: string, text: string) => `${prefix} ${terminalText(text)}`;

/** One change as Bicep. */
export function bicepSnippet(change: TemplateChange): string {
  const parts = parseResourceId(change.id);
  const type = `${change.type}@${change.apiVersion}`;
  const lines: string[] = [];
  if (change.note) lines.push(comment('//', change.note));
  if (change.mode === 'action') {
    lines.push(comment('//', `${change.action} on ${parts.name}: no Bicep change (run it with the az line).`));
    return lines.join('\n');
  }
  const exprs = change.expressions ?? {};
  const params = Object.values(exprs)
    .map((e) => e.expression.bicep)
    .filter((b) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(b));
  for (const p of params) lines.push('@secure()', `param ${p} string`);
  const body = Object.entries(change.body).map(([k, v]) => `  ${bicepKey(k)}: ${bicepValue(v, '  ', exprs, k)}`);
  if (change.type === 'Microsoft.Authorization/roleAssignments') {
    const scope = scopeOf(change.id);
    const scopeType = /\/providers\/([^/]+\/[^/]+)\/[^/]+$/i.exec(scope)?.[1];
    const scopeName = parseResourceId(scope).name;
    const version = scopeType ? versionFor(scopeType) : undefined;
    if (scopeType && version)
      lines.push(
        `resource ${symbol(scopeName)} '${scopeType}@${version}' existing = {`,
        `  name: ${bicepString(nestedName(scope))}`,
        '}',
        '',
      );
    lines.push(
      `resource ${symbol(`ra_${parts.name}`)} '${type}' = {`,
      `  name: ${bicepString(parts.name)}`,
      ...(scopeType && version ? [`  scope: ${symbol(scopeName)}`] : []),
      ...body,
      '}',
    );
    return lines.join('\n');
  }
  if (change.mode === 'update') lines.push(comment('//', `In your declaration of ${parts.name} (keep its other properties):`));
  lines.push(`resource ${symbol(parts.name)} '${type}' = {`, `  name: ${bicepString(nestedName(change.id))}`, ...body, '}');
  return lines.join('\n');
}

/** An api-version for an `existing` reference to a resource type the fixes write. */
function versionFor(type: string): string | undefined {
  const ns = type.split('/')[0]!.toLowerCase();
  return ns === 'microsoft.keyvault'
    ? API_VERSIONS.keyVault
    : ns === 'microsoft.network'
      ? API_VERSIONS.network
      : ns === 'microsoft.apimanagement'
        ? API_VERSIONS.apim
        : undefined;
}

// ---- Terraform ----

function hclString(s: string): string {
  const json = JSON.stringify(s).replace(ACTIVE, (c) => `\\u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
  return json.replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

const hclKey = (k: string) => (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : hclString(k));

function hclValue(v: unknown, indent: string, exprs: Record<string, Expression> = {}, path = ''): string {
  const e = exprs[path];
  if (e) return e.expression.terraform;
  if (isExpression(v)) return v.terraform;
  if (typeof v === 'string') return hclString(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  const inner = `${indent}  `;
  if (Array.isArray(v))
    return v.length ? `[\n${v.map((x, i) => `${inner}${hclValue(x, inner, exprs, `${path}.${i}`)},`).join('\n')}\n${indent}]` : '[]';
  const entries = Object.entries(v as object);
  return entries.length
    ? `{\n${entries.map(([k, x]) => `${inner}${hclKey(k)} = ${hclValue(x, inner, exprs, path ? `${path}.${k}` : k)}`).join('\n')}\n${indent}}`
    : '{}';
}

/** azurerm attributes as HCL, nesting the named blocks. */
function azurermBody(change: TemplateChange, indent: string): string[] {
  const form = change.azurerm!;
  type Tree = Map<string, Tree | { value: unknown }>;
  const root: Tree = new Map();
  for (const a of form.attributes) {
    const value = attributeValue(change, a.from);
    if (value === undefined) continue;
    const keys = a.path.split('.');
    let at = root;
    keys.slice(0, -1).forEach((k) => {
      if (!at.has(k)) at.set(k, new Map());
      at = at.get(k) as Tree;
    });
    at.set(keys.at(-1)!, { value });
  }
  const write = (tree: Tree, pad: string): string[] =>
    [...tree].flatMap(([k, v]) =>
      v instanceof Map ? [`${pad}${k} {`, ...write(v, `${pad}  `), `${pad}}`] : [`${pad}${k} = ${hclValue(v.value, pad)}`],
    );
  return write(root, indent);
}

/** One change as Terraform: azurerm where it models the properties, azapi otherwise. */
export function terraformSnippet(change: TemplateChange): string {
  const parts = parseResourceId(change.id);
  const label = symbol(parts.name);
  const type = `${change.type}@${change.apiVersion}`;
  const lines: string[] = [];
  if (change.note) lines.push(comment('#', change.note));
  if (change.azurerm) {
    if (change.azurerm.note) lines.push(comment('#', change.azurerm.note));
    if (change.azurerm.resource === 'provider') return [...lines, 'provider "azurerm" {', ...azurermBody(change, '  '), '}'].join('\n');
    if (change.mode === 'update')
      lines.push(comment('#', `In your ${change.azurerm.resource} for ${parts.name} (keep its other arguments):`));
    return [...lines, `resource "${change.azurerm.resource}" "${label}" {`, ...azurermBody(change, '  '), '}'].join('\n');
  }
  if (change.mode === 'action') {
    return [
      ...lines,
      `resource "azapi_resource_action" "${label}_${symbol(change.action ?? 'action')}" {`,
      `  type        = ${hclString(type)}`,
      `  resource_id = ${hclString(change.id)}`,
      `  action      = ${hclString(change.action ?? '')}`,
      '  method      = "POST"',
      '}',
    ].join('\n');
  }
  const body = `  body = ${hclValue(change.body, '  ', change.expressions)}`;
  if (change.mode === 'update') {
    return [
      ...lines,
      `resource "azapi_update_resource" "${label}" {`,
      `  type        = ${hclString(type)}`,
      `  resource_id = ${hclString(change.id)}`,
      body,
      '}',
    ].join('\n');
  }
  return [
    ...lines,
    `resource "azapi_resource" "${label}" {`,
    `  type      = ${hclString(type)}`,
    `  name      = ${hclString(parts.name)}`,
    `  parent_id = ${hclString(scopeOf(change.id))}`,
    body,
    '}',
  ].join('\n');
}
