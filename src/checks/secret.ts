const REDACTED = '[redacted]';

/**
 * A value that must never be printed, logged, journaled or serialised (a .pfx password, .pfx bytes).
 * Only `reveal()` gives the value back, and only the gateway calls it when building a request body.
 */
export class Secret {
  readonly #value: string;
  readonly label: string;

  constructor(value: string, label = 'secret') {
    this.#value = value;
    this.label = label;
  }

  reveal(): string {
    return this.#value;
  }

  get length(): number {
    return this.#value.length;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Secret<${this.label}>(${REDACTED})`;
  }
}

export const redacted = REDACTED;
