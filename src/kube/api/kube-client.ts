/**
 * {@link ClusterApi} over @kubernetes/client-node: in-cluster (service account) or from a
 * kubeconfig, as KubeConfig.loadFromDefault() finds them (KUBECONFIG, ~/.kube/config,
 * the pod's service account).
 */
import {
  ApiException,
  KubeConfig,
  ResourceV1Api,
  type ResourceV1ResourceClaim,
  type V1DeviceAttribute,
  type V1ResourceSlice,
} from '@kubernetes/client-node';
import type { ResourceSliceObject } from '../dra/resource-slices.ts';
import type { ClaimInfo, ClusterApi } from './cluster-api.ts';

/** Where the API server is: a kubeconfig file, an explicit server URL (tests), or the defaults. */
export type ClusterConnection = { kubeconfig: string } | { server: string } | { defaults: true };

export function kubeClusterApi(connection: ClusterConnection): ClusterApi {
  const config = new KubeConfig();
  if ('kubeconfig' in connection) config.loadFromFile(connection.kubeconfig);
  else if ('server' in connection) {
    config.loadFromOptions({
      clusters: [{ name: 'cluster', server: connection.server, skipTLSVerify: true }],
      users: [{ name: 'plugin' }],
      contexts: [{ name: 'plugin', cluster: 'cluster', user: 'plugin' }],
      currentContext: 'plugin',
    });
  } else config.loadFromDefault();
  const api = config.makeApiClient(ResourceV1Api);
  return {
    async listSlices(labels) {
      const labelSelector = Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const list = await api.listResourceSlice({ labelSelector });
      return list.items.map((s) => s.metadata?.name ?? '').filter((n) => n !== '');
    },
    async createSlice(slice) {
      await api.createResourceSlice({ body: toClient(slice), fieldValidation: 'Strict' });
    },
    async replaceSlice(slice) {
      await api.replaceResourceSlice({ name: slice.metadata.name, body: toClient(slice), fieldValidation: 'Strict' });
    },
    async deleteSlice(name) {
      await api.deleteResourceSlice({ name });
    },
    async readClaim(namespace, name) {
      let claim: ResourceV1ResourceClaim;
      try {
        claim = await api.readNamespacedResourceClaim({ name, namespace });
      } catch (error) {
        if (error instanceof ApiException && error.code === 404) return undefined;
        throw error;
      }
      return fromClient(claim, namespace, name);
    },
  };
}

/** client-node's models name the `int` attribute field `_int` (a reserved word in its generator). */
function toClient(slice: ResourceSliceObject): V1ResourceSlice {
  return {
    ...slice,
    spec: {
      ...slice.spec,
      devices: slice.spec.devices.map((d) => ({
        ...d,
        attributes: Object.fromEntries(
          Object.entries(d.attributes).map(([k, v]): [string, V1DeviceAttribute] => [
            k,
            'int' in v ? { _int: v.int } : v,
          ]),
        ),
      })),
    },
  };
}

function fromClient(claim: ResourceV1ResourceClaim, namespace: string, name: string): ClaimInfo {
  return {
    namespace,
    name,
    uid: claim.metadata?.uid ?? '',
    results: (claim.status?.allocation?.devices?.results ?? []).map((r) => ({
      request: r.request,
      driver: r.driver,
      pool: r.pool,
      device: r.device,
    })),
  };
}
