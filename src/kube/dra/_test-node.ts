/**
 * Test helper: a node running the DRA plugin — an emulated host with its live model, the
 * driver with its checkpoint, the plugin's sockets in a temp directory, and an API-server
 * double behind @kubernetes/client-node.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discover } from '../../discovery/discover.ts';
import type { EmulatedKernel } from '../../emulator/kernel.ts';
import type { ScenarioInput } from '../../emulator/scenario/schema.ts';
import type { HostPort } from '../../host/host-port.ts';
import { HostModel } from '../../model/host-model.ts';
import { emulated } from '../../ops/vgpu/_test-hosts.ts';
import { readDefinitions } from '../../store/definitions.ts';
import { FakeApiServer } from '../_test-apiserver.ts';
import { DraKubelet } from '../_test-kubelet.ts';
import { kubeClusterApi } from '../api/kube-client.ts';
import { Checkpoint } from './checkpoint.ts';
import { DraDriver, type DraDriverOptions } from './driver.ts';
import { type RunningDraPlugin, startDraPlugin } from './plugin-server.ts';
import { SlicePublisher } from './slice-publisher.ts';

export const DRIVER = 'gpu.vgpuctl.io';
export const NODE = 'node-1';

export interface TestNode {
  host: HostPort;
  kernel: EmulatedKernel;
  model: HostModel;
  api: FakeApiServer;
  driver: DraDriver;
  plugin: RunningDraPlugin;
  kubelet: DraKubelet;
  dir: string;
  /** A driver on the same host and checkpoint, as after a restart. */
  restartedDriver(extra?: Partial<DraDriverOptions>): Promise<DraDriver>;
  /** Resolves once the published devices satisfy `test` (published after each model event). */
  published(test: (names: string[]) => boolean): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startTestNode(
  scenario: string | ScenarioInput,
  extra: Partial<DraDriverOptions> = {},
): Promise<TestNode> {
  const { host, kernel } = emulated(scenario);
  const model = new HostModel({
    read: async () => ({ inventory: await discover(host), definitions: await readDefinitions(host) }),
    changes: [(notify) => kernel.onWrite(() => notify())],
    pollMs: 3_600_000,
    settleMs: 0,
  });
  await model.start();
  const api = new FakeApiServer();
  await api.start();
  const cluster = kubeClusterApi({ server: api.url });
  const dir = await mkdtemp(join(tmpdir(), 'vgpuctl-dra-'));
  const makeDriver = async (more: Partial<DraDriverOptions>) =>
    new DraDriver({
      host,
      model,
      cluster,
      checkpoint: await Checkpoint.load(host, DRIVER),
      driver: DRIVER,
      nodeName: NODE,
      ...more,
    });
  const driver = await makeDriver(extra);
  const plugin = await startDraPlugin({
    driver,
    driverName: DRIVER,
    model,
    publisher: new SlicePublisher(cluster, { driver: DRIVER, nodeName: NODE }),
    registryDir: join(dir, 'plugins_registry'),
    pluginsDir: join(dir, 'plugins'),
  });
  const kubelet = new DraKubelet(plugin.draSocket);
  return {
    host,
    kernel,
    model,
    api,
    driver,
    plugin,
    kubelet,
    dir,
    restartedDriver: (more = {}) => makeDriver(more),
    async published(test) {
      for (;;) {
        await plugin.publish();
        const names = api.deviceNames();
        if (test(names)) return names;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async stop() {
      kubelet.close();
      await plugin.stop();
      model.stop();
      await api.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Live mdev UUIDs of the host. */
export async function mdevs(host: HostPort): Promise<string[]> {
  return (await host.exists('/sys/bus/mdev/devices')) ? host.list('/sys/bus/mdev/devices') : [];
}

/** The driver a PCI function is bound to, or null. */
export async function driverOf(host: HostPort, address: string): Promise<string | null> {
  const link = `/sys/bus/pci/devices/${address}/driver`;
  if (!(await host.exists(link))) return null;
  const target = await host.readlink(link);
  return target.slice(target.lastIndexOf('/') + 1);
}
