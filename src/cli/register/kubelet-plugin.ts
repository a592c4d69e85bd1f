/** Command-line syntax of `vgpuctl kubelet-plugin`; the plugins load only when a subcommand runs. */
import {
  DEFAULT_DEVICE_PLUGIN_DIR,
  DEFAULT_DRIVER,
  DEFAULT_PLUGINS_DIR,
  DEFAULT_REGISTRY_DIR,
} from '../../kube/defaults.ts';
import type { CommandModule } from '../commands/index.ts';
import { refuseDryRun } from './refuse-dry-run.ts';

const plugin = () => import('../commands/kubelet-plugin.ts');

/** Registers `vgpuctl kubelet-plugin`. */
export const kubeletPluginModule: CommandModule = (program, cli) => {
  const group = program
    .command('kubelet-plugin')
    .description('run as a Kubernetes node plugin: DRA driver or device plugin');
  group
    .command('dra')
    .description('run the DRA driver: publish ResourceSlices, prepare claims on demand (until SIGTERM)')
    .option('--driver <name>', `driver name (default ${DEFAULT_DRIVER})`)
    .option('--node-name <name>', 'node name (default $NODE_NAME, else the hostname)')
    .option('--registry-dir <dir>', `kubelet plugin registry (default ${DEFAULT_REGISTRY_DIR})`)
    .option(
      '--plugins-dir <dir>',
      `kubelet plugins dir; the socket is DIR/DRIVER/dra.sock (default ${DEFAULT_PLUGINS_DIR})`,
    )
    .option('--kubeconfig <file>', 'kubeconfig (default: KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--api-server <url>', 'API server URL without credentials (development)')
    .option('--types <list>', 'only these vGPU types, comma-separated (ids, names or profiles like T4-1B)')
    .option('--no-counters', 'publish no shared counters (clusters without partitionable devices)')
    .option('--poll <ms>', 'longest time between two readings of sysfs (default 1000)')
    .action((options) => {
      refuseDryRun(cli.globals(), 'run the DRA driver', 'vgpuctl kubelet-plugin dra');
      return cli.withHost(async (context) => {
        const { draCommand, untilSignal } = await plugin();
        return draCommand(
          context,
          options,
          untilSignal(),
          (banner) => cli.emit(banner),
          (line) => cli.log(line),
        );
      });
    });
  group
    .command('device-plugin')
    .description('run the kubelet device plugin (v1beta1) for KubeVirt permittedHostDevices (until SIGTERM)')
    .option('--dir <dir>', `kubelet device-plugins dir (default ${DEFAULT_DEVICE_PLUGIN_DIR})`)
    .option('--alias <resource=alias...>', 'also offer a resource under another name')
    .option('--poll <ms>', 'longest time between two readings of sysfs (default 1000)')
    .action((options) => {
      refuseDryRun(cli.globals(), 'run the device plugin', 'vgpuctl kubelet-plugin device-plugin');
      return cli.withHost(async (context) => {
        const { devicePluginCommand, untilSignal } = await plugin();
        return devicePluginCommand(
          context,
          options,
          untilSignal(),
          (banner) => cli.emit(banner),
          (line) => cli.log(line),
        );
      });
    });
  group
    .command('config')
    .description("print KubeVirt's permittedHostDevices for this host's GPUs and vGPU types")
    .action(() => cli.withHost(async (context) => (await plugin()).configCommand(context)));
  group
    .command('slices')
    .description('print the ResourceSlices the DRA driver would publish for this host')
    .option('--driver <name>', `driver name (default ${DEFAULT_DRIVER})`)
    .option('--node-name <name>', 'node name (default $NODE_NAME, else the hostname)')
    .option('--types <list>', 'only these vGPU types, comma-separated')
    .option('--no-counters', 'publish no shared counters')
    .action((options) => cli.withHost(async (context) => (await plugin()).slicesCommand(context, options)));
};
