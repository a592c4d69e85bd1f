/** What the agent's routes run with: one set per agent, shared by its unix and TCP listeners. */
import type { PciIds } from '../core/pci-ids.ts';
import type { HostPort } from '../host/host-port.ts';
import type { HostModel } from '../model/host-model.ts';
import type { TokenSet } from './auth.ts';
import type { AgentMetrics } from './metrics.ts';
import type { Operations } from './operations.ts';
import type { Reconciler } from './reconciler.ts';

export interface AgentServices {
  host: HostPort;
  pciIds: PciIds;
  model: HostModel;
  operations: Operations;
  metrics: AgentMetrics;
  env: NodeJS.ProcessEnv;
  startedAt: number;
  /** Tokens accepted over TCP; undefined when the agent listens on its unix socket only. */
  tokens: TokenSet | undefined;
  /** Reconciles the desired state, when the agent has one. */
  reconciler: Reconciler | undefined;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
}

/** How a request reached the agent. */
export type Transport = 'unix' | 'tcp';
