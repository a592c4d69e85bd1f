/**
 * The audit log: one JSON line per executed (or refused) mutation, with who asked, what was
 * asked, the plan and how it ended. pino writes it (to stdout, i.e. the journal, by default).
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import type { Plan } from '../core/plan.ts';

export interface AuditEntry {
  who: string;
  operation: string;
  request: unknown;
  dryRun: boolean;
  outcome: 'executed' | 'planned' | 'failed';
  plan?: Plan;
  error?: { code: string; message: string };
  durationMs: number;
}

export interface AuditLog {
  record(entry: AuditEntry): void;
}

/** An audit log writing JSON lines to `destination` (default stdout). */
export function pinoAuditLog(destination?: DestinationStream): AuditLog & { logger: Logger } {
  const logger = pino({ name: 'vgpuctl-agent', base: { component: 'audit' } }, destination);
  return {
    logger,
    record(entry) {
      if (entry.outcome === 'failed') logger.warn(entry, 'operation failed');
      else logger.info(entry, entry.outcome === 'executed' ? 'operation executed' : 'operation planned');
    },
  };
}
