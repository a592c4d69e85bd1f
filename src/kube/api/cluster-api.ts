/**
 * The part of the Kubernetes API the DRA driver uses, as a port: ResourceSlices of its node
 * and the ResourceClaims the kubelet asks it to prepare. `kube-client.ts` implements it with
 * @kubernetes/client-node; tests use an API-server double behind the same client.
 */
import type { ResourceSliceObject } from '../dra/resource-slices.ts';

/** One allocated device of a claim, as the scheduler wrote it into the claim's status. */
interface AllocatedDevice {
  request: string;
  driver: string;
  pool: string;
  device: string;
}

/** What the driver reads from a ResourceClaim. */
export interface ClaimInfo {
  namespace: string;
  name: string;
  uid: string;
  /** status.allocation.devices.results; empty when the claim is not allocated. */
  results: AllocatedDevice[];
}

export interface ClusterApi {
  /** Slices carrying every label of `labels`, by name. */
  listSlices(labels: Record<string, string>): Promise<string[]>;
  createSlice(slice: ResourceSliceObject): Promise<void>;
  replaceSlice(slice: ResourceSliceObject): Promise<void>;
  deleteSlice(name: string): Promise<void>;
  /** The claim, or undefined when it does not exist. */
  readClaim(namespace: string, name: string): Promise<ClaimInfo | undefined>;
}
