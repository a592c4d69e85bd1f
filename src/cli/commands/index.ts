/**
 * Command modules beyond the core ones: each capability registers its own subcommands, so
 * capabilities stay in their own files. A module is a function `(program, cli) => void`.
 */
import type { Command } from '@commander-js/extra-typings';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { bindModule } from './bind.ts';
import { doctorModule } from './doctor.ts';
import { groupsModule } from './groups.ts';
import { selectModule } from './select.ts';
import { sriovModule } from './sriov.ts';
import { typesCommandModule } from './types.ts';
import { vgpuCommandModule } from './vgpu.ts';

/** What a command module gets from the entry point. */
interface CliServices {
  /** Opens the host named by the global options, runs `run`, prints its result, saves emulated state. */
  withHost(run: (context: CommandContext) => Promise<CommandResult>): Promise<void>;
  /** Prints a result that needs no host. */
  emit(result: CommandResult): void;
  env: NodeJS.ProcessEnv;
}

/** Registers a module's subcommands on the program. */
export type CommandModule = (program: Command, cli: CliServices) => void;

/** Every command module, in help order. */
export const COMMAND_MODULES: CommandModule[] = [
  typesCommandModule,
  vgpuCommandModule,
  groupsModule,
  bindModule,
  sriovModule,
  doctorModule,
  selectModule,
];
