/**
 * Kubernetes plugins on a node with 2048+ devices (`big`): ResourceSlice publication through
 * @kubernetes/client-node to the API-server double (first publication creates every slice, a
 * change replaces them all with a new generation), the device plugin's ListAndWatch update
 * latency after a device leaves a settled node (p50/p99 over removals of live mdevs), and DRA
 * prepare/unprepare latency per claim (one T4-1B mdev each).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type DiscoverOptions, discover } from '../src/discovery/discover.ts';
import { EmulatedHost } from '../src/emulator/emulated-host.ts';
import { EmulatedKernel } from '../src/emulator/kernel.ts';
import { resolveScenario } from '../src/emulator/scenario/load.ts';
import { FakeApiServer } from '../src/kube/_test-apiserver.ts';
import { DeviceManagerKubelet } from '../src/kube/_test-kubelet.ts';
import { kubeClusterApi } from '../src/kube/api/kube-client.ts';
import { DEVICE_PLUGIN_SETTLE_MS, DevicePluginSet } from '../src/kube/device-plugin/plugin.ts';
import { Checkpoint } from '../src/kube/dra/checkpoint.ts';
import { DraDriver } from '../src/kube/dra/driver.ts';
import { SlicePublisher } from '../src/kube/dra/slice-publisher.ts';
import { nodeDevices } from '../src/kube/node-devices.ts';
import { HostModel } from '../src/model/host-model.ts';
import { readDefinitions } from '../src/store/definitions.ts';
import { median, printTable } from './util.ts';

const DRIVER = 'gpu.vgpuctl.io';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function boot(name: string): { kernel: EmulatedKernel; host: EmulatedHost } {
  const kernel = EmulatedKernel.boot(resolveScenario({ name }));
  return { kernel, host: new EmulatedHost(kernel) };
}

function modelOf(host: EmulatedHost, kernel: EmulatedKernel, options: DiscoverOptions = {}, settleMs = 0): HostModel {
  return new HostModel({
    read: async () => ({ inventory: await discover(host, options), definitions: await readDefinitions(host) }),
    changes: [(notify) => kernel.onWrite(() => notify())],
    pollMs: 3_600_000,
    settleMs,
  });
}

export async function benchKube(): Promise<void> {
  const rows: string[][] = [];

  // 1. ResourceSlice publication: 128 T4s × (16 T4-1B slots + the whole GPU) = 2176 devices.
  {
    const { host } = boot('big:gpus=128,instances=0');
    const api = new FakeApiServer();
    await api.start();
    const offer = nodeDevices(await discover(host), { nodeName: 'big', types: ['T4-1B'] });
    const publisher = new SlicePublisher(kubeClusterApi({ server: api.url }), { driver: DRIVER, nodeName: 'big' });
    let start = performance.now();
    await publisher.publish(offer);
    const create = performance.now() - start;
    const changed = { ...offer, devices: offer.devices.slice(1) };
    start = performance.now();
    await publisher.publish(changed);
    const replace = performance.now() - start;
    rows.push([
      'ResourceSlice publication, create',
      `${offer.devices.length} devices, ${api.slices.size} slices`,
      create.toFixed(1),
      '',
      '',
    ]);
    rows.push([
      'ResourceSlice publication, new generation',
      `${changed.devices.length} devices`,
      replace.toFixed(1),
      '',
      '',
    ]);
    if (api.rejected.length > 0) throw new Error(`the API-server double refused ${api.rejected.length} slices`);
    await api.stop();
  }

  // 2. ListAndWatch update latency: 2048 live T4-1B mdevs; remove one, wait for its Unhealthy.
  {
    const { host, kernel } = boot('big:gpus=128,instances=2048');
    // As `kubelet-plugin device-plugin` runs it: direct health checks answer first, the reading follows.
    const model = modelOf(host, kernel, { deviceUsers: false, iommuGroups: false }, DEVICE_PLUGIN_SETTLE_MS);
    await model.start();
    const dir = await mkdtemp(join(tmpdir(), 'vgpuctl-bench-dp-'));
    const kubelet = new DeviceManagerKubelet(join(dir, 'kubelet.sock'));
    await kubelet.start();
    let sent: { at: number; unhealthy: Set<string> } = { at: 0, unhealthy: new Set() };
    const plugins = new DevicePluginSet({
      host,
      model,
      dir,
      changes: [(notify) => kernel.onWrite(() => notify())],
      onSent: (_resource, devices) => {
        sent = {
          at: performance.now(),
          unhealthy: new Set(devices.filter((d) => d.health === 'Unhealthy').map((d) => d.ID ?? '')),
        };
      },
    });
    await plugins.start();
    const endpoint = kubelet.registered[0]?.endpoint ?? '';
    const client = kubelet.plugin(endpoint);
    const stream = client.watch();
    const first = await stream.next();
    const ids = first.devices.map((d) => d.ID);
    const samples: number[] = [];
    const sentSamples: number[] = [];
    for (const id of ids.slice(0, 40)) {
      // A settled node: the reading the previous removal started is over.
      await model.refresh();
      await plugins.update();
      const start = performance.now();
      await host.write(`/sys/bus/mdev/devices/${id}/remove`, '1');
      for (;;) {
        const list = await stream.next();
        if (list.devices.find((d) => d.ID === id)?.health === 'Unhealthy') break;
      }
      samples.push(performance.now() - start);
      if (!sent.unhealthy.has(id)) throw new Error(`the last list sent does not mark ${id} Unhealthy`);
      sentSamples.push(sent.at - start);
    }
    rows.push([
      'ListAndWatch list sent after a removal',
      `${ids.length} devices, ${samples.length} removals`,
      median(sentSamples).toFixed(1),
      percentile(sentSamples, 99).toFixed(1),
      '',
    ]);
    rows.push([
      '  ... received by a kubelet client in the same process',
      '',
      median(samples).toFixed(1),
      percentile(samples, 99).toFixed(1),
      '',
    ]);
    stream.cancel();
    client.close();
    await plugins.stop();
    await kubelet.stop();
    model.stop();
    await rm(dir, { recursive: true, force: true });
  }

  // 3. DRA prepare/unprepare per claim on the 2176-device node.
  {
    const { host, kernel } = boot('big:gpus=128,instances=0');
    const model = modelOf(host, kernel);
    await model.start();
    const api = new FakeApiServer();
    await api.start();
    const driver = new DraDriver({
      host,
      model,
      cluster: kubeClusterApi({ server: api.url }),
      checkpoint: await Checkpoint.load(host, DRIVER),
      driver: DRIVER,
      nodeName: 'big',
      types: ['T4-1B'],
    });
    const slots = driver
      .offer()
      .devices.filter((d) => d.mechanism === 'mdev')
      .slice(0, 20);
    const prepare: number[] = [];
    const unprepare: number[] = [];
    for (const [i, slot] of slots.entries()) {
      const claim = { namespace: 'bench', name: `c${i}`, uid: `uid-${i}` };
      api.putClaim({ ...claim, results: [{ request: 'gpu', driver: DRIVER, pool: 'big', device: slot.name }] });
      let start = performance.now();
      const answer = await driver.prepare([claim]);
      prepare.push(performance.now() - start);
      if (answer[claim.uid]?.error !== '') throw new Error(answer[claim.uid]?.error);
      start = performance.now();
      await driver.unprepare([claim]);
      unprepare.push(performance.now() - start);
    }
    rows.push([
      'DRA NodePrepareResources (T4-1B mdev)',
      `${slots.length} claims`,
      median(prepare).toFixed(1),
      percentile(prepare, 99).toFixed(1),
      '',
    ]);
    rows.push([
      'DRA NodeUnprepareResources',
      `${slots.length} claims`,
      median(unprepare).toFixed(1),
      percentile(unprepare, 99).toFixed(1),
      '',
    ]);
    model.stop();
    await api.stop();
  }

  printTable(
    'Kubernetes plugins on big (emulated, in-process; ms)',
    ['measure', 'size', 'median/once', 'p99', ''],
    rows,
  );
}
