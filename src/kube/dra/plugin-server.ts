/**
 * The DRA kubelet plugin: the registration service on `<registry dir>/<driver>-reg.sock`
 * (the kubelet's plugin watcher finds it there and calls GetInfo, then
 * NotifyRegistrationStatus), and the DRAPlugin v1 service on `<plugins dir>/<driver>/dra.sock`.
 * While it runs it keeps the node's ResourceSlices equal to the live host model.
 */
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { HostModel } from '../../model/host-model.ts';
import { DEFAULT_PLUGINS_DIR, DEFAULT_REGISTRY_DIR } from '../defaults.ts';
import type { DRAPluginHandlers } from '../generated/k8s/io/kubelet/pkg/apis/dra/v1/DRAPlugin.ts';
import type { RegistrationHandlers } from '../generated/pluginregistration/Registration.ts';
import { grpcError, kubeletProtos, listenUnix, shutdown } from '../grpc/protos.ts';
import { type DraDriver, InvalidRequestError } from './driver.ts';
import type { SlicePublisher } from './slice-publisher.ts';

/** The gRPC service the kubelet looks for in `supported_versions`. */
const DRA_SERVICE = 'v1.DRAPlugin';

export interface DraPluginOptions {
  driver: DraDriver;
  driverName: string;
  model: HostModel;
  publisher: SlicePublisher;
  registryDir?: string;
  pluginsDir?: string;
  /** Reports publication failures and registration verdicts. */
  log?: (line: string) => void;
}

/** A running plugin. */
export interface RunningDraPlugin {
  registrationSocket: string;
  draSocket: string;
  /** The kubelet's last verdict, once it gave one. */
  registration: { registered: boolean; error: string } | undefined;
  /** Republishes the slices now (also done on every model event). */
  publish(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDraPlugin(options: DraPluginOptions): Promise<RunningDraPlugin> {
  const log = options.log ?? (() => {});
  const protos = kubeletProtos();
  const registrationSocket = join(options.registryDir ?? DEFAULT_REGISTRY_DIR, `${options.driverName}-reg.sock`);
  const draSocket = join(options.pluginsDir ?? DEFAULT_PLUGINS_DIR, options.driverName, 'dra.sock');

  let publishing: Promise<void> = Promise.resolve();
  const publish = (): Promise<void> => {
    publishing = publishing
      .then(() => options.publisher.publish(options.driver.offer()))
      .then(
        () => undefined,
        (error: unknown) => log(`cannot publish ResourceSlices: ${(error as Error).message}`),
      );
    return publishing;
  };

  const dra = new grpc.Server();
  const handlers: DRAPluginHandlers = {
    NodePrepareResources(call, callback) {
      options.driver.prepare(call.request.claims).then(
        async (claims) => {
          await publish();
          callback(null, { claims });
        },
        (error: unknown) => callback(toGrpc(error)),
      );
    },
    NodeUnprepareResources(call, callback) {
      options.driver.unprepare(call.request.claims).then(
        async (claims) => {
          await publish();
          callback(null, { claims });
        },
        (error: unknown) => callback(toGrpc(error)),
      );
    },
  };
  dra.addService(protos.k8s.io.kubelet.pkg.apis.dra.v1.DRAPlugin.service, handlers);
  await listenUnix(dra, draSocket);

  const plugin: RunningDraPlugin = {
    registrationSocket,
    draSocket,
    registration: undefined,
    publish,
    async stop() {
      unsubscribe();
      await Promise.all([shutdown(registration), shutdown(dra)]);
      await publishing;
    },
  };

  const registration = new grpc.Server();
  const registrationHandlers: RegistrationHandlers = {
    GetInfo(_call, callback) {
      callback(null, {
        type: 'DRAPlugin',
        name: options.driverName,
        endpoint: draSocket,
        supported_versions: [DRA_SERVICE],
      });
    },
    NotifyRegistrationStatus(call, callback) {
      plugin.registration = { registered: call.request.plugin_registered, error: call.request.error };
      if (!call.request.plugin_registered) log(`the kubelet refused the registration: ${call.request.error}`);
      callback(null, {});
    },
  };
  registration.addService(protos.pluginregistration.Registration.service, registrationHandlers);

  const unsubscribe = options.model.subscribe(() => {
    void publish();
  });
  await publish();
  // The registration socket comes last: once the kubelet sees it, everything it calls is served.
  await listenUnix(registration, registrationSocket);
  return plugin;
}

function toGrpc(error: unknown): grpc.ServiceError {
  if (error instanceof InvalidRequestError) return grpcError(grpc.status.INVALID_ARGUMENT, error.message);
  return grpcError(grpc.status.INTERNAL, error instanceof Error ? error.message : String(error));
}
