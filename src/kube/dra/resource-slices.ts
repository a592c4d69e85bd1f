/**
 * ResourceSlices (resource.k8s.io/v1) for one node: one slice per GPU, each with the GPU's
 * shared counters and the devices that draw on them (counters are shared within a slice).
 * Pure: devices in, plain API objects out, in the shape the API server's OpenAPI schema states.
 */
import type { NodeDevice, NodeOffer } from '../node-devices.ts';
import { labelPart } from '../node-devices.ts';

/** A DeviceAttribute: exactly one field set. */
type DeviceAttribute = { string: string } | { int: number } | { bool: boolean } | { version: string };

export interface ResourceSliceObject {
  apiVersion: 'resource.k8s.io/v1';
  kind: 'ResourceSlice';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    driver: string;
    nodeName: string;
    pool: { name: string; generation: number; resourceSliceCount: number };
    sharedCounters?: { name: string; counters: Record<string, { value: string }> }[];
    devices: {
      name: string;
      attributes: Record<string, DeviceAttribute>;
      capacity?: Record<string, { value: string }>;
      consumesCounters?: { counterSet: string; counters: Record<string, { value: string }> }[];
    }[];
  };
}

/** Options of {@link resourceSlices}. */
export interface SliceOptions {
  driver: string;
  nodeName: string;
  generation: number;
  /** Publish shared counters (needs the DRAPartitionableDevices feature); default true. */
  counters?: boolean;
}

/** The label every slice of this driver on this node carries (for listing and clean-up). */
export const NODE_LABEL = 'vgpuctl.io/node';

/** The standard attribute KubeVirt reads a PCI device's address from. */
const PCI_BUS_ID = 'resource.kubernetes.io/pciBusID';

/** The longest string attribute value the API accepts. */
const MAX_STRING = 64;

/** Builds the node's slices; the slice names are stable so that updates replace them. */
export function resourceSlices(offer: NodeOffer, options: SliceOptions): ResourceSliceObject[] {
  const withCounters = options.counters ?? true;
  const byGpu = new Map<string, NodeDevice[]>();
  for (const device of offer.devices) byGpu.set(device.gpu, [...(byGpu.get(device.gpu) ?? []), device]);
  const gpus = [...byGpu.keys()];
  return gpus.map((gpu) => {
    const devices = byGpu.get(gpu) ?? [];
    const counters = offer.counters.find((c) => c.gpu === gpu);
    const setName = `gpu-${labelPart(gpu)}`;
    const shared: Record<string, { value: string }> = {};
    if (counters?.memoryMiB != null) shared.memory = { value: `${counters.memoryMiB}Mi` };
    for (const vf of counters?.vfs ?? []) shared[vf] = { value: '1' };
    const useCounters = withCounters && Object.keys(shared).length > 0;
    return {
      apiVersion: 'resource.k8s.io/v1',
      kind: 'ResourceSlice',
      metadata: {
        name: sliceName(options.nodeName, options.driver, gpu),
        labels: { [NODE_LABEL]: labelValue(options.nodeName) },
      },
      spec: {
        driver: options.driver,
        nodeName: options.nodeName,
        pool: { name: options.nodeName, generation: options.generation, resourceSliceCount: gpus.length },
        ...(useCounters ? { sharedCounters: [{ name: setName, counters: shared }] } : {}),
        devices: devices.map((d) => ({
          name: d.name,
          attributes: attributes(d),
          ...(d.framebufferMiB === null ? {} : { capacity: { framebuffer: { value: `${d.framebufferMiB}Mi` } } }),
          ...(useCounters ? consumption(d, setName, shared) : {}),
        })),
      },
    };
  });
}

/** `<node>-<driver>-<gpu>`, a DNS subdomain of at most 253 characters. */
function sliceName(nodeName: string, driver: string, gpu: string): string {
  return `${labelPart(nodeName)}-${labelPart(driver)}-${labelPart(gpu)}`.slice(0, 253).replace(/-+$/, '');
}

function labelValue(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63);
}

function consumption(
  d: NodeDevice,
  setName: string,
  shared: Record<string, { value: string }>,
): { consumesCounters?: { counterSet: string; counters: Record<string, { value: string }> }[] } {
  const used: Record<string, { value: string }> = {};
  if (d.mechanism === 'passthrough') {
    // The whole GPU: every counter of its set, so that nothing else fits beside it.
    Object.assign(used, shared);
  } else {
    if (d.consumesMemoryMiB !== null && shared.memory !== undefined)
      used.memory = { value: `${d.consumesMemoryMiB}Mi` };
    if (d.consumesVf !== null) used[d.consumesVf] = { value: '1' };
  }
  return Object.keys(used).length === 0 ? {} : { consumesCounters: [{ counterSet: setName, counters: used }] };
}

function attributes(d: NodeDevice): Record<string, DeviceAttribute> {
  const a: Record<string, DeviceAttribute> = {
    type: { string: d.mechanism === 'passthrough' ? 'gpu' : d.mechanism === 'sriov' ? 'vf' : 'vgpu' },
    mechanism: { string: d.mechanism },
    parent: { string: d.gpu.slice(0, MAX_STRING) },
    productName: { string: d.productName.slice(0, MAX_STRING) },
  };
  if (d.profile !== null) a.profile = { string: d.profile.slice(0, MAX_STRING) };
  if (d.typeId !== null) a.typeId = { string: d.typeId.slice(0, MAX_STRING) };
  if (d.typeName !== null) a.typeName = { string: d.typeName.slice(0, MAX_STRING) };
  if (d.framebufferMiB !== null) a.framebufferMiB = { int: d.framebufferMiB };
  if (d.numaNode !== null && d.numaNode >= 0) a.numaNode = { int: d.numaNode };
  if (d.iommuGroup !== null) a.iommuGroup = { int: d.iommuGroup };
  if (d.vendorId !== null) a.vendorId = { string: d.vendorId };
  if (d.deviceId !== null) a.deviceId = { string: d.deviceId };
  if (d.pciBusId !== null) a[PCI_BUS_ID] = { string: d.pciBusId };
  if (d.mdevUuid !== null) a.mdevUUID = { string: d.mdevUuid };
  return a;
}
