/**
 * Test helper: the kubelet's side of the plugin APIs, as gRPC clients generated from the same
 * .proto files — the plugin watcher's registration calls and the DRA manager's prepare calls —
 * and the device manager's Registration service (device plugins call it on kubelet.sock).
 */
import * as grpc from '@grpc/grpc-js';
import type { NodePrepareResourcesResponse__Output } from './generated/k8s/io/kubelet/pkg/apis/dra/v1/NodePrepareResourcesResponse.ts';
import type { NodeUnprepareResourcesResponse__Output } from './generated/k8s/io/kubelet/pkg/apis/dra/v1/NodeUnprepareResourcesResponse.ts';
import type { PluginInfo__Output } from './generated/pluginregistration/PluginInfo.ts';
import { kubeletProtos } from './grpc/protos.ts';

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
