/** Command-line syntax of `vgpuctl override`; `../commands/override.ts` is loaded only when it runs. */
import { DEFAULT_OVERRIDE_PATH } from '../../store/paths.ts';
import type { CommandModule } from '../commands/index.ts';

const override = () => import('../commands/override.ts');

/** Registers `vgpuctl override`. */
export const overrideModule: CommandModule = (program, cli) => {
  const command = program
    .command('override')
    .description("vgpu_unlock-rs's profile_override.toml: show, set, unset, check (no driver patching)");
  const fileHelp = `the file (default: $VGPU_UNLOCK_PROFILE_OVERRIDE_CONFIG_PATH or ${DEFAULT_OVERRIDE_PATH})`;
  command
    .command('show')
    .description('show the overrides and the effective profile of each overridden type')
    .option('--file <path>', fileHelp)
    .action((options) =>
      cli.withHost(async (context) => (await override()).overrideShowCommand(context, options.file)),
    );
  command
    .command('check')
    .description('check the file against vgpu_unlock-rs, the catalog and this host (errors with line and column)')
    .option('--file <path>', fileHelp)
    .action((options) =>
      cli.withHost(async (context) => (await override()).overrideCheckCommand(context, options.file)),
    );
  command
    .command('set')
    .description('set keys of a table: nvidia-<id> (or profile.nvidia-<id>), mdev.<uuid>, vm.<id>')
    .argument('<table>', 'the table')
    .argument('<key=value...>', 'keys to set')
    .option('--file <path>', fileHelp)
    .action((table, pairs, options) =>
      cli.withHost(async (context) => {
        const { keyValues, overrideChangeCommand } = await override();
        return overrideChangeCommand(context, { kind: 'set', table, values: keyValues(pairs) }, options.file);
      }),
    );
  command
    .command('unset')
    .description('remove keys of a table, or the whole table when no key is given')
    .argument('<table>', 'the table')
    .argument('[key...]', 'keys to remove')
    .option('--file <path>', fileHelp)
    .action((table, keys, options) =>
      cli.withHost(async (context) =>
        (await override()).overrideChangeCommand(context, { kind: 'unset', table, keys }, options.file),
      ),
    );
};
