/**
 * The one error type vgpuctl raises for conditions a caller or a user can act on.
 *
 * Messages follow one shape — `Cannot <action> "<thing>": <current state>` — and the
 * fix goes in `hint`, so that renderers can print both and scripts can branch on `code`.
 *
 * @example
 * throw new VgpuctlError('NOT_FOUND', 'Cannot show GPU "0000:99:00.0": no such PCI device', {
 *   hint: 'Run "vgpuctl list" to see the GPUs on this host',
 * });
 */
export class VgpuctlError extends Error {
  override readonly name = 'VgpuctlError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** The process exit status for this error (see {@link EXIT_CODES}). */
  get exitCode(): number {
    return EXIT_CODES[ERROR_CLASS[this.code]];
  }

  /** Plain data for `--json` renderers and APIs. */
  toJSON(): { code: ErrorCode; message: string; hint?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** Error classes and their fixed exit statuses; documented in the README. */
export const EXIT_CODES = {
  internal: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  host: 5,
  unsupported: 6,
} as const;

/** Stable error codes. Append only: scripts match on these. */
export const ERROR_CLASS = {
  USAGE: 'usage',
  INVALID_ARGUMENT: 'usage',
  INVALID_PCI_ADDRESS: 'usage',
  INVALID_UUID: 'usage',
  INVALID_NAME: 'usage',
  SCENARIO_INVALID: 'usage',
  UNKNOWN_SCENARIO: 'notFound',
  NOT_FOUND: 'notFound',
  DEVICE_NOT_FOUND: 'notFound',
  NOT_A_GPU: 'usage',
  STATE_CORRUPT: 'host',
  ROOT_UNREADABLE: 'host',
  HOST_IO: 'host',
  SYSFS_WRITE_FAILED: 'host',
  DEVICE_BUSY: 'conflict',
  CONFLICT: 'conflict',
  UNSUPPORTED: 'unsupported',
  INTERNAL: 'internal',
  VGPU_TYPE_NOT_FOUND: 'notFound',
  VGPU_CAPACITY_EXHAUSTED: 'conflict',
  VGPU_SIZE_CONFLICT: 'conflict',
  DEFINITION_INVALID: 'host',
  DEFINITIONS_LOCKED: 'conflict',
  VGPU_START_FAILED: 'host',
  BOOT_VGA_DEVICE: 'conflict',
  IOMMU_DISABLED: 'unsupported',
  IOMMU_GROUP_SHARED: 'conflict',
  DRIVER_NOT_FOUND: 'notFound',
  VFS_ENABLED: 'conflict',
  GPU_MODE_UNAVAILABLE: 'unsupported',
  PROFILE_NOT_FOUND: 'notFound',
  WANT_INVALID: 'usage',
  FLEET_INVALID: 'usage',
  OVERRIDE_INVALID: 'usage',
} as const satisfies Record<string, keyof typeof EXIT_CODES>;

export type ErrorCode = keyof typeof ERROR_CLASS;

/** True when `value` is a {@link VgpuctlError}, also across module copies. */
export function isVgpuctlError(value: unknown): value is VgpuctlError {
  return value instanceof Error && value.name === 'VgpuctlError' && 'code' in value;
}
