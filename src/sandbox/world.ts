// Loading and validating world files. A malformed world fails at load time with the JSON path of the
// first problem, so a typo in a fixture is found where it is, not as a confusing 404 later.
import { readFileSync } from 'node:fs';
import { InputError } from '../error-model.ts';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import WORLD_SCHEMA from './world.schema.json' with { type: 'json' };
import { RESOURCE_ID, nameOf, typeOf } from './resource-id.ts';
import type { World } from './types.ts';
import { generateFleet } from './generate.ts';
import { SHIPPED_WORLDS } from './worlds/index.ts';

/** "fleet" (40 instances) or "fleet-<n>": a generated fleet world (seed 1), for the audit demo. */
const FLEET_WORLD = /^fleet(?:-(\d{1,5}))?$/;

/** A world file that cannot be used; the message starts with the JSON path of the problem. */
export class WorldError extends InputError {
  override readonly name: string = 'WorldError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(path: string, problem: string): never {
  throw new WorldError(`${path}: ${problem}`);
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '') fail(path, 'must be a non-empty string');
  return v;
}

function fault(v: unknown, path: string): void {
  if (!isObject(v)) fail(path, 'must be an object');
  if (!isObject(v.match)) fail(`${path}.match`, 'must be an object');
  str(v.match.path, `${path}.match.path`);
  try {
    new RegExp(v.match.path as string);
  } catch {
    fail(`${path}.match.path`, 'must be a valid regular expression');
  }
  if (v.match.times !== undefined && (!Number.isInteger(v.match.times) || (v.match.times as number) < 1))
    fail(`${path}.match.times`, 'must be a positive integer');
  if (!isObject(v.respond)) fail(`${path}.respond`, 'must be an object');
  const r = v.respond;
  if (r.reset !== true && r.hang !== true && !(Number.isInteger(r.status) && (r.status as number) >= 100 && (r.status as number) <= 599)) {
    fail(`${path}.respond`, 'must have a status (100-599), or reset: true, or hang: true');
  }
  if (v.when !== undefined && v.when !== 'before' && v.when !== 'after') fail(`${path}.when`, "must be 'before' or 'after'");
}

let schemaCheck: ValidateFunction | undefined;

/** "/resources/0/id" -> "resources[0].id" (the paths the loader's own messages use). */
function jsonPath(pointer: string, key?: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (key !== undefined) parts.push(key);
  const text = parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  return text || '$';
}

/** world.schema.json through ajv: the first problem, unknown keys named by their JSON path. */
function checkSchema(value: unknown): void {
  schemaCheck ??= new Ajv2020({ allErrors: true, strict: true }).compile(WORLD_SCHEMA);
  if (schemaCheck(value)) return;
  const errors = schemaCheck.errors ?? [];
  // An unknown key is the likeliest mistake (a typo); report it before what follows from it.
  const e = errors.find((x) => x.keyword === 'additionalProperties') ?? errors[0];
  if (e.keyword === 'additionalProperties') {
    const key = String((e.params as { additionalProperty: string }).additionalProperty);
    fail(jsonPath(e.instancePath, key), `unknown key "${key}" (not in world.schema.json)`);
  }
  fail(jsonPath(e.instancePath), e.message ?? 'does not match world.schema.json');
}

/** Check a parsed world; returns it typed, or throws WorldError naming the JSON path. */
export function validateWorld(value: unknown): World {
  if (!isObject(value)) fail('$', 'a world must be a JSON object');
  str(value.tenantId, 'tenantId');
  if (!Array.isArray(value.subscriptions) || value.subscriptions.length === 0) fail('subscriptions', 'must be a non-empty array');
  value.subscriptions.forEach((s, i) => {
    if (!isObject(s)) fail(`subscriptions[${i}]`, 'must be an object');
    str(s.subscriptionId, `subscriptions[${i}].subscriptionId`);
    str(s.displayName, `subscriptions[${i}].displayName`);
  });
  if (!isObject(value.operator)) fail('operator', 'must be an object');
  str(value.operator.principalId, 'operator.principalId');
  if (!Array.isArray(value.resources)) fail('resources', 'must be an array');
  const seen = new Set<string>();
  value.resources.forEach((r, i) => {
    const at = `resources[${i}]`;
    if (!isObject(r)) fail(at, 'must be an object');
    if (typeof r.id !== 'string' || !RESOURCE_ID.test(r.id)) fail(`${at}.id`, 'must be an ARM resource id');
    const id = r.id as string;
    if (seen.has(id.toLowerCase())) fail(`${at}.id`, `duplicates an earlier resource (${id})`);
    seen.add(id.toLowerCase());
    if (r.name !== nameOf(id)) fail(`${at}.name`, `must be "${nameOf(id)}" (the last segment of the id)`);
    const expected = typeOf(id)!;
    if (typeof r.type !== 'string' || r.type.toLowerCase() !== expected.toLowerCase())
      fail(`${at}.type`, `must be "${expected}" for this id`);
    if (r.properties !== undefined && !isObject(r.properties)) fail(`${at}.properties`, 'must be an object');
  });
  if (value.vaultData !== undefined) {
    if (!isObject(value.vaultData)) fail('vaultData', 'must be an object');
    for (const [vault, data] of Object.entries(value.vaultData)) {
      if (!isObject(data)) fail(`vaultData.${vault}`, 'must be an object');
      for (const kind of ['certificates', 'secrets'] as const) {
        const objects = data[kind];
        if (objects === undefined) continue;
        if (!isObject(objects)) fail(`vaultData.${vault}.${kind}`, 'must be an object');
        for (const [name, obj] of Object.entries(objects)) {
          const at = `vaultData.${vault}.${kind}.${name}`;
          if (!isObject(obj) || !Array.isArray(obj.versions) || obj.versions.length === 0)
            fail(`${at}.versions`, 'must be a non-empty array');
          (obj.versions as unknown[]).forEach((v, i) => {
            if (!isObject(v)) fail(`${at}.versions[${i}]`, 'must be an object');
            str(v.version, `${at}.versions[${i}].version`);
            for (const d of ['created', 'expires', 'notBefore'] as const) {
              if (v[d] !== undefined && (typeof v[d] !== 'string' || Number.isNaN(Date.parse(v[d] as string))))
                fail(`${at}.versions[${i}].${d}`, 'must be an ISO date');
            }
          });
        }
      }
    }
  }
  if (value.apimSystemIdentities !== undefined && !isObject(value.apimSystemIdentities)) fail('apimSystemIdentities', 'must be an object');
  if (value.rbacPropagationMs !== undefined && (typeof value.rbacPropagationMs !== 'number' || value.rbacPropagationMs < 0))
    fail('rbacPropagationMs', 'must be a number >= 0');
  if (value.faults !== undefined) {
    if (!Array.isArray(value.faults)) fail('faults', 'must be an array');
    value.faults.forEach((f, i) => fault(f, `faults[${i}]`));
  }
  if (value.latency !== undefined) {
    if (!isObject(value.latency) || typeof value.latency.baseMs !== 'number' || typeof value.latency.jitterMs !== 'number')
      fail('latency', 'must be { baseMs: number, jitterMs: number }');
  }
  if (value.deletedVaults !== undefined && !Array.isArray(value.deletedVaults)) fail('deletedVaults', 'must be an array');
  if (value.pageSize !== undefined && (!Number.isInteger(value.pageSize) || (value.pageSize as number) < 1))
    fail('pageSize', 'must be a positive integer');
  if (value.managementGroups !== undefined) {
    if (!isObject(value.managementGroups)) fail('managementGroups', 'must be an object of name -> subscription ids');
    for (const [name, subs] of Object.entries(value.managementGroups)) {
      if (!Array.isArray(subs) || subs.some((x) => typeof x !== 'string'))
        fail(`managementGroups.${name}`, 'must be an array of subscription ids');
    }
  }
  if (value.deploymentOperations !== undefined) {
    if (!isObject(value.deploymentOperations)) fail('deploymentOperations', 'must be an object of deployment id -> operations');
    for (const [id, ops] of Object.entries(value.deploymentOperations)) {
      if (!/\/providers\/Microsoft\.Resources\/deployments\/[^/]+$/i.test(id))
        fail(`deploymentOperations.${id}`, 'must be keyed by a deployment resource id');
      if (!Array.isArray(ops)) fail(`deploymentOperations.${id}`, 'must be an array');
      ops.forEach((o, i) => {
        if (!isObject(o)) fail(`deploymentOperations.${id}[${i}]`, 'must be an object');
        str(o.operationId, `deploymentOperations.${id}[${i}].operationId`);
        if (o.id !== `${id}/operations/${o.operationId}`)
          fail(`deploymentOperations.${id}[${i}].id`, `must be "${id}/operations/${o.operationId}"`);
      });
    }
  }
  if (value.graphTruncateAfter !== undefined && (!Number.isInteger(value.graphTruncateAfter) || (value.graphTruncateAfter as number) < 0))
    fail('graphTruncateAfter', 'must be an integer >= 0');
  // The checks above word the common mistakes; the schema then refuses anything it does not know.
  checkSchema(value);
  return value as unknown as World;
}

export { fault as validateFaultShape };

/** Load a world by shipped name (see `WORLD_NAMES`) or from a JSON file; validated. */
export function loadWorld(pathOrName: string): World {
  const shipped = SHIPPED_WORLDS[pathOrName];
  if (shipped) return validateWorld(structuredClone(shipped));
  const fleet = FLEET_WORLD.exec(pathOrName);
  if (fleet) {
    const instances = Number(fleet[1] ?? 40);
    return validateWorld(
      generateFleet({
        instances,
        vaults: Math.ceil(instances * 1.5),
        subscriptions: Math.max(1, Math.min(20, Math.ceil(instances / 50))),
        seed: 1,
      }),
    );
  }
  let text: string;
  try {
    text = readFileSync(pathOrName, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new WorldError(
      `cannot read world "${pathOrName}" (${code ?? 'error'}); shipped worlds: ${Object.keys(SHIPPED_WORLDS).join(', ')}, fleet, fleet-<instances>`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new WorldError(`$: ${pathOrName} is not valid JSON (${(e as Error).message})`);
  }
  return validateWorld(parsed);
}
