/** Stand-ins for the desktop shell's tests: a secrets file kept in memory, and the probe's fetch. */
import { request as httpsRequest } from 'node:https';
import type { ProbeFetch } from '../../electron/remote-agents';
import type { SecretFile } from '../../electron/safe-secret-file';

/** A keychain's secrets file in memory, with its refusal switchable (`refusal`: why it cannot store). */
export class MemorySecrets implements SecretFile {
  constructor(
    public values: Record<string, string> = {},
    public refusal: string | null = null,
  ) {}
  readAll = () => ({ ...this.values });
  set = (name: string, value: string) => void (this.values[name] = value);
  delete = (name: string) => void delete this.values[name];
  problem = () => this.refusal;
}

/**
 * The probe's fetch as the shell's `net.fetch` behaves: https over node:https, trusting `ca` when
 * given and the system's certificates otherwise; http with Node's fetch.
 */
export function probeFetch(ca?: Buffer): ProbeFetch {
  return (url, init) =>
    url.startsWith('https:')
      ? new Promise((resolve, reject) => {
          const request = httpsRequest(url, { headers: init.headers, signal: init.signal, ...(ca ? { ca } : {}) }, (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode!, json: async () => JSON.parse(text) }));
          });
          request.on('error', reject);
          request.end();
        })
      : fetch(url, init);
}
