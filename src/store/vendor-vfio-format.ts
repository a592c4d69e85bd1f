/**
 * vgpuctl's definition file for an NVIDIA vendor-VFIO vGPU (a VF with a type id written to
 * `nvidia/current_vgpu_type`), stored at `/etc/vgpuctl/vendor-vfio.d/<PF>/<VF>`. The shape
 * follows mdevctl's files (snake_case keys, `start`, 2-space JSON) so that both read alike:
 *
 * ```json
 * {
 *   "version": 1,
 *   "vgpu_type": 1145,
 *   "vgpu_type_name": "NVIDIA L40S-1B",
 *   "start": "auto"
 * }
 * ```
 */
import { DefinitionSyntaxError, parseJsonObject, type StartMode } from './mdevctl-format.ts';

/** One vendor-VFIO definition's content (the PF and VF are its path). */
export interface VendorVfioConfig {
  /** NVIDIA's numeric vGPU type id, as `creatable_vgpu_types` lists it. */
  typeId: number;
  /** The type's name when it was defined, for people and messages. */
  typeName: string | null;
  start: StartMode;
}

/** The format version written; readers refuse newer ones. */
const VENDOR_VFIO_FORMAT_VERSION = 1;

/** Renders a vendor-VFIO definition. */
export function formatVendorVfioConfig(config: VendorVfioConfig): string {
  return JSON.stringify(
    {
      version: VENDOR_VFIO_FORMAT_VERSION,
      vgpu_type: config.typeId,
      vgpu_type_name: config.typeName,
      start: config.start,
    },
    null,
    2,
  );
}

/** Parses a vendor-VFIO definition; throws {@link DefinitionSyntaxError}. */
export function parseVendorVfioConfig(text: string): VendorVfioConfig {
  const record = parseJsonObject(text);
  if (record.version !== VENDOR_VFIO_FORMAT_VERSION) {
    throw new DefinitionSyntaxError(
      `"version" is ${JSON.stringify(record.version)}, expected ${VENDOR_VFIO_FORMAT_VERSION}`,
    );
  }
  const typeId = record.vgpu_type;
  if (typeof typeId !== 'number' || !Number.isSafeInteger(typeId) || typeId < 1) {
    throw new DefinitionSyntaxError('"vgpu_type" must be a positive integer');
  }
  const typeName = record.vgpu_type_name;
  if (typeName !== undefined && typeName !== null && typeof typeName !== 'string') {
    throw new DefinitionSyntaxError('"vgpu_type_name" must be a string');
  }
  if (record.start !== 'auto' && record.start !== 'manual')
    throw new DefinitionSyntaxError('"start" must be "auto" or "manual"');
  return { typeId, typeName: typeName ?? null, start: record.start };
}
