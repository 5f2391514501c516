// Judging a body against one definition of a verbatim spec file (test/specs), for the pairs no spec operation
// describes (Network's Azure-AsyncOperation URL). oav cannot be asked about a definition alone, so its rules are
// applied here on ajv, the same validator the world loader uses: a model that declares properties and says nothing
// about others accepts no others (oav's OBJECT_ADDITIONAL_PROPERTIES), `required` holds, types and date-time are
// checked, and an `x-ms-enum` with `modelAsString: true` is open (oav reads it so).
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';

type Schema = Record<string, unknown>;

/** A swagger 2.0 schema as oav reads it, for JSON Schema draft 7. */
function asOavReadsIt(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(asOavReadsIt);
  if (!node || typeof node !== 'object') return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node as Schema)) {
    if (k.startsWith('x-') || k === 'readOnly' || k === 'description' || k === 'title' || k === 'discriminator') continue;
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, asOavReadsIt(s)])) : asOavReadsIt(v);
  }
  const src = node as Schema;
  if ((src['x-ms-enum'] as { modelAsString?: boolean } | undefined)?.modelAsString) delete out.enum;
  if (src.properties && !('additionalProperties' in src) && !src.allOf) out.additionalProperties = false;
  return out;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** A function listing what is wrong with a body for `definition` of the swagger file at `path` ([] when valid). */
export function definitionJudge(path: string, definition: string): (body: unknown) => string[] {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { definitions: Record<string, unknown> };
  if (!doc.definitions[definition]) throw new Error(`${path} has no definition ${definition}`);
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('date-time', DATE_TIME);
  for (const f of ['arm-id', 'uuid', 'uri', 'int32', 'int64', 'double', 'float', 'duration', 'password', 'byte']) ajv.addFormat(f, true);
  const validate = ajv.compile({ $ref: `#/definitions/${definition}`, definitions: asOavReadsIt(doc.definitions) as Schema });
  return (body) =>
    validate(body)
      ? []
      : (validate.errors ?? []).map(
          (e: ErrorObject) =>
            `${e.keyword} ${e.instancePath || '$'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : ''}`,
        );
}
