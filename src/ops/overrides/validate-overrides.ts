/**
 * Checks a profile_override.toml against what vgpu_unlock-rs accepts and against the GPUs:
 * known tables and keys of the right type, strings that fit their fields, type ids the
 * catalog or the host knows, a framebuffer no larger than the GPU's, heads and resolution
 * within NVIDIA's vGPU limits. Every issue carries the line and column it is about.
 */
import { boardOfTypeId, type VgpuProfile } from '../../catalog/index.ts';
import { OVERRIDE_KEYS, OVERRIDE_TABLES, sizeInBytes } from '../../catalog/override-keys.ts';
import type { OverrideDocument, OverrideTable } from '../../formats/profile-override-toml.ts';

/** One problem, or a warning about something vgpu_unlock-rs will do that may surprise. */
export interface OverrideIssue {
  severity: 'error' | 'warning';
  line: number;
  column: number;
  /** `profile.nvidia-760`, `mdev.<uuid>`, `vm.100`, or '' for the file. */
  table: string;
  key: string | null;
  message: string;
}

/** What the host says about its GPUs, for the checks against them. */
export interface OverrideHostFacts {
  /** Type ids the host offers, with the physical framebuffer (MiB) of the GPUs offering each. */
  offered: ReadonlyMap<number, number>;
  /** Live mdev UUIDs and their type ids. */
  mdevs: ReadonlyMap<string, number>;
}

/** NVIDIA vGPU limits: 4 heads, 7680×4320 (vGPU user guide, per-type tables). */
const MAX_HEADS = 4;
const MAX_WIDTH = 7680;
const MAX_HEIGHT = 4320;
const U32 = 0xffffffff;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Validates a parsed file. */
export function validateOverrides(doc: OverrideDocument, host?: OverrideHostFacts): OverrideIssue[] {
  const issues: OverrideIssue[] = [];
  const at = (t: OverrideTable, key: string | null) => {
    const k = key === null ? undefined : t.keys.find((x) => x.key === key);
    return { line: k?.line ?? t.line, column: k?.column ?? t.column };
  };
  const push = (
    severity: OverrideIssue['severity'],
    t: OverrideTable,
    table: string,
    key: string | null,
    message: string,
  ) => issues.push({ severity, ...at(t, key), table, key, message });

  for (const t of doc.tables) {
    if (t.path.length === 0) {
      for (const k of t.keys) {
        issues.push({
          severity: 'warning',
          line: k.line,
          column: k.column,
          table: '',
          key: k.key,
          message: `top-level key "${k.key}" is not read by vgpu_unlock-rs`,
        });
      }
      continue;
    }
    const [kind, name, ...more] = t.path;
    const label = t.path.join('.');
    if (!(OVERRIDE_TABLES as readonly string[]).includes(kind as string)) {
      push('warning', t, label, null, `table [${label}] is not read by vgpu_unlock-rs; it is kept as it is`);
      continue;
    }
    if (name === undefined || more.length > 0) {
      push('error', t, label, null, `expected [${kind}.<name>], found [${label}]`);
      continue;
    }
    let profile: VgpuProfile | undefined;
    let physicalMiB: number | undefined;
    if (kind === 'profile') {
      const m = /^nvidia-(\d+)$/.exec(name);
      const id = m === null ? undefined : Number(m[1]);
      if (id === undefined) {
        push('error', t, label, null, `a profile table is named after its type: [profile.nvidia-<id>], not "${name}"`);
        continue;
      }
      profile = boardOfTypeId(id)?.types.find((p) => p.id === id);
      physicalMiB = host?.offered.get(id);
      if (profile === undefined && physicalMiB === undefined) {
        push(
          'error',
          t,
          label,
          null,
          `no vGPU type nvidia-${id} in the catalog${host === undefined ? '' : ' or on this host'}`,
        );
      }
    } else if (kind === 'mdev') {
      if (!UUID.test(name)) {
        push('error', t, label, null, `vgpu_unlock-rs matches mdev tables by lower-case UUID; "${name}" is not one`);
        continue;
      }
      const typeId = host?.mdevs.get(name);
      if (typeId !== undefined) {
        profile = boardOfTypeId(typeId)?.types.find((p) => p.id === typeId);
        physicalMiB = host?.offered.get(typeId);
      }
    } else if (!/^\d{1,9}$/.test(name)) {
      push('error', t, label, null, `a VM table is named after the VM id: [vm.<number>], not "${name}"`);
      continue;
    }
    const values = ((doc.values[kind as string] as Record<string, unknown> | undefined)?.[name] ?? {}) as Record<
      string,
      unknown
    >;
    checkKeys(t, label, values, profile, physicalMiB, push);
  }
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

function checkKeys(
  t: OverrideTable,
  label: string,
  values: Record<string, unknown>,
  profile: VgpuProfile | undefined,
  physicalMiB: number | undefined,
  push: (
    severity: OverrideIssue['severity'],
    t: OverrideTable,
    table: string,
    key: string | null,
    message: string,
  ) => void,
): void {
  for (const [key, value] of Object.entries(values)) {
    const spec = OVERRIDE_KEYS[key];
    if (spec === undefined) {
      push('error', t, label, key, `unknown key "${key}" (vgpu_unlock-rs ignores it; see docs/profile-overrides.md)`);
      continue;
    }
    const int = typeof value === 'bigint' ? Number(value) : value;
    if (spec.kind === 'string') {
      if (typeof value !== 'string') push('error', t, label, key, `"${key}" must be a string`);
      else if (Buffer.byteLength(value) > (spec.maxBytes ?? 0))
        push('error', t, label, key, `"${key}" is ${Buffer.byteLength(value)} bytes; the field holds ${spec.maxBytes}`);
      continue;
    }
    if (spec.kind === 'size') {
      if (sizeInBytes(value) === undefined)
        push('error', t, label, key, `"${key}" must be a byte count: an integer or a string like "2G"`);
      continue;
    }
    if (typeof int !== 'number' || !Number.isInteger(int) || int < 0 || (spec.kind !== 'u64' && int > U32)) {
      push('error', t, label, key, `"${key}" must be an unsigned ${spec.kind === 'u64' ? '64' : '32'}-bit integer`);
      continue;
    }
    if (spec.kind === 'flag') {
      if (int > 1) push('error', t, label, key, `"${key}" is a flag: 0 or 1`);
      else if (int === 0)
        push(
          'warning',
          t,
          label,
          key,
          `"${key}" = 0: vgpu_unlock-rs releases that clamp flags with max(min(v, 0), 1) turn 0 into 1`,
        );
    }
  }
  const num = (key: string): number | undefined => {
    const v = values[key];
    return typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : undefined;
  };
  const heads = num('num_displays');
  if (heads !== undefined && (heads < 1 || heads > MAX_HEADS))
    push('error', t, label, 'num_displays', `num_displays must be 1–${MAX_HEADS}`);
  const width = num('display_width');
  if (width !== undefined && width > MAX_WIDTH)
    push('error', t, label, 'display_width', `display_width above ${MAX_WIDTH}`);
  const height = num('display_height');
  if (height !== undefined && height > MAX_HEIGHT)
    push('error', t, label, 'display_height', `display_height above ${MAX_HEIGHT}`);
  const pixels = num('max_pixels');
  if (pixels !== undefined && width !== undefined && height !== undefined && pixels < width * height)
    push(
      'warning',
      t,
      label,
      'max_pixels',
      `max_pixels ${pixels} is less than ${width}×${height}: the guest cannot use that resolution`,
    );
  const fb = sizeInBytes(values.framebuffer);
  const reservation = sizeInBytes(values.framebuffer_reservation) ?? 0;
  const board = profile === undefined ? undefined : boardOfTypeId(profile.id);
  const physical = physicalMiB ?? (board === undefined ? undefined : board.framebufferGiB * 1024);
  if (fb !== undefined && physical !== undefined && (fb + reservation) / 2 ** 20 > physical) {
    push(
      'error',
      t,
      label,
      'framebuffer',
      `framebuffer ${Math.round((fb + reservation) / 2 ** 20)} MiB (with its reservation) exceeds the GPU's ${physical} MiB`,
    );
  }
  const max = num('max_instances');
  const perVgpu = fb === undefined ? profile?.framebufferMiB : (fb + reservation) / 2 ** 20;
  if (max !== undefined && perVgpu !== undefined && physical !== undefined && max * perVgpu > physical) {
    push(
      'warning',
      t,
      label,
      'max_instances',
      `${max} vGPUs of ${Math.round(perVgpu)} MiB exceed the GPU's ${physical} MiB`,
    );
  }
  if (values.gpu_type !== undefined)
    push('warning', t, label, 'gpu_type', 'gpu_type changes the type id the guest driver sees');
}
