/**
 * Who may ask what. Over the unix socket the socket's permissions decide (0660, root and a
 * configured group), as for other daemons' control sockets. Over TCP every request carries a
 * bearer token from the token file — in the Authorization header, or in the session cookie the
 * dashboard sets after opening its URL once with `?token=` (as Jupyter does). Tokens are
 * `admin` (everything) or `read` (no mutations).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { VgpuctlError } from '../core/errors.ts';

type Role = 'read' | 'admin';

/** The caller of a request, for permission checks and the audit log. */
export interface Principal {
  role: Role;
  /** Who asked: the token's name, or "unix-socket". */
  who: string;
  /** Authenticated by the dashboard's session cookie (so mutations need the CSRF token). */
  cookie: boolean;
}

export interface TokenEntry {
  token: string;
  role: Role;
  name: string;
}

/**
 * Parses a token file: one token a line, `admin TOKEN [NAME]`, `read TOKEN [NAME]`, or a bare
 * `TOKEN` (admin); `#` starts a comment. Tokens need at least 16 characters.
 */
export function parseTokenFile(text: string, source: string): TokenEntry[] {
  const entries: TokenEntry[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const words = line.split(/\s+/);
    const [first, second, third] = words;
    const entry: TokenEntry =
      first === 'admin' || first === 'read'
        ? { role: first, token: second ?? '', name: third ?? `${first}-${index + 1}` }
        : { role: 'admin', token: first ?? '', name: second ?? `admin-${index + 1}` };
    if (entry.token.length < 16 || !/^[\x21-\x7e]+$/.test(entry.token)) {
      throw new VgpuctlError(
        'INVALID_ARGUMENT',
        `Cannot use token file "${source}": line ${index + 1} has no token of 16 or more printable characters`,
        { hint: 'Write lines like "admin <token>" or "read <token>"; generate tokens with: openssl rand -hex 32' },
      );
    }
    entries.push(entry);
  }
  if (entries.length === 0) {
    throw new VgpuctlError('INVALID_ARGUMENT', `Cannot use token file "${source}": it holds no token`, {
      hint: 'Write lines like "admin <token>" or "read <token>"',
    });
  }
  return entries;
}

/** The tokens the agent accepts, compared in constant time. */
export class TokenSet {
  private readonly entries: readonly TokenEntry[];
  private readonly secret: Buffer;

  constructor(entries: readonly TokenEntry[], secret: Buffer) {
    this.entries = entries;
    this.secret = secret;
  }

  lookup(token: string): TokenEntry | undefined {
    const given = Buffer.from(token);
    let found: TokenEntry | undefined;
    for (const entry of this.entries) {
      const want = Buffer.from(entry.token);
      if (want.length === given.length && timingSafeEqual(want, given)) found = entry;
    }
    return found;
  }

  /** The CSRF token of a session: bound to its token, useless to another session. */
  csrfFor(token: string): string {
    return createHmac('sha256', this.secret).update(token).digest('hex');
  }

  checkCsrf(token: string, csrf: string | undefined): boolean {
    const want = Buffer.from(this.csrfFor(token));
    const given = Buffer.from(csrf ?? '');
    return want.length === given.length && timingSafeEqual(want, given);
  }
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}

export const SESSION_COOKIE = 'vgpuctl_session';
export const CSRF_HEADER = 'x-vgpuctl-csrf';
