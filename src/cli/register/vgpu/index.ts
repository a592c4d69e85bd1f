/** The vGPU lifecycle commands, in help order; each file registers one command's syntax. */
import type { CommandModule } from '../../commands/index.ts';
import { createModule, removeModule } from './create.ts';
import { defineModule, undefineModule } from './define.ts';
import { modifyModule } from './modify.ts';
import { startModule, stopModule } from './start.ts';
import { vgpusModule } from './vgpus.ts';

/** Registers the vGPU lifecycle commands. */
export const vgpuCommandModule: CommandModule = (program, cli) => {
  for (const register of [
    createModule,
    removeModule,
    vgpusModule,
    defineModule,
    undefineModule,
    startModule,
    stopModule,
    modifyModule,
  ])
    register(program, cli);
};
