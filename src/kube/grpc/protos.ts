/**
 * The kubelet's gRPC services, loaded from the .proto files in proto/ with the options the
 * committed types in ../generated were generated with (npm run gen:proto), so that the
 * objects on the wire have exactly the generated types' shape.
 */
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../generated/api.ts';

const PROTO_DIR = new URL('../../../proto/', import.meta.url).pathname;

const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

let loaded: ProtoGrpcType | undefined;

/** The three packages: `pluginregistration`, `k8s.io.kubelet.pkg.apis.dra.v1`, `v1beta1`. */
export function kubeletProtos(): ProtoGrpcType {
  loaded ??= grpc.loadPackageDefinition(
    loadSync(['pluginregistration/v1/api.proto', 'dra/v1/api.proto', 'deviceplugin/v1beta1/api.proto'], LOADER_OPTIONS),
  ) as unknown as ProtoGrpcType;
  return loaded;
}

/** Binds `server` to a unix socket, replacing a stale socket file a previous run left. */
export async function listenUnix(server: grpc.Server, socket: string): Promise<void> {
  await mkdir(dirname(socket), { recursive: true });
  await rm(socket, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix://${socket}`, grpc.ServerCredentials.createInsecure(), (error) =>
      error === null ? resolve() : reject(error),
    );
  });
}

/** Stops a server: in-flight calls finish, streams end. */
export function shutdown(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => {
    server.tryShutdown(() => resolve());
    // Streams (ListAndWatch) never finish on their own.
    setTimeout(() => server.forceShutdown(), 200).unref();
  });
}

/** A gRPC error with a status code, as grpc-js sends it. */
export function grpcError(code: grpc.status, message: string): grpc.ServiceError {
  return Object.assign(new Error(message), { code, details: message, metadata: new grpc.Metadata() });
}
