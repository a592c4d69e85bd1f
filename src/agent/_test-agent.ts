/** Test helpers: an agent on an emulated host, its apps for each transport, and tokens. */
import { NO_PCI_IDS } from '../core/pci-ids.ts';
import { emulated } from '../ops/vgpu/_test-hosts.ts';
import { createAgentApp } from './app.ts';
import type { AuditEntry } from './audit-log.ts';
import type { TokenEntry } from './auth.ts';
import { emulatedKernelChanges } from './change-sources.ts';
import { type AgentOptions, startAgent } from './start-agent.ts';

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
export const READ_TOKEN = 'read-token-0123456789abcdef';
const TEST_TOKENS: TokenEntry[] = [
  { token: ADMIN_TOKEN, role: 'admin', name: 'ops' },
  { token: READ_TOKEN, role: 'read', name: 'monitoring' },
];

/** Starts an agent on an emulated scenario (no listeners unless given); `audit` collects its audit log. */
export async function testAgent(scenario = 'lab', options: Partial<AgentOptions> = {}) {
  const { host, kernel } = emulated(scenario);
  const audit: AuditEntry[] = [];
  const agent = await startAgent({
    host,
    pciIds: NO_PCI_IDS,
    env: {},
    changes: [emulatedKernelChanges(kernel)],
    tokens: TEST_TOKENS,
    pollMs: 3_600_000,
    audit: { record: (entry) => audit.push(entry) },
    ...options,
  });
  const closing = new AbortController();
  const unix = createAgentApp(agent.services, { transport: 'unix', closing: closing.signal });
  const tcp = createAgentApp(agent.services, { transport: 'tcp', closing: closing.signal });
  return {
    host,
    kernel,
    agent,
    audit,
    unix,
    tcp,
    async close() {
      closing.abort();
      await agent.close();
    },
  };
}

/** JSON request options. */
export function jsonBody(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
