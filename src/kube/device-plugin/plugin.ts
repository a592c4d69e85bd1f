/**
 * The kubelet device plugin (v1beta1): one DevicePlugin server per resource on
 * `<device-plugins dir>/vgpuctl-<resource>.sock`, registered with the kubelet's
 * Registration service on kubelet.sock. Device health follows the live host model: a device
 * that leaves the host (hotplug hide, unbind, removal) is sent as Unhealthy on every
 * ListAndWatch stream as soon as the model publishes the change; when the kubelet restarts
 * (it recreates kubelet.sock) every resource registers again.
 */
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { HostPort } from '../../host/host-port.ts';
import type { ChangeSource, HostModel } from '../../model/host-model.ts';
import { isVfioDriver } from '../../ops/passthrough/driver-name.ts';
import { DEFAULT_DEVICE_PLUGIN_DIR } from '../defaults.ts';
import type { Device } from '../generated/v1beta1/Device.ts';
import type { DevicePluginHandlers } from '../generated/v1beta1/DevicePlugin.ts';
import type { ListAndWatchResponse } from '../generated/v1beta1/ListAndWatchResponse.ts';
import { grpcError, kubeletProtos, listenUnix, shutdown } from '../grpc/protos.ts';
import { labelPart } from '../node-devices.ts';
import { allocateContainer } from './allocate.ts';
import { preferredAllocation } from './preferred.ts';
import { type PluginDevice, type PluginResource, pluginResources } from './resources.ts';

const KUBELET_SOCKET = 'kubelet.sock';
const API_VERSION = 'v1beta1';
/**
 * How long the device plugin's model gathers change notifications before reading the host:
 * the direct health check answers the kubelet first, and a whole reading of a large host
 * (seconds of work on thousands of devices) does not delay that answer.
 */
export const DEVICE_PLUGIN_SETTLE_MS = 50;

export interface DevicePluginOptions {
  host: HostPort;
  model: HostModel;
  dir?: string;
  aliases?: Readonly<Record<string, string>>;
  /**
   * Sources that say the host may have changed (the emulated kernel's writes). Each notification
   * re-checks the health of every listed device directly — a few reads per device, not a whole
   * reading of the host — so that a device that went away is Unhealthy within milliseconds.
   */
  changes?: ChangeSource[];
  /** Interval of the same direct health check where no source notifies (sysfs on a real host). Default 100 ms. */
  healthPollMs?: number;
  /** Called after a changed list went out on the resource's ListAndWatch streams (metrics, benchmarks). */
  onSent?: (resource: string, devices: readonly Device[]) => void;
  log?: (line: string) => void;
}

/** One resource's server and what it last told the kubelet. */
interface Served {
  resource: PluginResource;
  /** Every device ever listed, so that one that went away is reported Unhealthy rather than dropped. */
  known: Map<string, PluginDevice>;
  healthy: Set<string>;
  server: grpc.Server;
  socket: string;
  streams: Set<grpc.ServerWritableStream<unknown, ListAndWatchResponse>>;
  last: string;
}

export class DevicePluginSet {
  private readonly served = new Map<string, Served>();
  private readonly options: DevicePluginOptions;
  private readonly dir: string;
  private unsubscribe: () => void = () => {};
  private stops: (() => void)[] = [];
  private healthTimer: ReturnType<typeof setInterval> | undefined;
  private checking = false;
  private recheck = false;
  private watcher: FSWatcher | undefined;
  private kubeletInode: number | undefined;
  private updating: Promise<void> = Promise.resolve();
  /** Registrations sent, per resource (for status and tests). */
  readonly registrations = new Map<string, number>();

  constructor(options: DevicePluginOptions) {
    this.options = options;
    this.dir = options.dir ?? DEFAULT_DEVICE_PLUGIN_DIR;
  }

  get resources(): string[] {
    return [...this.served.keys()];
  }

  socketOf(resource: string): string | undefined {
    return this.served.get(resource)?.socket;
  }

  async start(): Promise<void> {
    await this.update();
    this.unsubscribe = this.options.model.subscribe(() => {
      void this.update();
    });
    for (const source of this.options.changes ?? []) this.stops.push(source(() => void this.checkHealth()));
    this.healthTimer = setInterval(() => void this.checkHealth(), this.options.healthPollMs ?? 100);
    this.healthTimer.unref();
    this.watcher = watch(this.dir, { persistent: false }, (_event, file) => {
      if (file === KUBELET_SOCKET) void this.kubeletChanged();
    });
    this.watcher.on('error', () => this.watcher?.close());
    await this.kubeletChanged();
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    for (const stop of this.stops) stop();
    clearInterval(this.healthTimer);
    this.watcher?.close();
    await this.updating;
    for (const served of this.served.values()) {
      for (const stream of served.streams) stream.end();
      await shutdown(served.server);
    }
  }

  /** Recomputes every resource from the model; streams get the new list when it changed. */
  update(): Promise<void> {
    this.updating = this.updating
      .then(() => this.updateNow())
      .catch((error: unknown) => {
        this.options.log?.(`cannot update devices: ${(error as Error).message}`);
      });
    return this.updating;
  }

  private async updateNow(): Promise<void> {
    const resources = pluginResources(this.options.model.state.inventory, this.options.aliases);
    for (const resource of resources) {
      const served = this.served.get(resource.name) ?? (await this.serve(resource));
      served.resource = resource;
      for (const device of resource.devices) served.known.set(device.id, device);
    }
    for (const served of this.served.values()) {
      if (!resources.some((r) => r.name === served.resource.name))
        served.resource = { ...served.resource, devices: [] };
    }
    // A reading may have started before the latest change: health is what the host says now.
    await this.checkHealth();
  }

  /** Re-checks every listed device on the host; streams get the list when a health changed. */
  async checkHealth(): Promise<void> {
    if (this.checking) {
      this.recheck = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.recheck = false;
        const present = await this.presence();
        for (const served of this.served.values()) {
          const inResource = new Set(served.resource.devices.map((d) => d.id));
          const healthy = new Set<string>();
          for (const device of served.known.values())
            if (inResource.has(device.id) && (await present(device))) healthy.add(device.id);
          served.healthy = healthy;
          this.send(served);
        }
      } while (this.recheck);
    } catch (error) {
      this.options.log?.(`cannot check device health: ${(error as Error).message}`);
    } finally {
      this.checking = false;
    }
  }

  /**
   * What is on the host now, in two directory listings (live mdevs, PCI functions) and one
   * driver link per whole GPU — not a read per device, which on thousands of devices would
   * take longer than the kubelet should wait.
   */
  private async presence(): Promise<(device: PluginDevice) => Promise<boolean>> {
    const { host } = this.options;
    const list = async (dir: string) => new Set((await host.exists(dir)) ? await host.list(dir) : []);
    const [mdevs, functions] = await Promise.all([list('/sys/bus/mdev/devices'), list('/sys/bus/pci/devices')]);
    return async (device) => {
      switch (device.check) {
        case 'mdev':
          return mdevs.has(device.id);
        case 'present':
          return functions.has(device.id);
        case 'vfio-bound': {
          if (!functions.has(device.id)) return false;
          const link = `/sys/bus/pci/devices/${device.id}/driver`;
          if (!(await host.exists(link))) return false;
          const target = await host.readlink(link);
          return isVfioDriver(target.slice(target.lastIndexOf('/') + 1));
        }
      }
    };
  }

  private send(served: Served): void {
    const response = listOf(served);
    const text = JSON.stringify(response);
    if (text === served.last) return;
    served.last = text;
    for (const stream of served.streams) stream.write(response);
    this.options.onSent?.(served.resource.name, response.devices ?? []);
  }

  private async serve(resource: PluginResource): Promise<Served> {
    const socket = join(this.dir, `vgpuctl-${labelPart(resource.name)}.sock`);
    const server = new grpc.Server();
    const served: Served = {
      resource,
      known: new Map(),
      healthy: new Set(),
      server,
      socket,
      streams: new Set(),
      last: '',
    };
    const handlers: DevicePluginHandlers = {
      GetDevicePluginOptions(_call, callback) {
        callback(null, { pre_start_required: true, get_preferred_allocation_available: true });
      },
      ListAndWatch: (call) => {
        served.streams.add(call);
        call.on('cancelled', () => served.streams.delete(call));
        call.on('close', () => served.streams.delete(call));
        call.write(listOf(served));
      },
      GetPreferredAllocation(call, callback) {
        try {
          callback(null, {
            container_responses: call.request.container_requests.map((r) => ({
              deviceIDs: preferredAllocation([...served.known.values()], r),
            })),
          });
        } catch (error) {
          callback(grpcError(grpc.status.INVALID_ARGUMENT, (error as Error).message));
        }
      },
      Allocate: (call, callback) => {
        Promise.all(
          call.request.container_requests.map((r) =>
            allocateContainer(this.options.host, served.resource, served.known, served.healthy, r.devices_ids),
          ),
        ).then(
          (container_responses) => callback(null, { container_responses }),
          (error: unknown) => callback(grpcError(grpc.status.FAILED_PRECONDITION, (error as Error).message)),
        );
      },
      PreStartContainer(call, callback) {
        const unhealthy = call.request.devices_ids.filter((id) => !served.healthy.has(id));
        if (unhealthy.length > 0)
          callback(
            grpcError(
              grpc.status.FAILED_PRECONDITION,
              `Cannot start a container with ${unhealthy.join(', ')}: no longer on the host`,
            ),
          );
        else callback(null, {});
      },
    };
    server.addService(kubeletProtos().v1beta1.DevicePlugin.service, handlers);
    await listenUnix(server, socket);
    this.served.set(resource.name, served);
    if (this.kubeletInode !== undefined) await this.register(served);
    return served;
  }

  /** kubelet.sock appeared or was recreated: the kubelet forgot us, register every resource again. */
  private async kubeletChanged(): Promise<void> {
    let inode: number | undefined;
    try {
      inode = (await stat(join(this.dir, KUBELET_SOCKET))).ino;
    } catch {
      this.kubeletInode = undefined;
      return;
    }
    if (inode === this.kubeletInode) return;
    this.kubeletInode = inode;
    for (const served of this.served.values()) await this.register(served);
  }

  private async register(served: Served): Promise<void> {
    const client = new (kubeletProtos().v1beta1.Registration)(
      `unix://${join(this.dir, KUBELET_SOCKET)}`,
      grpc.credentials.createInsecure(),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        client.Register(
          {
            version: API_VERSION,
            endpoint: served.socket.slice(this.dir.length + 1),
            resource_name: served.resource.name,
            options: { pre_start_required: true, get_preferred_allocation_available: true },
          },
          (error) => (error === null ? resolve() : reject(error)),
        );
      });
      this.registrations.set(served.resource.name, (this.registrations.get(served.resource.name) ?? 0) + 1);
    } catch (error) {
      this.options.log?.(`cannot register ${served.resource.name} with the kubelet: ${(error as Error).message}`);
    } finally {
      client.close();
    }
  }
}

function listOf(served: Served): ListAndWatchResponse {
  const devices: Device[] = [...served.known.values()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((d) => ({
      ID: d.id,
      health: served.healthy.has(d.id) ? 'Healthy' : 'Unhealthy',
      ...(d.numaNode === null || d.numaNode < 0 ? {} : { topology: { nodes: [{ ID: d.numaNode }] } }),
    }));
  return { devices };
}
