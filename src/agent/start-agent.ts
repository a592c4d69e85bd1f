/**
 * Starting and stopping the agent: the live model, the operations, the metrics, the audit log
 * and the listeners, wired together. Stopping finishes (or rolls back) the operation in
 * flight, ends event streams, closes the listeners and the model.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { PciIds } from '../core/pci-ids.ts';
import { discover } from '../discovery/discover.ts';
import type { HostPort } from '../host/host-port.ts';
import { type ChangeSource, HostModel } from '../model/host-model.ts';
import { readDefinitions } from '../store/definitions.ts';
import { createAgentApp } from './app.ts';
import { type AuditLog, pinoAuditLog } from './audit-log.ts';
import { type TokenEntry, TokenSet } from './auth.ts';
import { closeServer, listenTcp, listenUnix } from './listen.ts';
import { agentMetrics } from './metrics.ts';
import { Operations } from './operations.ts';
import { Reconciler, type ReconcilerOptions } from './reconciler.ts';
import type { AgentServices } from './services.ts';

export interface AgentOptions {
  host: HostPort;
  pciIds: PciIds;
  env: NodeJS.ProcessEnv;
  changes: ChangeSource[];
  /** Unix socket path (a real path); none when undefined. */
  socket?: string;
  /** Group of the socket. */
  socketGid?: number;
  /** TCP address; needs tokens. */
  listen?: { host: string; port: number };
  tokens?: TokenEntry[];
  pollMs?: number;
  audit?: AuditLog;
  bodyLimit?: number;
  historySize?: number;
  /** The desired state to reconcile continuously; none when undefined. */
  desired?: Pick<ReconcilerOptions, 'readFile' | 'source' | 'backoffMs' | 'maxBackoffMs' | 'debounceMs'>;
}

export interface RunningAgent {
  services: AgentServices;
  socket: string | undefined;
  /** `http://HOST:PORT` of the TCP listener. */
  url: string | undefined;
  close(): Promise<void>;
}

export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const { host, pciIds } = options;
  const startedAt = Date.now();
  const model = new HostModel({
    // The model reads what the API, events and dashboard show; every IOMMU group and /proc's
    // device users are read on demand by the routes that need them.
    read: async () => ({
      inventory: await discover(host, { pciIds, deviceUsers: false, iommuGroups: false, instances: 'ids' }),
      definitions: await readDefinitions(host),
    }),
    changes: options.changes,
    pollMs: options.pollMs ?? 1000,
    ...(options.historySize === undefined ? {} : { historySize: options.historySize }),
  });
  await model.start();
  const metrics = agentMetrics(model, startedAt);
  const audit = options.audit ?? pinoAuditLog();
  const operations = new Operations({ host, pciIds, model, audit, metrics, env: options.env });
  const services: AgentServices = {
    host,
    pciIds,
    model,
    operations,
    metrics,
    env: options.env,
    startedAt,
    reconciler:
      options.desired === undefined ? undefined : new Reconciler({ host, model, operations, ...options.desired }),
    tokens: options.tokens === undefined ? undefined : new TokenSet(options.tokens, randomBytes(32)),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
  };
  const closing = new AbortController();
  const servers: Server[] = [];
  let url: string | undefined;
  try {
    if (options.socket !== undefined) {
      const app = createAgentApp(services, { transport: 'unix', closing: closing.signal });
      servers.push(
        await listenUnix(app.fetch, options.socket, options.socketGid === undefined ? {} : { gid: options.socketGid }),
      );
    }
    if (options.listen !== undefined) {
      const app = createAgentApp(services, { transport: 'tcp', closing: closing.signal });
      const { server, port } = await listenTcp(app.fetch, options.listen.host, options.listen.port);
      servers.push(server);
      url = `http://${options.listen.host.includes(':') ? `[${options.listen.host}]` : options.listen.host}:${port}`;
    }
  } catch (error) {
    model.stop();
    await Promise.all(servers.map(closeServer));
    throw error;
  }
  services.reconciler?.start();
  let closed: Promise<void> | undefined;
  return {
    services,
    socket: options.socket,
    url,
    close() {
      closed ??= (async () => {
        // Refuse new connections first, let the operation in flight finish (or roll back).
        const closingServers = servers.map(closeServer);
        closing.abort();
        await services.reconciler?.stop();
        await operations.drain();
        await Promise.all(closingServers);
        model.stop();
      })();
      return closed;
    },
  };
}
