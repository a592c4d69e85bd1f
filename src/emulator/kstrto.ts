/**
 * The kernel's string-to-number helpers as sysfs `store()` functions use them
 * (lib/kstrtox.c, lib/string.c). Input is the raw write buffer, read as a C string.
 */
import type { Errno } from '../host/errno.ts';
import { fail } from './kernfs/errno-error.ts';

/** The write buffer as the kernel sees it: a C string ending at the first NUL. */
export function cString(data: Buffer | string): string {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  const nul = text.indexOf('\0');
  return nul === -1 ? text : text.slice(0, nul);
}

function digitValue(ch: string): number {
  const code = ch.toLowerCase().charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return 99;
}

/**
 * Parses an unsigned value like `_kstrtoull`: base 0 picks hex for `0x`, octal for a
 * leading `0`; one trailing `\n` is allowed; anything else is EINVAL, overflow ERANGE.
 * Returns a bigint so 64-bit overflow is exact; callers narrow it.
 */
function parseUnsigned(text: string, base: number): bigint | Errno {
  let s = text;
  if (s.startsWith('+')) s = s.slice(1);
  let radix = base;
  // lib/kstrtox.c _parse_integer_fixup_radix
  if (radix === 0) {
    if (s[0] === '0') {
      radix = s[1]?.toLowerCase() === 'x' && s[2] !== undefined && digitValue(s[2]) < 16 ? 16 : 8;
    } else {
      radix = 10;
    }
  }
  if (radix === 16 && s[0] === '0' && s[1]?.toLowerCase() === 'x') s = s.slice(2);
  let value = 0n;
  let digits = 0;
  let overflow = false;
  while (digits < s.length) {
    const d = digitValue(s[digits] as string);
    if (d >= radix) break;
    value = value * BigInt(radix) + BigInt(d);
    if (value > 0xffff_ffff_ffff_ffffn) overflow = true;
    digits++;
  }
  if (digits === 0) return 'EINVAL';
  if (overflow) return 'ERANGE';
  let rest = s.slice(digits);
  if (rest.startsWith('\n')) rest = rest.slice(1);
  if (rest !== '') return 'EINVAL';
  return value;
}

function unsignedOrFail(data: Buffer | string, base: number, max: bigint): number {
  const result = parseUnsigned(cString(data), base);
  if (typeof result === 'string') fail(result);
  if (result > max) fail('ERANGE');
  return Number(result);
}

/** kstrtoul(buf, base): unsigned long (64-bit); throws EINVAL/ERANGE. */
export function kstrtoul(data: Buffer | string, base = 0): number {
  return unsignedOrFail(data, base, 0xffff_ffff_ffff_ffffn);
}

/** kstrtou16(buf, base): 16-bit unsigned (sriov_numvfs_store uses it). */
export function kstrtou16(data: Buffer | string, base = 0): number {
  return unsignedOrFail(data, base, 0xffffn);
}

/** kstrtoint(buf, base): signed 32-bit; a leading `-` negates (lib/kstrtox.c kstrtoll). */
export function kstrtoint(data: Buffer | string, base = 0): number {
  const text = cString(data);
  const negative = text.startsWith('-');
  const result = parseUnsigned(negative ? text.slice(1) : text, base);
  if (typeof result === 'string') fail(result);
  const value = negative ? -result : result;
  if (value > 0x7fff_ffffn || value < -0x8000_0000n) fail('ERANGE');
  return Number(value);
}

/** kstrtobool: the first character decides (`1yYtTeE` true, `0nNfFdD` false, `on`/`off`); else EINVAL. */
export function kstrtobool(data: Buffer | string): boolean {
  const s = cString(data);
  const first = s[0] ?? '';
  if ('1yYtTeE'.includes(first) && first !== '') return true;
  if ('0nNfFdD'.includes(first) && first !== '') return false;
  if (first === 'o' || first === 'O') {
    const second = s[1] ?? '';
    if (second === 'n' || second === 'N') return true;
    if (second === 'f' || second === 'F') return false;
  }
  return fail('EINVAL');
}

/** sysfs_streq(): equal, ignoring one trailing newline on either side (lib/string.c). */
export function sysfsStreq(a: string, b: string): boolean {
  const strip = (s: string): string => (s.endsWith('\n') ? s.slice(0, -1) : s);
  return strip(cString(a)) === strip(cString(b));
}

/**
 * sscanf with consecutive `%x` conversions: returns the fields converted before the first
 * failure (whitespace skipped, optional `0x`, at least one hex digit), values cut to 32 bits
 * except where `wide` (the trailing `%lx`).
 */
export function scanHexFields(data: Buffer | string, max: number): number[] {
  const s = cString(data);
  const fields: number[] = [];
  let i = 0;
  while (fields.length < max) {
    while (i < s.length && /\s/.test(s[i] as string)) i++;
    let j = i;
    if (s[j] === '+' || s[j] === '-') j++;
    if (s[j] === '0' && s[j + 1]?.toLowerCase() === 'x' && digitValue(s[j + 2] ?? 'z') < 16) j += 2;
    const start = j;
    let value = 0n;
    while (j < s.length && digitValue(s[j] as string) < 16) {
      value = value * 16n + BigInt(digitValue(s[j] as string));
      j++;
    }
    if (j === start) break;
    if (s[i] === '-') value = -value;
    fields.push(Number(BigInt.asUintN(32, value)));
    i = j;
  }
  return fields;
}
