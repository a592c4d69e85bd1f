/**
 * Test helper: the kubelet's side of the plugin APIs, as gRPC clients generated from the same
 * .proto files — the plugin watcher's registration calls and the DRA manager's prepare calls —
 * and the device manager's Registration service (device plugins call it on kubelet.sock).
 */
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { NodePrepareResourcesResponse__Output } from './generated/k8s/io/kubelet/pkg/apis/dra/v1/NodePrepareResourcesResponse.ts';
import type { NodeUnprepareResourcesResponse__Output } from './generated/k8s/io/kubelet/pkg/apis/dra/v1/NodeUnprepareResourcesResponse.ts';
import type { PluginInfo__Output } from './generated/pluginregistration/PluginInfo.ts';
import type { AllocateResponse__Output } from './generated/v1beta1/AllocateResponse.ts';
import type { DevicePluginOptions__Output } from './generated/v1beta1/DevicePluginOptions.ts';
import type { ListAndWatchResponse__Output } from './generated/v1beta1/ListAndWatchResponse.ts';
import type { PreferredAllocationResponse__Output } from './generated/v1beta1/PreferredAllocationResponse.ts';
import type { RegisterRequest__Output } from './generated/v1beta1/RegisterRequest.ts';
import { kubeletProtos, listenUnix, shutdown } from './grpc/protos.ts';

type Claim = { namespace: string; uid: string; name: string };

function unary<T>(run: (callback: (error: grpc.ServiceError | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    run((error, value) => (error === null ? resolve(value as T) : reject(error)));
  });
}

/** What the plugin watcher does with a registration socket: GetInfo, then the verdict. */
export async function registerPlugin(
  socket: string,
  verdict: { registered: boolean; error?: string } = { registered: true },
): Promise<PluginInfo__Output> {
  const client = new (kubeletProtos().pluginregistration.Registration)(
    `unix://${socket}`,
    grpc.credentials.createInsecure(),
  );
  try {
    const info = await unary<PluginInfo__Output>((cb) => client.GetInfo({}, cb));
    await unary((cb) =>
      client.NotifyRegistrationStatus({ plugin_registered: verdict.registered, error: verdict.error ?? '' }, cb),
    );
    return info;
  } finally {
    client.close();
  }
}

/** The kubelet's DRA manager talking to a plugin's dra.sock. */
export class DraKubelet {
  private readonly client;

  constructor(socket: string) {
    this.client = new (kubeletProtos().k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin)(
      `unix://${socket}`,
      grpc.credentials.createInsecure(),
    );
  }

  prepare(claims: Claim[]): Promise<NodePrepareResourcesResponse__Output> {
    return unary((cb) => this.client.NodePrepareResources({ claims }, cb));
  }

  unprepare(claims: Claim[]): Promise<NodeUnprepareResourcesResponse__Output> {
    return unary((cb) => this.client.NodeUnprepareResources({ claims }, cb));
  }

  close(): void {
    this.client.close();
  }
}

/** The kubelet's device manager: Registration on kubelet.sock, recording every Register. */
export class DeviceManagerKubelet {
  readonly registered: RegisterRequest__Output[] = [];
  private server: grpc.Server | undefined;
  private readonly socket: string;

  constructor(socket: string) {
    this.socket = socket;
  }

  async start(): Promise<void> {
    const server = new grpc.Server();
    server.addService(kubeletProtos().v1beta1.Registration.service, {
      Register: (call: grpc.ServerUnaryCall<RegisterRequest__Output, object>, callback: grpc.sendUnaryData<object>) => {
        this.registered.push(call.request);
        callback(null, {});
      },
    });
    await listenUnix(server, this.socket);
    this.server = server;
  }

  /** Stops, as the kubelet does before a restart (its socket stays until the next start replaces it). */
  async stop(): Promise<void> {
    if (this.server !== undefined) await shutdown(this.server);
  }

  /** A client of a plugin's DevicePlugin service at `endpoint` (relative to the socket's directory). */
  plugin(endpoint: string): DevicePluginClientHarness {
    return new DevicePluginClientHarness(join(dirname(this.socket), endpoint));
  }
}

export class DevicePluginClientHarness {
  private readonly client;

  constructor(socket: string) {
    this.client = new (kubeletProtos().v1beta1.DevicePlugin)(`unix://${socket}`, grpc.credentials.createInsecure());
  }

  options(): Promise<DevicePluginOptions__Output> {
    return unary((cb) => this.client.GetDevicePluginOptions({}, cb));
  }

  /** Opens ListAndWatch; `next()` resolves with each list the plugin sends. */
  watch(): { next(): Promise<ListAndWatchResponse__Output>; cancel(): void } {
    const stream = this.client.ListAndWatch({});
    const queue: ListAndWatchResponse__Output[] = [];
    const waiting: ((value: ListAndWatchResponse__Output) => void)[] = [];
    stream.on('data', (value: ListAndWatchResponse__Output) => {
      const waiter = waiting.shift();
      if (waiter === undefined) queue.push(value);
      else waiter(value);
    });
    stream.on('error', () => {});
    return {
      next: () => {
        const value = queue.shift();
        return value === undefined ? new Promise((resolve) => waiting.push(resolve)) : Promise.resolve(value);
      },
      cancel: () => stream.cancel(),
    };
  }

  allocate(ids: string[][]): Promise<AllocateResponse__Output> {
    return unary((cb) => this.client.Allocate({ container_requests: ids.map((devices_ids) => ({ devices_ids })) }, cb));
  }

  preferred(request: { available: string[]; mustInclude: string[]; size: number }): Promise<string[]> {
    return unary<PreferredAllocationResponse__Output>((cb) =>
      this.client.GetPreferredAllocation(
        {
          container_requests: [
            {
              available_deviceIDs: request.available,
              must_include_deviceIDs: request.mustInclude,
              allocation_size: request.size,
            },
          ],
        },
        cb,
      ),
    ).then((r) => r.container_responses[0]?.deviceIDs ?? []);
  }

  preStart(ids: string[]): Promise<unknown> {
    return unary((cb) => this.client.PreStartContainer({ devices_ids: ids }, cb));
  }

  close(): void {
    this.client.close();
  }
}
