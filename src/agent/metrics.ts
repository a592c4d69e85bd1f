/**
 * /metrics for Prometheus: the host as the live model sees it (computed at scrape time from the
 * latest reading, so a scrape never reads the host) and the agent's own operations and health.
 * A private Registry keeps agents in one process (tests) apart.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HostModel } from '../model/host-model.ts';
import { allocatedMiB } from '../model/host-state.ts';

export interface AgentMetrics {
  registry: Registry;
  operations: Counter<'operation' | 'outcome'>;
  operationSeconds: Histogram<'operation'>;
}

export function agentMetrics(model: HostModel, startedAt: number): AgentMetrics {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: L[], collect: (g: Gauge<L>) => void) =>
    new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        collect(this);
      },
    });

  gauge('vgpuctl_vgpu_instances_used', 'Live vGPUs of a type on a GPU', ['gpu', 'type'], (g) => {
    for (const t of model.state.types) g.set({ gpu: t.gpu, type: t.id }, t.instances);
  });
  gauge('vgpuctl_vgpu_instances_available', 'vGPUs of a type a GPU can still create', ['gpu', 'type'], (g) => {
    for (const t of model.state.types) {
      if (t.availableInstances !== null) g.set({ gpu: t.gpu, type: t.id }, t.availableInstances);
    }
  });
  gauge(
    'vgpuctl_framebuffer_bytes',
    'GPU framebuffer: total, physical and virtual VRAM, and allocated to live vGPUs',
    ['gpu', 'kind'],
    (g) => {
      for (const gpu of model.state.inventory.gpus) {
        const mib = (n: number | null) => (n === null ? null : n * 1024 * 1024);
        for (const [kind, value] of [
          ['total', mib(gpu.vram.totalMiB)],
          ['physical', mib(gpu.vram.physicalMiB)],
          ['virtual', mib(gpu.vram.virtualMiB)],
          ['allocated', allocatedMiB(model.state, gpu.address) * 1024 * 1024],
        ] as const) {
          if (value !== null) g.set({ gpu: gpu.address, kind }, value);
        }
      }
    },
  );
  gauge('vgpuctl_sriov_vfs', 'SR-IOV virtual functions: enabled and total', ['gpu', 'kind'], (g) => {
    for (const gpu of model.state.inventory.gpus) {
      if (gpu.sriov === null) continue;
      g.set({ gpu: gpu.address, kind: 'enabled' }, gpu.sriov.numVfs);
      g.set({ gpu: gpu.address, kind: 'total' }, gpu.sriov.totalVfs);
    }
  });
  gauge('vgpuctl_gpu_driver_info', 'The driver a GPU is bound to (1), "none" when unbound', ['gpu', 'driver'], (g) => {
    for (const gpu of model.state.inventory.gpus) g.set({ gpu: gpu.address, driver: gpu.driver ?? 'none' }, 1);
  });
  gauge('vgpuctl_gpu_vfio_bound', 'Whether a GPU is bound to a VFIO driver (passthrough)', ['gpu'], (g) => {
    for (const gpu of model.state.inventory.gpus) g.set({ gpu: gpu.address }, gpu.driver?.includes('vfio') ? 1 : 0);
  });
  gauge('vgpuctl_agent_up', 'The agent runs and its last reading of the host succeeded (1) or failed (0)', [], (g) => {
    g.set(model.health.lastError === null ? 1 : 0);
  });
  gauge('vgpuctl_agent_uptime_seconds', 'Seconds since the agent started', [], (g) => {
    g.set((Date.now() - startedAt) / 1000);
  });
  gauge('vgpuctl_model_refreshes', 'Readings of the host, successful and failed', ['outcome'], (g) => {
    g.set({ outcome: 'ok' }, model.health.refreshes);
    g.set({ outcome: 'failed' }, model.health.failures);
  });
  gauge('vgpuctl_model_last_event_id', 'Id of the newest event published', [], (g) => g.set(model.history.lastId));
  gauge('vgpuctl_agent_resident_memory_bytes', 'Resident set size of the agent', [], (g) => {
    g.set(process.memoryUsage.rss());
  });

  return {
    registry,
    operations: new Counter({
      name: 'vgpuctl_operations_total',
      help: 'Mutations by operation and outcome (executed, planned, failed)',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    operationSeconds: new Histogram({
      name: 'vgpuctl_operation_duration_seconds',
      help: 'Time from request to the refreshed model, per operation',
      labelNames: ['operation'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
