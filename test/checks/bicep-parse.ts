// Reads back the Bicep the snippets are written in (resource declarations with object, array, string,
// number and boolean literals, and bare expressions), so tests compare it with the request body it came from.
// Strict: anything else is a syntax error, so a malformed snippet fails the test.

export interface BicepResource {
  symbol: string;
  type: string;
  existing: boolean;
  body: Record<string, unknown>;
}

/** A value the template computes (a parameter, a function call), kept as its text. */
export interface BicepExpression {
  expression: string;
}

export function parseBicep(text: string): { resources: BicepResource[]; params: string[] } {
  const src = text.replace(/^\s*\/\/.*$/gm, '');
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`bicep: ${what} at ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  const ws = () => {
    while (i < src.length && /\s/.test(src[i]!)) i++;
  };
  const take = (re: RegExp) => {
    ws();
    const m = re.exec(src.slice(i));
    if (!m || m.index !== 0) fail(`expected ${re}`);
    i += m![0].length;
    return m!;
  };
  const str = (): string => {
    take(/^'/);
    let out = '';
    while (src[i] !== "'") {
      if (i >= src.length) fail('unterminated string');
      if (src[i] === '$' && src[i + 1] === '{') fail('unescaped interpolation');
      if (src[i] === '\\' && src[i + 1] === 'u') {
        const m = /^\\u\{([0-9A-Fa-f]{1,6})\}/.exec(src.slice(i)) ?? fail('bad \\u escape');
        out += String.fromCodePoint(parseInt(m[1]!, 16));
        i += m[0].length;
      } else if (src[i] === '\\') {
        const c = src[i + 1]!;
        out += { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' }[c] ?? fail(`bad escape \\${c}`);
        i += 2;
      } else out += src[i++];
    }
    i++;
    return out;
  };
  const value = (): unknown => {
    ws();
    const c = src[i];
    if (c === "'") return str();
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      for (ws(); src[i] !== '}'; ws()) {
        const key = src[i] === "'" ? str() : take(/^[A-Za-z_][A-Za-z0-9_]*/)[0];
        take(/^:/);
        obj[key] = value();
        if (!/^[ \t]*\n/.test(src.slice(i)) && (ws(), src[i] !== '}')) fail('expected a new line between properties');
      }
      i++;
      return obj;
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      for (ws(); src[i] !== ']'; ws()) arr.push(value());
      i++;
      return arr;
    }
    const m = take(/^(true|false|null|-?\d+(\.\d+)?|[A-Za-z_][A-Za-z0-9_.]*(\([^()\n]*\))?)/)[0];
    if (m === 'true' || m === 'false') return m === 'true';
    if (m === 'null') return null;
    if (/^-?\d/.test(m)) return Number(m);
    return { expression: m } satisfies BicepExpression;
  };
  const resources: BicepResource[] = [];
  const params: string[] = [];
  for (ws(); i < src.length; ws()) {
    if (src.startsWith('@secure()', i)) {
      i += '@secure()'.length;
      continue;
    }
    const word = take(/^(resource|param)\b/)[0];
    if (word === 'param') {
      params.push(take(/^[A-Za-z_][A-Za-z0-9_]*/)[0]);
      take(/^string\b/);
      continue;
    }
    const symbol = take(/^[A-Za-z_][A-Za-z0-9_]*/)[0];
    const type = str();
    ws();
    const existing = src.startsWith('existing', i);
    if (existing) i += 'existing'.length;
    take(/^=/);
    const body = value();
    if (!body || typeof body !== 'object' || Array.isArray(body)) fail('a resource body must be an object');
    resources.push({ symbol, type, existing, body: body as Record<string, unknown> });
  }
  return { resources, params };
}
