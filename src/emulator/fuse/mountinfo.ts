/** Reading /proc/self/mountinfo (Documentation/filesystems/proc.rst §3.5). */
import { readFile } from 'node:fs/promises';

/** One mount as mountinfo lists it. */
export interface MountEntry {
  mountId: number;
  /** major:minor of the filesystem; for FUSE the minor is the fusectl connection number. */
  device: string;
  mountPoint: string;
  fsType: string;
  source: string;
}

/** Undoes the octal escapes (\040 space, \011 tab, \012 newline, \134 backslash) of mountinfo. */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Parses mountinfo text; malformed lines are skipped. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 6 || fields.length < dash + 3) continue;
    out.push({
      mountId: Number(fields[0]),
      device: fields[2] ?? '',
      mountPoint: unescapeMountField(fields[4] ?? ''),
      fsType: fields[dash + 1] ?? '',
      source: unescapeMountField(fields[dash + 2] ?? ''),
    });
  }
  return out;
}

/** The mounts of this process's mount namespace. */
async function readMountinfo(): Promise<MountEntry[]> {
  return parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** FUSE mounts (fstype `fuse` or `fuse.<subtype>`) at exactly `mountPoint`. */
export async function fuseMountsAt(mountPoint: string): Promise<MountEntry[]> {
  return (await readMountinfo()).filter(
    (m) => m.mountPoint === mountPoint && (m.fsType === 'fuse' || m.fsType.startsWith('fuse.')),
  );
}
