/** UUID_STRING_LEN in include/linux/uuid.h: 36 characters without NUL. */
export const UUID_STRING_LEN = 36;

const HYPHEN_POSITIONS = new Set([8, 13, 18, 23]);

/**
 * uuid_is_valid() of lib/uuid.c: only the first 36 characters are checked; hyphens at
 * 8, 13, 18, 23 and hex digits of either case everywhere else.
 */
export function isValidUuid(text: string): boolean {
  if (text.length < UUID_STRING_LEN) return false;
  for (let i = 0; i < UUID_STRING_LEN; i++) {
    const ch = text.charCodeAt(i);
    if (HYPHEN_POSITIONS.has(i)) {
      if (ch !== 0x2d) return false;
    } else if (!isHexDigit(ch)) {
      return false;
    }
  }
  return true;
}

function isHexDigit(ch: number): boolean {
  return (ch >= 0x30 && ch <= 0x39) || (ch >= 0x41 && ch <= 0x46) || (ch >= 0x61 && ch <= 0x66);
}
