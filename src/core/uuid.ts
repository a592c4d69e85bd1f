import { VgpuctlError } from './errors.ts';
import { clip } from './pci-address.ts';

/** A lower-case hyphenated UUID, as the mdev core names devices (`%pUl`). */
export type Uuid = string & { readonly __brand: 'Uuid' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** True when `input` is a canonical lower-case UUID. */
export function isUuid(input: string): input is Uuid {
  return UUID.test(input);
}

/**
 * Parses a UUID given by a user. Upper case is refused rather than folded: mdevctl and
 * libvirt treat the stored name as case-sensitive, and a silently changed UUID would not
 * match the VM configuration that names it.
 */
export function parseUuid(input: string): Uuid {
  const text = input.trim();
  if (isUuid(text)) return text;
  const state = UUID.test(text.toLowerCase()) ? 'upper-case letters are not allowed' : 'expected 8-4-4-4-12 hex digits';
  throw new VgpuctlError('INVALID_UUID', `Cannot use UUID "${clip(input)}": ${state}`, {
    hint: 'Write UUIDs in lower case, for example 83b8f4f2-509f-382f-3c1e-e6bfe0fa1001',
  });
}
