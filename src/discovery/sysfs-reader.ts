import type { HostPort } from '../host/host-port.ts';
import { isHostError } from '../host/host-port.ts';

/**
 * Tolerant reads for discovery: an attribute that is absent or unreadable means "the host
 * does not say", not a failure. Errors other than the host's (bugs) still propagate.
 */
export class SysfsReader {
  readonly host: HostPort;
  constructor(host: HostPort) {
    this.host = host;
  }

  /** The attribute's text without its trailing newline, or null. */
  async text(path: string): Promise<string | null> {
    try {
      return (await this.host.readText(path)).replace(/\n$/, '');
    } catch (error) {
      if (isHostError(error)) return null;
      throw error;
    }
  }

  /** Entries of a directory, or [] when it does not exist. */
  async list(dir: string): Promise<string[]> {
    try {
      return await this.host.list(dir);
    } catch (error) {
      if (isHostError(error)) return [];
      throw error;
    }
  }

  /** The basename of a symlink's target (`driver` → "nvidia"), or null when there is no link. */
  async linkName(path: string): Promise<string | null> {
    try {
      const target = await this.host.readlink(path);
      return target.slice(target.lastIndexOf('/') + 1);
    } catch (error) {
      if (isHostError(error)) return null;
      throw error;
    }
  }

  /** True when the path exists. */
  async exists(path: string): Promise<boolean> {
    return this.host.exists(path);
  }
}
