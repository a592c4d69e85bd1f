/**
 * kmod's module commands inside `emulate run`, answered by the emulated host: `modprobe X`
 * succeeds when the emulated kernel has X loaded (modprobe of a loaded module is a no-op)
 * and fails as modprobe does for a module it cannot find; `modprobe -r`, `rmmod` and
 * `insmod` are refused, so nothing run in the sandbox loads or unloads a module of the real
 * kernel. `lsmod`, `modinfo` and the rest run unchanged (lsmod reads the emulated
 * /proc/modules and /sys/module). Tools such as driverctl call /sbin/modprobe before they
 * bind a driver; with this they see the emulated host's modules.
 */
import { chmod, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mountCommand } from './mount-command.ts';

/**
 * The wrapper laid over the modprobe executable. When that executable is a multi-call binary
 * (kmod, busybox) the wrapper also covers its other names, so it runs the original, kept at
 * `original`, under the name it was called by (kmod and busybox dispatch on argv[0]).
 */
function moduleToolScript(original: string): string {
  return `#!/bin/bash
# kmod's module commands for the emulated host of vgpuctl emulate run (see module-tools.ts).
name=\${0##*/}
case "$name" in
  modprobe | insmod | rmmod) ;;
  *) exec -a "$0" ${JSON.stringify(original)} "$@" ;;
esac
quiet=0 remove=0 all=0 modules=()
while (($# > 0)); do
  case "$1" in
    -q | --quiet) quiet=1 ;;
    -r | --remove) remove=1 ;;
    -a | --all) all=1 ;;
    -C | -d | -S | -o | --config | --dirname | --set-version) shift ;;
    --*) ;;
    -*) [[ "$1" == *q* ]] && quiet=1; [[ "$1" == *r* ]] && remove=1; [[ "$1" == *a* ]] && all=1 ;;
    *) modules+=("$1"); ((all)) || [ "$name" = rmmod ] || break ;;
  esac
  shift
done
say() { ((quiet)) || echo "$name: $*" >&2; }
if [ "$name" = insmod ]; then
  say "ERROR: could not insert module \${modules[0]}: Operation not permitted (emulated host)"
  exit 1
fi
[ "$name" = rmmod ] && remove=1
status=0
for module in "\${modules[@]}"; do
  sysname=\${module//-/_}
  if ((remove)); then
    say "ERROR: could not remove module $sysname: Operation not permitted (emulated host)"
    status=1
  elif [ ! -e "/sys/module/$sysname/initstate" ]; then
    say "FATAL: Module $module not found in directory /lib/modules/$(uname -r)"
    status=1
  fi
done
exit $status
`;
}

/** Lays the wrapper over modprobe (and insmod/rmmod when they are other files); no-op without kmod. */
export async function installModuleTools(tools: string, overlays: string[]): Promise<void> {
  const covered = new Set<string>();
  for (const command of ['/sbin/modprobe', '/sbin/insmod', '/sbin/rmmod']) {
    const target = await realpath(command).catch(() => undefined);
    if (target === undefined || covered.has(target)) continue;
    covered.add(target);
    const index = covered.size;
    const original = join(tools, `original-${index}`);
    const wrapper = join(tools, `wrapper-${index}`);
    await writeFile(original, '');
    await mountCommand(['mount', '--bind', target, original], `keeping ${target}`);
    await writeFile(wrapper, moduleToolScript(original));
    await chmod(wrapper, 0o755);
    await mountCommand(['mount', '--bind', wrapper, target], `answering ${command} from the emulated host`);
    overlays.push(target);
  }
}
