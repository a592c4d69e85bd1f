/**
 * The part of `vgpuctl emulate run` that executes inside a private mount namespace: mount the
 * emulated host with our FUSE server, lay it over /sys, /dev/vfio, /run, /proc/modules,
 * /etc/mdevctl.d, /etc/vgpuctl and /etc/driverctl.d, answer modprobe from it, run the command,
 * and take everything down again. Mounts made here never reach the host's mount
 * table; the namespace and its mounts vanish when this process and the command exit.
 */
import { spawn } from 'node:child_process';
import { access, mkdir, rm, rmdir, symlink, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { mountFuse } from '../fuse/server.ts';
import type { EmulatedKernel } from '../kernel.ts';
import { kernelFuseBackend } from '../kernel-fuse-backend.ts';
import { installModuleTools } from './module-tools.ts';
import { mountCommand } from './mount-command.ts';
import { saveToTree, seedFromTree } from './run-tmpfs.ts';
import type { UeventBroadcaster } from './uevent-broadcast.ts';
import { startUeventBroadcaster } from './uevent-broadcast.ts';

/** Host device nodes the command keeps under the private /dev. */
const KEPT_DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'console', 'kvm', 'fuse', 'net/tun'];

/** udevd's control socket; its presence tells sd-device that udev announces events. */
const UDEV_CONTROL = '/run/udev/control';

/** Where the emulated paths appear for the command. */
export interface SandboxLayout {
  /** Scratch directory (on the host's filesystem, removed by the caller outside the namespace). */
  work: string;
  /** Serve with kernel opens (MountOptions.kernelOpens): faster, open-time checks at read/write. */
  fastOpen?: boolean;
}

/** Runs `argv` with the emulated host laid over the real paths; resolves to its exit status. */
export async function runInsideNamespace(
  kernel: EmulatedKernel,
  argv: readonly string[],
  layout: SandboxLayout,
  log: (line: string) => void,
): Promise<number> {
  const root = join(layout.work, 'root');
  const devStash = join(layout.work, 'dev');
  await mkdir(root, { recursive: true });
  await mkdir(devStash, { recursive: true });
  // mdevctl refuses to run without its configuration directory and, since 1.2, without
  // scripts.d/{callouts,notifiers} in it (mdevctl src/environment.rs).
  for (const dir of [
    '/etc/mdevctl.d/scripts.d/callouts',
    '/etc/mdevctl.d/scripts.d/notifiers',
    '/etc/vgpuctl',
    '/etc/driverctl.d',
    '/run',
  ]) {
    kernel.tree.mkdir(dir, 0o755, 'tmpfs');
  }

  const fuse = await mountFuse(kernelFuseBackend(kernel), root, {
    fsName: `vgpuctl-${kernel.scenario.name}`,
    kernelOpens: layout.fastOpen === true,
  });
  // Any accepted write may change what cached attributes show; drop the kernel's copies.
  const stopInvalidating = kernel.onWrite(() => void fuse.invalidateData());
  const overlays: string[] = [];
  let runSeeded = false;
  let broadcaster: UeventBroadcaster | undefined;
  let stopUevents = (): void => {};
  const bind = async (source: string, target: string) => {
    await mountCommand(['mount', '--bind', source, target], `binding ${source} over ${target}`);
    overlays.push(target);
  };
  try {
    // The whole of /sys: sysfs links are relative (../../devices/...), so they resolve only
    // when the emulated tree is mounted where the kernel's would be.
    await bind(join(root, 'sys'), '/sys');
    await privateDev(root, devStash, kernel, overlays);
    if (await exists('/etc/mdevctl.d')) await bind(join(root, 'etc/mdevctl.d'), '/etc/mdevctl.d');
    // vgpuctl's own state (locks, bind records, vendor-VFIO definitions) inside the sandbox
    // must be the emulated host's too. /etc/vgpuctl is the package's configuration directory;
    // creating it empty on the host is the only change outside the namespace.
    // driverctl's overrides (/etc/driverctl.d, driverctl(8)) likewise; without the bind,
    // `driverctl set-override` would create and write the host's directory.
    await mkdir('/etc/vgpuctl', { recursive: true });
    await bind(join(root, 'etc/vgpuctl'), '/etc/vgpuctl');
    // Debian's driverctl package ships the directory; without it (and without the right to
    // create it, in a user namespace) there is nothing driverctl could write to either.
    if (
      await mkdir('/etc/driverctl.d', { recursive: true }).then(
        () => true,
        () => false,
      )
    )
      await bind(join(root, 'etc/driverctl.d'), '/etc/driverctl.d');
    // The emulated kernel's module list (lsmod). A kernel built without module support has
    // no /proc/modules to lay it over (procfs takes no new files, overlayfs refuses procfs),
    // so there lsmod keeps failing as it does outside; /sys/module is the emulated one anyway.
    if (await exists('/proc/modules')) await bind(join(root, 'proc/modules'), '/proc/modules');
    // modprobe answered from the emulated /sys/module.
    const tools = join(layout.work, 'tools');
    await mkdir(tools, { recursive: true });
    await mountCommand(
      ['mount', '-t', 'tmpfs', '-o', 'mode=0700,nosuid,nodev', 'vgpuctl-tools', tools],
      'mounting a scratch tmpfs',
    );
    overlays.push(tools);
    await installModuleTools(tools, overlays);
    // /run is a real tmpfs (sockets, FIFOs, hard links), seeded from the emulated host's
    // and saved back into it when the command ends (run-tmpfs.ts). Mounted last: mount(8)
    // keeps its own notes in /run/mount, which are no part of the emulated host.
    await mountCommand(
      ['mount', '-t', 'tmpfs', '-o', 'mode=0755,nosuid,nodev', 'vgpuctl-run', '/run'],
      'mounting /run',
    );
    overlays.push('/run');
    await seedFromTree(kernel.tree, '/run', '/run');
    runSeeded = true;
    // The command runs in its own network namespace (run-sandboxed.ts): loopback up, and the
    // emulated kernel's uevents announced there as udevd announces them.
    await runQuiet('ip', ['link', 'set', 'lo', 'up']);
    const started = await startUeventBroadcaster(kernel.tree);
    if ('reason' in started) log(`uevents are not announced: ${started.reason}`);
    else {
      broadcaster = started.broadcaster;
      // sd-device subscribes to udev's announcements only where udevd runs, which it tells
      // by /run/udev/control (device_monitor_new_full); we stand in for udevd's announcing.
      await mkdir('/run/udev', { recursive: true });
      await writeFile(UDEV_CONTROL, '');
      const forward = started.broadcaster;
      stopUevents = kernel.onUevent((event) => forward.send(event));
    }
    log(
      `emulated host "${kernel.scenario.name}" is at /sys, /dev/vfio, /dev/kmsg, /run, /proc/modules, /etc/mdevctl.d, /etc/driverctl.d and /etc/vgpuctl`,
    );
    return await runChild(argv);
  } finally {
    stopUevents();
    if (broadcaster !== undefined) {
      await broadcaster.close();
      await rm(UDEV_CONTROL, { force: true });
      await rmdir('/run/udev').catch(() => {}); // kept when the command put something there
    }
    if (runSeeded)
      await saveToTree(kernel.tree, '/run', '/run').catch((error: unknown) => log(`/run not saved: ${String(error)}`));
    for (const target of overlays.reverse()) {
      await mountCommand(['umount', '-l', target], `unmounting ${target}`).catch(() => {});
    }
    stopInvalidating();
    await fuse.unmount();
  }
}

/** A tmpfs /dev with the basic host nodes and the emulated /dev/vfio (no mkdir on the host's devtmpfs). */
async function privateDev(root: string, devStash: string, kernel: EmulatedKernel, overlays: string[]): Promise<void> {
  await mountCommand(['mount', '--rbind', '/dev', devStash], 'keeping the host /dev');
  await mountCommand(
    ['mount', '-t', 'tmpfs', '-o', 'mode=0755,nosuid', 'vgpuctl-dev', '/dev'],
    'mounting a private /dev',
  );
  overlays.push('/dev');
  for (const name of KEPT_DEVICES) {
    if (!(await exists(join(devStash, name)))) continue;
    await mkdir(dirname(join('/dev', name)), { recursive: true });
    await writeFile(join('/dev', name), '');
    await mountCommand(['mount', '--bind', join(devStash, name), join('/dev', name)], `keeping /dev/${name}`);
  }
  // The emulated kernel's log: dmesg reads it instead of the host's (with --fast-open the
  // kernel opens files itself, so there is no per-open reader and it reads as empty).
  // Devices of the emulated host's modules that read as text (vgpu_nvidia's VRAM report).
  for (const name of ['kmsg', 'vgpu_nvidia']) {
    if (kernel.tree.find(`/dev/${name}`) === undefined) continue;
    await writeFile(join('/dev', name), '');
    await mountCommand(['mount', '--bind', join(root, 'dev', name), join('/dev', name)], `binding /dev/${name}`);
  }
  for (const dir of ['pts', 'shm', 'mqueue']) await mkdir(join('/dev', dir));
  if (await exists(join(devStash, 'pts/ptmx'))) {
    await mountCommand(['mount', '--rbind', join(devStash, 'pts'), '/dev/pts'], 'keeping /dev/pts');
    await symlink('pts/ptmx', '/dev/ptmx');
  }
  await mountCommand(['mount', '-t', 'tmpfs', '-o', 'mode=1777,nosuid,nodev', 'shm', '/dev/shm'], 'mounting /dev/shm');
  await symlink('/proc/self/fd', '/dev/fd');
  for (const [index, name] of ['stdin', 'stdout', 'stderr'].entries())
    await symlink(`/proc/self/fd/${index}`, `/dev/${name}`);
  if (kernel.tree.find('/dev/vfio') !== undefined) {
    await mkdir('/dev/vfio');
    await mountCommand(['mount', '--bind', join(root, 'dev/vfio'), '/dev/vfio'], 'binding /dev/vfio');
  }
}

function runChild(argv: readonly string[]): Promise<number> {
  const [file, ...args] = argv as [string, ...string[]];
  return new Promise((resolve) => {
    // sd-device (udevadm, libudev, libvirt) refuses a /sys whose statfs type is not sysfs
    // (src/libsystemd/sd-device/sd-device.c); ours is a FUSE mount, so tell it not to check.
    const child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, SYSTEMD_DEVICE_VERIFY_SYSFS: '0' } });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (error: NodeJS.ErrnoException) => {
      process.stderr.write(
        `error: Cannot run "${file}": ${error.code === 'ENOENT' ? 'command not found' : error.message}\n`,
      );
      resolve(127);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
    });
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs a command whose failure changes nothing (a tool that may be missing). */
function runQuiet(file: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: 'ignore' });
    child.on('error', () => resolve());
    child.on('exit', () => resolve());
  });
}
