/**
 * Parsers for the `description` text of mdev types, which each vendor writes its own way.
 * Nothing here guesses: a field is set only when the text states it.
 */

/** What a type's description says about the vGPU, in one shape for every vendor. */
export interface VgpuTypeFacts {
  /** Which grammar matched: NVIDIA's key=value list, GVT-g's key: value lines, or free text. */
  format: 'nvidia' | 'gvt-g' | 'text';
  heads?: number | undefined;
  /** Frame-rate limit (NVIDIA frl_config); 0 means unlimited. */
  frameRateLimit?: number | undefined;
  framebufferMiB?: number | undefined;
  maxResolution?: string | undefined;
  maxInstances?: number | undefined;
  /** Every key/value pair as written, for fields without a typed home. */
  fields: Record<string, string>;
}

const NVIDIA_PAIR = /^\s*([a-z_]+)=([^,]*)\s*$/;
const GVT_LINE = /^\s*([a-z_]+):\s*(.*?)\s*$/;

/**
 * Parses a type description.
 *
 * @example
 * parseVgpuDescription('num_heads=4, frl_config=60, framebuffer=2048M, max_resolution=7680x4320, max_instance=24');
 * // { format: 'nvidia', heads: 4, frameRateLimit: 60, framebufferMiB: 2048, maxResolution: '7680x4320', maxInstances: 24, ... }
 */
export function parseVgpuDescription(text: string): VgpuTypeFacts {
  const trimmed = text.trim();
  const pairs = trimmed.split(',').map((part) => NVIDIA_PAIR.exec(part));
  if (trimmed !== '' && pairs.every((m) => m !== null)) {
    const fields = Object.fromEntries(pairs.map((m) => [m?.[1] ?? '', (m?.[2] ?? '').trim()]));
    return withDefined({
      format: 'nvidia',
      heads: int(fields.num_heads),
      frameRateLimit: int(fields.frl_config),
      framebufferMiB: size(fields.framebuffer),
      maxResolution: resolution(fields.max_resolution),
      maxInstances: int(fields.max_instance),
      fields,
    });
  }
  const lines = trimmed.split('\n').map((line) => GVT_LINE.exec(line));
  if (trimmed !== '' && lines.every((m) => m !== null)) {
    const fields = Object.fromEntries(lines.map((m) => [m?.[1] ?? '', m?.[2] ?? '']));
    const aperture = size(fields.low_gm_size);
    const hidden = size(fields.high_gm_size);
    return withDefined({
      format: 'gvt-g',
      framebufferMiB: aperture !== undefined && hidden !== undefined ? aperture + hidden : undefined,
      maxResolution: resolution(fields.resolution),
      fields,
    });
  }
  // Free text such as "virtual display, 1024x768 framebuffer" (mdpy) or
  // "NVIDIA GRID vGPU (1b), 1024MB framebuffer" (KubeVirt's fake module).
  const res = /(\d{3,5}x\d{3,5})/.exec(trimmed)?.[1];
  const fb = /(\d+)\s*(MB|GB|M|G)\b[^,]*(framebuffer|video memory)/i.exec(trimmed);
  return withDefined({
    format: 'text',
    maxResolution: res,
    framebufferMiB: fb === null ? undefined : size(`${fb[1]}${fb[2]}`),
    fields: {},
  });
}

function int(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number.parseInt(value, 10);
}

/** "2048M", "128MB", "1G" → MiB. */
function size(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^(\d+)\s*(K|KB|M|MB|G|GB)?$/i.exec(value.trim());
  if (m === null) return undefined;
  const n = Number.parseInt(m[1] as string, 10);
  const unit = (m[2] ?? 'M').toUpperCase()[0];
  return unit === 'G' ? n * 1024 : unit === 'K' ? Math.floor(n / 1024) : n;
}

function resolution(value: string | undefined): string | undefined {
  return value !== undefined && /^\d+x\d+$/.test(value) ? value : undefined;
}

function withDefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] === undefined) delete value[key];
  return value;
}
