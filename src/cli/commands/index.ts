/**
 * Every command of vgpuctl, in help order: the one list of them. Each entry registers its
 * syntax (arguments, options, help) and loads its implementation only when it runs, so
 * `vgpuctl --help` and one command never load the code of the others.
 */
import type { Command } from '@commander-js/extra-typings';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext, GlobalOptions } from '../context.ts';
import { applyModule } from '../register/apply.ts';
import { bindModule } from '../register/bind.ts';
import { doctorModule } from '../register/doctor.ts';
import { emulateModule } from '../register/emulate.ts';
import { groupsModule } from '../register/groups.ts';
import { listModule, showModule } from '../register/inventory.ts';
import { kubeletPluginModule } from '../register/kubelet-plugin.ts';
import { overrideModule } from '../register/override.ts';
import { planModule } from '../register/plan.ts';
import { profilesModule } from '../register/profiles.ts';
import { selectModule } from '../register/select.ts';
import { serveModule } from '../register/serve.ts';
import { sriovModule } from '../register/sriov.ts';
import { typesCommandModule } from '../register/types.ts';
import { vgpuCommandModule } from '../register/vgpu/index.ts';

/** What a command module gets from the entry point. */
interface CliServices {
  /**
   * Opens the host named by the global options (with `globals` changed as given), runs `run`,
   * prints its result, saves emulated state.
   */
  withHost(run: (context: CommandContext) => Promise<CommandResult>, globals?: Partial<GlobalOptions>): Promise<void>;
  /** Prints a result that needs no host. */
  emit(result: CommandResult): void;
  /** The global options given on the command line. */
  globals(): GlobalOptions;
  /** Writes a diagnostic line to stderr. */
  log(line: string): void;
  /** Writes a progress line to stderr when progress is wanted (see progress.ts). */
  progress(line: string): void;
  env: NodeJS.ProcessEnv;
  /** The vgpuctl executable (bin/vgpuctl), to run vgpuctl again inside a sandbox. */
  executable: string;
}

/** Registers a module's subcommands on the program. */
export type CommandModule = (program: Command, cli: CliServices) => void;

/** Every command module, in help order. */
export const COMMAND_MODULES: CommandModule[] = [
  listModule,
  showModule,
  emulateModule,
  typesCommandModule,
  vgpuCommandModule,
  groupsModule,
  bindModule,
  sriovModule,
  doctorModule,
  selectModule,
  profilesModule,
  planModule,
  overrideModule,
  serveModule,
  kubeletPluginModule,
  applyModule,
];
