// Rules for identifiers the operator types, checked while the arguments are parsed (so before the first
// frame: this module imports nothing).

/** A subscription id: a GUID (ARM refuses anything else, after a long way round). */
export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Why an API Management certificate id cannot be used, or undefined. The REST spec's rule
 * (apimanagement.json 2024-05-01, CertificateIdParameter: 1 to 80 characters, pattern ^[^*#&+:<>?]+$), and
 * also what would change the URL it is sent in or hide in a terminal: '/', '\\', controls, blank or padded.
 */
export function certificateIdProblem(id: string): string | undefined {
  if (id.length < 1 || id.length > 80) return `is ${id.length} characters long; API Management allows 1 to 80`;
  if (/[*#&+:<>?]/.test(id)) return `contains ${JSON.stringify(id.match(/[*#&+:<>?]/)![0])}; API Management refuses * # & + : < > ?`;
  if (/[/\\]/.test(id)) return 'contains a slash, which would change the request path';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(id)) return 'contains a control character';
  if (id.trim() !== id || id.trim() === '') return 'is blank or starts or ends with a space';
  return undefined;
}

/** An id that passes certificateIdProblem, made from one that does not (cut to 80, no edge hyphens). */
export function suggestedCertificateId(id: string): string {
  const cut = id
    .replace(/[^A-Za-z0-9-]/g, '-')
    .slice(0, 80)
    .replace(/^-+|-+$/g, '');
  return cut || 'certificate';
}
