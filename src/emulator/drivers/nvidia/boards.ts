/**
 * The vGPU types each emulated NVIDIA board offers, keyed by catalog model id. Type ids and
 * names are NVIDIA's (vGPU user guide tables as mirrored by public type lists); where an
 * id is not known from a public source it is marked "plausible".
 */
import type { NvidiaVgpuType } from './vgpu-types.ts';
import { buildTypes } from './vgpu-types.ts';

// Tesla T4, 16 GiB, classic mdev (vGPU ≤ 16).
const T4 = buildTypes('GRID', 'T4', 16, [
  [222, '1B'],
  [223, '2B'],
  [224, '2B4'],
  [225, '1A'],
  [226, '2A'],
  [227, '4A'],
  [228, '8A'],
  [229, '16A'],
  [230, '1Q'],
  [231, '2Q'],
  [232, '4Q'],
  [233, '8Q'],
  [234, '16Q'],
  [252, '1B4'],
  [319, '4C'],
  [320, '8C'],
  [321, '16C'],
]);

// vgpu_unlock-rs on a GeForce GTX 1060 spoofs an RTX A5500 (24 GiB), so the types and their
// max_instance come from that board — exactly as seed 004's `mdevctl types` shows.
const RTXA5500_UNLOCKED = buildTypes('NVIDIA', 'RTXA5500', 24, [
  [760, '1B'],
  [761, '2B'],
]);

// A10, 24 GiB, SR-IOV (one vGPU per VF).
const A10 = buildTypes('NVIDIA', 'A10', 24, [
  [588, '1B'],
  [589, '2B'],
  [590, '1Q'],
  [591, '2Q'],
  [592, '3Q'],
  [593, '4Q'],
  [594, '6Q'],
  [595, '8Q'],
  [596, '12Q'],
  [597, '24Q'],
  [598, '1A'],
  [599, '2A'],
  [600, '3A'],
  [601, '4A'],
  [602, '6A'],
  [603, '8A'],
  [604, '12A'],
  [605, '24A'],
  [610, '4C'],
  [611, '6C'],
  [612, '8C'],
  [613, '12C'],
  [614, '24C'],
]);

// L40S, 48 GiB, vendor-specific VFIO (vGPU 17+). Q/A/B ids are NVIDIA's (1145–1166, seen
// in public creatable_vgpu_types captures); the C-series ids 1167–1173 are plausible
// placeholders, not confirmed. At most 32 vGPUs: the board has 32 VFs.
const L40S = buildTypes(
  'NVIDIA',
  'L40S',
  48,
  [
    [1145, '1B'],
    [1146, '2B'],
    [1147, '1Q'],
    [1148, '2Q'],
    [1149, '3Q'],
    [1150, '4Q'],
    [1151, '6Q'],
    [1152, '8Q'],
    [1153, '12Q'],
    [1154, '16Q'],
    [1155, '24Q'],
    [1156, '48Q'],
    [1157, '1A'],
    [1158, '2A'],
    [1159, '3A'],
    [1160, '4A'],
    [1161, '6A'],
    [1162, '8A'],
    [1163, '12A'],
    [1164, '16A'],
    [1165, '24A'],
    [1166, '48A'],
    [1167, '4C'],
    [1168, '6C'],
    [1169, '8C'],
    [1170, '12C'],
    [1171, '16C'],
    [1172, '24C'],
    [1173, '48C'],
  ],
  32,
);

const BY_MODEL: ReadonlyMap<string, readonly NvidiaVgpuType[]> = new Map([
  ['tesla-t4', T4],
  ['geforce-gtx-1060-6gb', RTXA5500_UNLOCKED],
  ['a10', A10],
  ['l40s', L40S],
]);

/**
 * The types a GPU offers: its board's table, restricted to `vgpuTypes` (`nvidia-<id>`)
 * when the scenario names some. Unknown boards offer none.
 */
export function vgpuTypesFor(modelId: string, vgpuTypes?: readonly string[]): readonly NvidiaVgpuType[] {
  const all = BY_MODEL.get(modelId) ?? [];
  if (vgpuTypes === undefined) return all;
  const wanted = new Set(vgpuTypes);
  return all.filter((type) => wanted.has(`nvidia-${type.id}`));
}
