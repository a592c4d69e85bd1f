/**
 * The desired state of a host (`/etc/vgpuctl/host.toml`): per GPU, the vGPUs it should run
 * (a type and a count, or UUIDs), its binding (host driver or vfio-pci) and its VF count.
 *
 * ```toml
 * [[gpu]]
 * address = "0000:3b:00.0"
 * vgpus = [{ type = "nvidia-222", count = 2 }]
 *
 * [[gpu]]
 * address = "0000:41:00.0"
 * vfs = 4
 * ```
 */
import { z } from 'zod';
import { VgpuctlError } from '../../core/errors.ts';
import { parsePciAddress } from '../../core/pci-address.ts';
import { parseToml, TomlSyntaxError } from '../../formats/toml.ts';

const VgpuWant = z
  .strictObject({
    /** A type id (`nvidia-222`) or name (`GRID T4-1B`). */
    type: z.string().min(1).max(128),
    count: z.number().int().min(0).max(4096).optional(),
    uuids: z.array(z.uuid()).max(4096).optional(),
  })
  .refine((v) => (v.count === undefined) !== (v.uuids === undefined), 'give either count or uuids');

const GpuWant = z.strictObject({
  /** A GPU's PCI address, or a non-PCI mdev parent's name (`nvidia`). */
  address: z.string().regex(/^[A-Za-z0-9_:.+-]{1,128}$/),
  vgpus: z.array(VgpuWant).default([]),
  binding: z.enum(['host', 'vfio-pci']).optional(),
  vfs: z.number().int().min(0).max(65535).optional(),
});

export const DesiredState = z.strictObject({ gpu: z.array(GpuWant).default([]) });
export type DesiredState = z.infer<typeof DesiredState>;

/** Parses a host file; a syntax error names its line and column, a schema error its field. */
export function parseHostFile(text: string, source: string): DesiredState {
  let data: unknown;
  try {
    data = parseToml(text);
  } catch (error) {
    if (error instanceof TomlSyntaxError) {
      throw new VgpuctlError(
        'INVALID_ARGUMENT',
        `Cannot read desired state "${source}": line ${error.line}, column ${error.column}: ${error.message}`,
        { hint: 'Fix the TOML syntax; nothing was changed', details: { line: error.line, column: error.column } },
      );
    }
    throw error;
  }
  const parsed = DesiredState.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') ?? '';
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot read desired state "${source}": ${where.replace(/^\./, '') || 'the file'}: ${issue?.message ?? 'invalid'}`,
      { hint: 'See "Desired state" in the README for the format; nothing was changed' },
    );
  }
  const seen = new Set<string>();
  for (const gpu of parsed.data.gpu) {
    // PCI addresses in any spelling (3b:00.0) name one GPU; parent names stay as written.
    if (/^[0-9a-fA-F:.]+$/.test(gpu.address)) gpu.address = parsePciAddress(gpu.address);
    if (seen.has(gpu.address)) {
      throw new VgpuctlError(
        'INVALID_ARGUMENT',
        `Cannot read desired state "${source}": GPU ${gpu.address} is listed twice`,
        {
          hint: 'Merge its entries; nothing was changed',
        },
      );
    }
    seen.add(gpu.address);
  }
  return parsed.data;
}
