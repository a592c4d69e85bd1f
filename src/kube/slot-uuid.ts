/**
 * The mdev UUID of a vGPU slot: derived from the node and the slot's device name (RFC 9562
 * version 5 layout over SHA-1), so that the UUID is published in the ResourceSlice before the
 * mdev exists — KubeVirt reads it from there — and a retried or restarted prepare creates
 * the same mdev.
 */
import { createHash } from 'node:crypto';

/** A fixed namespace for vgpuctl slot UUIDs. */
const NAMESPACE = 'vgpuctl.io/kubelet-plugin/slot';

export function slotUuid(nodeName: string, deviceName: string): string {
  const hash = createHash('sha1').update(`${NAMESPACE}\0${nodeName}\0${deviceName}`).digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
