// Request bodies against Microsoft's REST specs (test/specs, verbatim subsets): the operation is found by
// method and ARM path, its body parameter's schema resolved ($ref across files, allOf), and a value checked
// for properties the schema does not have, read-only ones, and wrong types. Enough to catch a misspelled or
// invented property name in a template snippet; oav does the full job for wire traffic.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type Schema = Record<string, any>;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../specs/specification');
const FILES = [
  'keyvault/resource-manager/Microsoft.KeyVault/KeyVault/stable/2026-02-01/openapi.json',
  'network/resource-manager/Microsoft.Network/Network/stable/2026-01-01/virtualNetwork.json',
  'apimanagement/resource-manager/Microsoft.ApiManagement/stable/2024-05-01/apimcertificates.json',
  'apimanagement/resource-manager/Microsoft.ApiManagement/stable/2024-05-01/apimdeployment.json',
  'apimanagement/resource-manager/Microsoft.ApiManagement/stable/2024-05-01/apimnamedvalues.json',
  'authorization/resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleAssignmentsCalls.json',
];

const cache = new Map<string, Schema>();
function load(file: string): Schema {
  const cached = cache.get(file);
  if (cached) return cached;
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Schema;
  cache.set(file, doc);
  return doc;
}

/** A schema with its file (refs resolve relative to it). */
interface Located {
  schema: Schema;
  file: string;
}

function deref(at: Located): Located {
  let cur = at;
  for (let i = 0; cur.schema.$ref && i < 20; i++) {
    const [path, pointer] = String(cur.schema.$ref).split('#');
    const file = path ? resolve(dirname(cur.file), path) : cur.file;
    const target = pointer!
      .split('/')
      .filter(Boolean)
      .reduce((o: any, k) => o?.[k], load(file));
    if (!target) throw new Error(`unresolved $ref ${cur.schema.$ref} in ${cur.file}`);
    cur = { schema: target, file };
  }
  return cur;
}

/** Properties of a schema with those of its allOf parents. */
function propertiesOf(at: Located): { props: Record<string, Located>; additional?: Located } {
  const s = deref(at);
  const props: Record<string, Located> = {};
  for (const [k, v] of Object.entries(s.schema.properties ?? {})) props[k] = { schema: v as Schema, file: s.file };
  let additional =
    s.schema.additionalProperties && typeof s.schema.additionalProperties === 'object'
      ? { schema: s.schema.additionalProperties, file: s.file }
      : undefined;
  for (const parent of s.schema.allOf ?? []) {
    const p = propertiesOf({ schema: parent, file: s.file });
    Object.assign(props, p.props);
    additional ??= p.additional;
  }
  return { props, additional };
}

/** The body schema of the operation serving `method path` (path with or without the query). */
export function requestSchema(method: string, path: string): Located {
  const bare = path.split('?')[0]!;
  for (const rel of FILES) {
    const file = join(ROOT, rel);
    const doc = load(file);
    for (const [template, ops] of Object.entries<Schema>(doc.paths ?? {})) {
      const op = ops[method.toLowerCase()];
      if (!op) continue;
      const re = new RegExp(
        `^${template
          .replace(/\{scope\}/g, '.+')
          .replace(/\{[^}]+\}/g, '[^/]+')
          .replace(/\//g, '\\/')}$`,
        'i',
      );
      if (!re.test(bare) && !re.test(bare.replace(/^\//, ''))) continue;
      const params = [...(ops.parameters ?? []), ...(op.parameters ?? [])].map((p: Schema) => deref({ schema: p, file }));
      const body = params.find((p) => p.schema.in === 'body');
      if (!body) throw new Error(`${op.operationId} takes no body`);
      return { schema: body.schema.schema, file: body.file };
    }
  }
  throw new Error(`no operation in test/specs for ${method} ${bare}`);
}

/** What is wrong with `value` for the schema: unknown or read-only properties, wrong types. */
export function problems(at: Located, value: unknown, path = '$'): string[] {
  const s = deref(at);
  const type = s.schema.type ?? (s.schema.properties || s.schema.allOf ? 'object' : undefined);
  if (value === null || value === undefined) return [];
  if (type === 'object' || (typeof value === 'object' && !Array.isArray(value) && type === undefined)) {
    if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object`];
    const { props, additional } = propertiesOf(s);
    return Object.entries(value as object).flatMap(([k, v]) => {
      const p = props[k];
      if (!p)
        return additional ? problems(additional, v, `${path}.${k}`) : [`${path}.${k}: no such property in ${s.file.split('/').pop()}`];
      if (deref(p).schema.readOnly || p.schema.readOnly) return [`${path}.${k}: read-only`];
      return problems(p, v, `${path}.${k}`);
    });
  }
  if (type === 'array')
    return Array.isArray(value)
      ? value.flatMap((v, i) => problems({ schema: s.schema.items ?? {}, file: s.file }, v, `${path}[${i}]`))
      : [`${path}: expected an array`];
  if (type === 'string') return typeof value === 'string' ? [] : [`${path}: expected a string`];
  if (type === 'integer') return Number.isInteger(value) ? [] : [`${path}: expected an integer`];
  if (type === 'number') return typeof value === 'number' ? [] : [`${path}: expected a number`];
  if (type === 'boolean') return typeof value === 'boolean' ? [] : [`${path}: expected a boolean`];
  return [];
}
