/**
 * The part of `vgpuctl emulate run` that executes inside a private mount namespace: mount the
 * emulated host with our FUSE server, lay it over /sys, /dev/vfio, /run, /etc/mdevctl.d and
 * /etc/vgpuctl, run the command, and take everything down again. Mounts made here never reach the host's mount
 * table; the namespace and its mounts vanish when this process and the command exit.
 */
import { spawn } from 'node:child_process';
import { access, mkdir, symlink, writeFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import { mountFuse } from '../fuse/server.ts';
import type { EmulatedKernel } from '../kernel.ts';
import { kernelFuseBackend } from '../kernel-fuse-backend.ts';
import { mountCommand } from './mount-command.ts';

/** Host device nodes the command keeps under the private /dev. */
const KEPT_DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'console', 'kvm', 'fuse'];

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
    await mkdir('/etc/vgpuctl', { recursive: true });
    await bind(join(root, 'etc/vgpuctl'), '/etc/vgpuctl');
    await bind(join(root, 'run'), '/run');
    log(`emulated host "${kernel.scenario.name}" is at /sys, /dev/vfio, /run, /etc/mdevctl.d and /etc/vgpuctl`);
    return await runChild(argv);
  } finally {
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
    await writeFile(join('/dev', name), '');
    await mountCommand(['mount', '--bind', join(devStash, name), join('/dev', name)], `keeping /dev/${name}`);
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
    const child = spawn(file, args, { stdio: 'inherit' });
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
