/**
 * NVIDIA's vGPU profiles as data: per board, every type with its id, name, class,
 * framebuffer, heads, maximum resolution, instances per GPU and frame-rate limit, each value
 * with the public source it came from (sources.ts). The emulator's NVIDIA driver and the
 * capacity planner both read this one table.
 */
import { type ProfileClass, parseProfileName } from './profile-name.ts';
import type { Provenance, SourceId } from './sources.ts';

/** How the host driver exposes a board's vGPUs. */
type VgpuMechanism = 'mdev' | 'sriov-mdev' | 'vendor-vfio';

/** One NVIDIA vGPU type. */
export interface VgpuProfile {
  /** NVIDIA's numeric type id (`nvidia-<id>` in mdev, `<id>` in creatable_vgpu_types). */
  readonly id: number;
  /** As sysfs prints it: `GRID T4-1B`, `NVIDIA L40S-4Q`. */
  readonly name: string;
  /** Without prefix: `T4-1B`. */
  readonly short: string;
  readonly board: string;
  readonly class: ProfileClass;
  readonly framebufferMiB: number;
  readonly numHeads: number;
  readonly maxResolution: string;
  readonly maxInstances: number;
  /** Frame-rate limiter (fps): 45 for B-series, 60 otherwise. */
  readonly frlConfig: number;
  /** GPU-instance slices of a MIG-backed type; null when time-sliced. */
  readonly migSlices: number | null;
  /** PCI device ids of the boards the type applies to. */
  readonly boardDeviceIds: readonly number[];
  /** Where each value comes from. */
  readonly provenance: Readonly<Record<ProfileField, Provenance>>;
}

export type ProfileField = 'id' | 'framebufferMiB' | 'numHeads' | 'maxResolution' | 'maxInstances' | 'frlConfig';

/** A board and its profiles. */
export interface BoardProfiles {
  /** The board as type names spell it: `T4`, `L40S`, `RTXA5500`. */
  readonly board: string;
  readonly marketingName: string;
  readonly deviceIds: readonly number[];
  readonly framebufferGiB: number;
  /** GDDR boards lose framebuffer to ECC; HBM boards keep ECC out of band. */
  readonly memory: 'GDDR' | 'HBM';
  readonly mechanism: VgpuMechanism;
  /** SR-IOV VFs of the board (one vGPU per VF); null for classic mdev. */
  readonly maxVfs: number | null;
  /** MIG compute slices of the GPU; null when the board has no MIG. */
  readonly migSlices: number | null;
  /** Whether the board can run vGPUs of different sizes at once (mixed-size mode, vendor-VFIO). */
  readonly mixedSize: boolean;
  readonly source: Provenance;
  readonly types: readonly VgpuProfile[];
}

const from = (source: SourceId, estimate = false, note?: string): Provenance =>
  note === undefined ? { source, estimate } : { source, estimate, note };

interface BoardInput extends Omit<BoardProfiles, 'types'> {
  readonly prefix: 'GRID' | 'NVIDIA';
  /** `[id, profile]` rows, profile `<GB><class>[heads]` or `<slices>-<GB><class>[suffix]`. */
  readonly rows: readonly (readonly [number, string])[];
  /** Source of the type ids; one per board unless `idEstimates` names exceptions. */
  readonly ids: Provenance;
  readonly idEstimates?: (id: number) => boolean;
  readonly maxInstancesCap?: number;
  /** Instances of a MIG-backed profile per GPU, by its slices (user guide tables). */
  readonly migInstances?: Readonly<Record<number, number>>;
}

/**
 * Builds a board's types. Heads, frame-rate limit and resolution follow NVIDIA's per-class
 * rules in the user guide tables: B 4 heads/45 fps/5120x2880; Q 4 heads/60 fps, 5120x2880 at
 * 1 GiB else 7680x4320; A 1 head/60 fps/1280x1024; C 1 head/60 fps/4096x2160. Time-sliced
 * instances per GPU: board framebuffer / profile framebuffer, capped by the VF count.
 */
function board(input: BoardInput): BoardProfiles {
  const { prefix, rows, ids, idEstimates, maxInstancesCap, migInstances, ...rest } = input;
  const types = rows.map(([id, profile]): VgpuProfile => {
    const name = `${prefix} ${input.board}-${profile}`;
    const parsed = parseProfileName(name);
    if (parsed === undefined) throw new Error(`catalog: bad vGPU type name ${name}`);
    const gib = parsed.framebufferMiB / 1024;
    const cls = parsed.class;
    const multiHead = cls === 'B' || cls === 'Q';
    const mig = parsed.migSlices;
    const maxInstances =
      mig === null
        ? Math.min(Math.floor(input.framebufferGiB / gib), maxInstancesCap ?? Number.POSITIVE_INFINITY)
        : parsed.suffix === 'ME'
          ? 1
          : (migInstances?.[mig] ?? 1);
    const table = from('vgpu-user-guide-types');
    return {
      id,
      name,
      short: parsed.short,
      board: input.board,
      class: cls,
      framebufferMiB: parsed.framebufferMiB,
      numHeads: multiHead ? 4 : 1,
      frlConfig: cls === 'B' ? 45 : 60,
      maxResolution:
        cls === 'A' ? '1280x1024' : cls === 'C' ? '4096x2160' : cls === 'B' || gib === 1 ? '5120x2880' : '7680x4320',
      maxInstances,
      migSlices: mig,
      boardDeviceIds: input.deviceIds,
      provenance: {
        id: idEstimates?.(id) === true ? from(ids.source, true, 'type id not published; assumed from neighbours') : ids,
        framebufferMiB: table,
        numHeads: table,
        maxResolution: table,
        maxInstances: mig === null ? table : from('vgpu-user-guide-mig'),
        frlConfig: from('vgpu-user-guide-frl'),
      },
    };
  });
  return { ...rest, types };
}

// Tesla T4, 16 GiB GDDR6, classic mdev (vGPU ≤ 16). Ids as public `mdevctl types` captures list them.
const T4 = board({
  board: 'T4',
  prefix: 'GRID',
  marketingName: 'NVIDIA Tesla T4',
  deviceIds: [0x1eb8],
  framebufferGiB: 16,
  memory: 'GDDR',
  mechanism: 'mdev',
  maxVfs: null,
  migSlices: null,
  mixedSize: false,
  source: from('vgpu-user-guide-types'),
  ids: from('mdev-description'),
  rows: [
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
  ],
});

// RTX A5500, 24 GiB: vgpu_unlock-rs spoofs it on GeForce cards (GTX 1060 and others), so the
// types and their max_instance come from this board.
const RTXA5500 = board({
  board: 'RTXA5500',
  prefix: 'NVIDIA',
  marketingName: 'NVIDIA RTX A5500',
  deviceIds: [0x2232],
  framebufferGiB: 24,
  memory: 'GDDR',
  mechanism: 'mdev',
  maxVfs: null,
  migSlices: null,
  mixedSize: false,
  source: from('vgpu-unlock-capture'),
  ids: from('vgpu-unlock-capture'),
  rows: [
    [760, '1B'],
    [761, '2B'],
  ],
});

// A10, 24 GiB GDDR6, SR-IOV with one mdev vGPU per VF.
const A10 = board({
  board: 'A10',
  prefix: 'NVIDIA',
  marketingName: 'NVIDIA A10',
  deviceIds: [0x2236],
  framebufferGiB: 24,
  memory: 'GDDR',
  mechanism: 'sriov-mdev',
  maxVfs: 16,
  migSlices: null,
  mixedSize: false,
  source: from('vgpu-user-guide-types'),
  ids: from('mdev-description'),
  rows: [
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
  ],
});

// L40S, 48 GiB GDDR6, vendor-specific VFIO (vGPU 17+), 32 VFs. Q/A/B ids 1145–1166 appear in
// public creatable_vgpu_types captures; the C-series ids 1167–1173 are not published.
const L40S = board({
  board: 'L40S',
  prefix: 'NVIDIA',
  marketingName: 'NVIDIA L40S',
  deviceIds: [0x26b9],
  framebufferGiB: 48,
  memory: 'GDDR',
  mechanism: 'vendor-vfio',
  maxVfs: 32,
  migSlices: null,
  mixedSize: true,
  source: from('vgpu-user-guide-types'),
  ids: from('creatable-vgpu-types'),
  idEstimates: (id) => id >= 1167,
  maxInstancesCap: 32,
  rows: [
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
});

// A100 PCIe 40GB, HBM2, SR-IOV + mdev; time-sliced C types and MIG-backed ones (7 slices:
// 1-5C ×7, 2-10C ×3, 3-20C ×2, 4-20C ×1, 7-40C ×1, 1-5CME ×1). Not emulated; its type ids
// are not in public captures we mirror, so they are estimates.
const A100 = board({
  board: 'A100',
  prefix: 'NVIDIA',
  marketingName: 'NVIDIA A100-PCIE-40GB',
  deviceIds: [0x20f1],
  framebufferGiB: 40,
  memory: 'HBM',
  mechanism: 'sriov-mdev',
  maxVfs: 20,
  migSlices: 7,
  mixedSize: false,
  source: from('vgpu-user-guide-types'),
  ids: from('mdev-description', true, 'type id not published in a mirrored capture'),
  migInstances: { 1: 7, 2: 3, 3: 2, 4: 1, 7: 1 },
  rows: [
    [462, '4C'],
    [463, '5C'],
    [464, '8C'],
    [465, '10C'],
    [466, '20C'],
    [467, '40C'],
    [468, '1-5C'],
    [469, '2-10C'],
    [470, '3-20C'],
    [471, '4-20C'],
    [472, '7-40C'],
    [699, '1-5CME'],
  ],
});

/** Every board of the catalog. */
export const NVIDIA_BOARDS: readonly BoardProfiles[] = [T4, RTXA5500, A10, L40S, A100];

/** The board called `name` (`T4`, `L40S`), case-insensitively. */
export function boardByName(name: string): BoardProfiles | undefined {
  const wanted = name.toUpperCase();
  return NVIDIA_BOARDS.find((b) => b.board.toUpperCase() === wanted);
}

/** The board with this PCI device id (vendor 10de). */
export function boardByDeviceId(deviceId: number): BoardProfiles | undefined {
  return NVIDIA_BOARDS.find((b) => b.deviceIds.includes(deviceId));
}

/** The board offering the type with this NVIDIA type id. */
export function boardOfTypeId(id: number): BoardProfiles | undefined {
  return NVIDIA_BOARDS.find((b) => b.types.some((t) => t.id === id));
}

/** The profile with this short name (`T4-1B`) or full name, case-insensitively. */
export function profileByName(name: string): VgpuProfile | undefined {
  const wanted = name
    .trim()
    .replace(/^(GRID|NVIDIA) /i, '')
    .toUpperCase();
  for (const b of NVIDIA_BOARDS) {
    const found = b.types.find((t) => t.short.toUpperCase() === wanted);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The fields of a profile whose values are estimates. */
export function estimatedFields(profile: VgpuProfile): ProfileField[] {
  return (Object.entries(profile.provenance) as [ProfileField, Provenance][])
    .filter(([, p]) => p.estimate)
    .map(([field]) => field);
}

/**
 * Framebuffer a vGPU's guest sees with ECC on. GDDR boards give ECC 1/16 of the memory (a
 * T4's 16 GiB shows as 15360 MiB in nvidia-smi with ECC on); the user guide says ECC reduces
 * the framebuffer without a per-profile table, so the result is an estimate. HBM boards keep
 * ECC out of band: no change.
 */
export function framebufferWithEcc(board: BoardProfiles, framebufferMiB: number): { mib: number; estimate: boolean } {
  if (board.memory === 'HBM') return { mib: framebufferMiB, estimate: false };
  return { mib: Math.floor((framebufferMiB * 15) / 16), estimate: true };
}
