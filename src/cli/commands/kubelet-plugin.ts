/**
 * `vgpuctl kubelet-plugin`: the node side of Kubernetes — `dra` (the DRA driver: ResourceSlices
 * and NodePrepareResources on demand), `device-plugin` (v1beta1, for KubeVirt's
 * permittedHostDevices), `config` (the permittedHostDevices snippet for this host) and `slices`
 * (the ResourceSlices `dra` would publish, without an API server). The daemons run until
 * SIGINT/SIGTERM on the live host model.
 */
import { hostname } from 'node:os';
import { emulatedKernelChanges } from '../../agent/change-sources.ts';
import { VgpuctlError } from '../../core/errors.ts';
import { discover } from '../../discovery/discover.ts';
import { kubeClusterApi } from '../../kube/api/kube-client.ts';
import {
  DEFAULT_DEVICE_PLUGIN_DIR,
  DEFAULT_DRIVER,
  DEFAULT_PLUGINS_DIR,
  DEFAULT_REGISTRY_DIR,
} from '../../kube/defaults.ts';
import { DEVICE_PLUGIN_SETTLE_MS, DevicePluginSet } from '../../kube/device-plugin/plugin.ts';
import { Checkpoint } from '../../kube/dra/checkpoint.ts';
import { DraDriver } from '../../kube/dra/driver.ts';
import { startDraPlugin } from '../../kube/dra/plugin-server.ts';
import { resourceSlices } from '../../kube/dra/resource-slices.ts';
import { SlicePublisher } from '../../kube/dra/slice-publisher.ts';
import { permittedHostDevices, permittedHostDevicesYaml } from '../../kube/kubevirt-config.ts';
import { nodeDevices } from '../../kube/node-devices.ts';
import { type ChangeSource, HostModel } from '../../model/host-model.ts';
import { readDefinitions } from '../../store/definitions.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';

function nodeNameOf(option: string | undefined, env: NodeJS.ProcessEnv): string {
  return option ?? (env.NODE_NAME || hostname());
}

function typesOf(option: string | undefined): string[] | undefined {
  return option === undefined
    ? undefined
    : option
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
}

function pollOf(option: string | undefined): number {
  const ms = option === undefined ? 1000 : Number(option);
  if (!(Number.isInteger(ms) && ms >= 50))
    throw new VgpuctlError('INVALID_ARGUMENT', `Cannot poll every "${option}" ms: give a whole number of 50 or more`, {
      hint: 'For example --poll 1000',
    });
  return ms;
}

function changesOf(context: CommandContext): ChangeSource[] {
  return context.emulator === undefined ? [] : [emulatedKernelChanges(context.emulator.kernel)];
}

/** The live model; the device plugin's needs no IOMMU-group walk or /proc scan, and lets health checks answer first. */
function liveModel(context: CommandContext, pollMs: number, devicePlugin = false): HostModel {
  return new HostModel({
    read: async () => ({
      inventory: await discover(context.host, {
        pciIds: context.pciIds,
        ...(devicePlugin ? { deviceUsers: false, iommuGroups: false } : {}),
      }),
      definitions: await readDefinitions(context.host),
    }),
    changes: changesOf(context),
    pollMs,
    ...(devicePlugin ? { settleMs: DEVICE_PLUGIN_SETTLE_MS } : {}),
  });
}

export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

export interface DraCommandOptions {
  driver?: string;
  nodeName?: string;
  registryDir?: string;
  pluginsDir?: string;
  kubeconfig?: string;
  apiServer?: string;
  types?: string;
  counters?: boolean;
  poll?: string;
}

/** Runs the DRA driver until `stop` resolves. */
export async function draCommand(
  context: CommandContext,
  options: DraCommandOptions,
  stop: Promise<void>,
  ready: (banner: CommandResult) => void,
  log: (line: string) => void,
): Promise<CommandResult> {
  const driverName = options.driver ?? DEFAULT_DRIVER;
  const nodeName = nodeNameOf(options.nodeName, context.env);
  const types = typesOf(options.types);
  const model = liveModel(context, pollOf(options.poll));
  await model.start();
  try {
    const cluster = kubeClusterApi(
      options.apiServer !== undefined
        ? { server: options.apiServer }
        : options.kubeconfig !== undefined
          ? { kubeconfig: options.kubeconfig }
          : { defaults: true },
    );
    const driver = new DraDriver({
      host: context.host,
      model,
      cluster,
      checkpoint: await Checkpoint.load(context.host, driverName),
      driver: driverName,
      nodeName,
      ...(types === undefined ? {} : { types }),
    });
    const plugin = await startDraPlugin({
      driver,
      driverName,
      model,
      publisher: new SlicePublisher(cluster, { driver: driverName, nodeName, counters: options.counters !== false }),
      registryDir: options.registryDir ?? DEFAULT_REGISTRY_DIR,
      pluginsDir: options.pluginsDir ?? DEFAULT_PLUGINS_DIR,
      log,
    });
    const offer = driver.offer();
    ready({
      data: {
        driver: driverName,
        nodeName,
        registrationSocket: plugin.registrationSocket,
        draSocket: plugin.draSocket,
        devices: offer.devices.length,
      },
      text: [
        `vgpuctl DRA driver ${driverName} on ${context.host.description}, node ${nodeName}`,
        `  registration: ${plugin.registrationSocket}`,
        `  DRAPlugin v1: ${plugin.draSocket}`,
        `  ${offer.devices.length} devices on ${offer.counters.length} GPUs${offer.skipped.length === 0 ? '' : ` (left out: ${offer.skipped.join(', ')})`}`,
        'Press Ctrl-C to stop.',
      ].join('\n'),
    });
    await stop;
    await plugin.stop();
  } finally {
    model.stop();
  }
  return { data: { stopped: true }, text: 'vgpuctl DRA driver stopped' };
}

/** Runs the device plugin until `stop` resolves. */
export async function devicePluginCommand(
  context: CommandContext,
  options: { dir?: string; alias?: string[]; poll?: string },
  stop: Promise<void>,
  ready: (banner: CommandResult) => void,
  log: (line: string) => void,
): Promise<CommandResult> {
  const aliases: Record<string, string> = {};
  for (const pair of options.alias ?? []) {
    const [name, alias] = pair.split('=');
    if (name === undefined || alias === undefined || name === '' || alias === '')
      throw new VgpuctlError('INVALID_ARGUMENT', `Cannot use alias "${pair}": expected RESOURCE=ALIAS`, {
        hint: 'For example --alias nvidia.com/GRID_T4-1B=nvidia.com/vgpu',
      });
    aliases[name] = alias;
  }
  const model = liveModel(context, pollOf(options.poll), true);
  await model.start();
  const plugins = new DevicePluginSet({
    host: context.host,
    model,
    dir: options.dir ?? DEFAULT_DEVICE_PLUGIN_DIR,
    aliases,
    changes: changesOf(context),
    log,
  });
  try {
    await plugins.start();
    ready({
      data: { dir: options.dir ?? DEFAULT_DEVICE_PLUGIN_DIR, resources: plugins.resources },
      text: [
        `vgpuctl device plugin on ${context.host.description}`,
        ...plugins.resources.map((r) => `  ${r}: ${plugins.socketOf(r)}`),
        'Press Ctrl-C to stop.',
      ].join('\n'),
    });
    await stop;
  } finally {
    await plugins.stop();
    model.stop();
  }
  return { data: { stopped: true }, text: 'vgpuctl device plugin stopped' };
}

export async function configCommand(context: CommandContext): Promise<CommandResult> {
  const devices = permittedHostDevices(await discover(context.host, { pciIds: context.pciIds }));
  return { data: { permittedHostDevices: devices }, text: permittedHostDevicesYaml(devices) };
}

export async function slicesCommand(
  context: CommandContext,
  options: { driver?: string; nodeName?: string; types?: string; counters?: boolean },
): Promise<CommandResult> {
  const nodeName = nodeNameOf(options.nodeName, context.env);
  const types = typesOf(options.types);
  const offer = nodeDevices(await discover(context.host, { pciIds: context.pciIds }), {
    nodeName,
    ...(types === undefined ? {} : { types }),
  });
  const slices = resourceSlices(offer, {
    driver: options.driver ?? DEFAULT_DRIVER,
    nodeName,
    generation: 1,
    counters: options.counters !== false,
  });
  const lines = slices.map(
    (s) =>
      `${s.metadata.name}: ${s.spec.devices.length} devices (${[...new Set(s.spec.devices.map((d) => (d.attributes.mechanism && 'string' in d.attributes.mechanism ? d.attributes.mechanism.string : '')))].join(', ')})`,
  );
  if (offer.skipped.length > 0)
    lines.push(`left out (over 128 devices per GPU; choose with --types): ${offer.skipped.join(', ')}`);
  return { data: { items: slices, skipped: offer.skipped }, text: lines.join('\n') };
}
