// An HTTPS agent handed to the Azure SDK pipelines (our trust anchor and *.localhost mapping).
/**
 * The SDK's log policy serialises each request with JSON.stringify, agent included, and an agent's sockets
 * hold the raw request head with its Authorization header. JSON.stringify asks toJSON first: the agent
 * (our trust anchor and DNS mapping) is then logged as a name, never as its sockets.
 */
export function unloggable<T extends object>(agent: T): T {
  if (!Object.prototype.hasOwnProperty.call(agent, 'toJSON'))
    Object.defineProperty(agent, 'toJSON', { value: () => '[HTTPS agent: custom trust]', enumerable: false });
  return agent;
}
