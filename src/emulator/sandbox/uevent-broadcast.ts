/**
 * The emulated kernel's uevents, announced inside `emulate run`'s own network namespace as
 * systemd-udevd announces processed events: netlink NETLINK_KOBJECT_UEVENT multicast group 2
 * ("udev"), in libudev's message format (src/libsystemd/sd-device/device-monitor.c,
 * struct monitor_netlink_header), so `udevadm monitor`, libudev/sd-device monitors and
 * libvirt's node device driver see them.
 *
 * Why group 2 only: receivers drop group-1 ("kernel") messages whose sender port id is not 0
 * (device_monitor_receive_device), which only the kernel has, so a user-space sender cannot
 * pass for the kernel; group-2 messages are accepted from any sender with uid 0.
 *
 * Why a separate sender: Node has no AF_NETLINK socket. The sender is the smallest honest one: a few
 * lines of Python's socket module (python3, a Debian package), started once per sandbox,
 * reading one JSON message per line on stdin. Where python3 is missing, no uevents are
 * announced (`emulate run --debug` says so).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import type { Uevent } from '../kernel-api.ts';
import type { Kernfs } from '../kernfs/tree.ts';

/**
 * The sender: one datagram per message; the subsystem/devtype filter fields carry systemd's
 * string_hash32 (MurmurHash2, 32 bit, seed 0), which receivers' socket filters compare.
 */
const SENDER = String.raw`
import json, os, socket, struct, sys
def murmur2(data, seed=0):
    m, r = 0x5bd1e995, 24
    h = (seed ^ len(data)) & 0xffffffff
    i = 0
    while len(data) - i >= 4:
        k = struct.unpack_from('<I', data, i)[0]
        k = (k * m) & 0xffffffff; k ^= k >> r; k = (k * m) & 0xffffffff
        h = (h * m) & 0xffffffff; h ^= k
        i += 4
    rest = len(data) - i
    if rest == 3: h ^= data[i + 2] << 16
    if rest >= 2: h ^= data[i + 1] << 8
    if rest >= 1:
        h ^= data[i]; h = (h * m) & 0xffffffff
    h ^= h >> 13; h = (h * m) & 0xffffffff; h ^= h >> 15
    return h
sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 15)  # NETLINK_KOBJECT_UEVENT
sys.stdout.write('ready\n'); sys.stdout.flush()
for line in sys.stdin:
    msg = json.loads(line)
    props = b''.join((k + '=' + v).encode() + b'\0' for k, v in msg['props'])
    sub = msg.get('subsystem', '').encode()
    devtype = msg.get('devtype', '').encode()
    header = struct.pack('=8sIIIIIIII', b'libudev\0', socket.htonl(0xfeedcafe), 40, 40, len(props),
        socket.htonl(murmur2(sub)) if sub else 0, socket.htonl(murmur2(devtype)) if devtype else 0, 0, 0)
    try:
        sock.sendto(header + props, (0, 2))
    except OSError as e:
        if e.errno != 111: raise  # ECONNREFUSED: nobody listens yet
`;

/** Where the uevents go. */
export interface UeventBroadcaster {
  send(event: Uevent): void;
  close(): Promise<void>;
}

/**
 * The properties udev announces for an event: the kernel's (ACTION, DEVPATH, SUBSYSTEM, the
 * device's own uevent variables as its `uevent` file shows them now, DRIVER…, SEQNUM) and
 * USEC_INITIALIZED, which udevd adds once it has processed the device.
 */
function udevProperties(tree: Kernfs, event: Uevent, usecInitialized: number): [string, string][] {
  const props = new Map<string, string>([
    ['ACTION', event.action],
    ['DEVPATH', event.devpath],
  ]);
  if (event.action !== 'remove') {
    const uevent = tree.find(`/sys${event.devpath}/uevent`);
    if (uevent?.kind === 'attr' && uevent.show !== undefined) {
      for (const line of Buffer.from(uevent.show({ uid: 0, privileged: true }))
        .toString()
        .split('\n')) {
        const at = line.indexOf('=');
        if (at > 0) props.set(line.slice(0, at), line.slice(at + 1));
      }
    }
  }
  for (const [key, value] of Object.entries(event.env)) if (key !== 'SEQNUM') props.set(key, value);
  props.set('SEQNUM', event.env.SEQNUM ?? '0');
  props.set('USEC_INITIALIZED', String(usecInitialized));
  return [...props];
}

/** Starts the sender; resolves to undefined (with the reason) when python3 cannot run. */
export async function startUeventBroadcaster(
  tree: Kernfs,
): Promise<{ broadcaster: UeventBroadcaster } | { reason: string }> {
  const child: ChildProcess = spawn('python3', ['-c', SENDER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const ready = await new Promise<string | undefined>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ENOENT' ? 'python3 is not installed' : error.message),
    );
    child.once('exit', (code) => resolve(`the uevent sender exited (${code ?? 'signal'})`));
    child.stdout?.once('data', () => resolve(undefined));
  });
  if (ready !== undefined) return { reason: ready };
  const stdin = child.stdin;
  if (stdin === null) return { reason: 'no pipe to the uevent sender' };
  const bootedAt = performance.now();
  return {
    broadcaster: {
      send(event) {
        const usec = Math.floor((performance.now() - bootedAt) * 1000) + 1;
        const props = udevProperties(tree, event, usec);
        const devtype = props.find(([key]) => key === 'DEVTYPE')?.[1] ?? '';
        stdin.write(`${JSON.stringify({ props, subsystem: event.env.SUBSYSTEM ?? '', devtype })}\n`);
      },
      close() {
        return new Promise((resolve) => {
          child.once('exit', () => resolve());
          stdin.end();
        });
      },
    },
  };
}
