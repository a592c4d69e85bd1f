/** `vgpuctl doctor [ADDRESS]`: checks the host for every virtualization mode, with fixes. */
import { EXIT_CODES } from '../../core/errors.ts';
import { type DoctorReport, readDoctorFacts, runDoctor } from '../../ops/doctor/run-doctor.ts';
import type { CommandResult } from '../command-result.ts';
import type { CommandContext } from '../context.ts';
import { renderDoctor } from '../render/doctor-text.ts';

/**
 * Runs the doctor. Exit status 0 when no check fails, else 6 (`unsupported`: a mode cannot
 * work on this host as it is); warnings alone do not fail.
 */
export async function doctorCommand(
  context: CommandContext,
  address: string | undefined,
): Promise<CommandResult<DoctorReport>> {
  const facts = await readDoctorFacts(context.host, { pciIds: context.pciIds });
  const report = runDoctor(facts, address === undefined ? {} : { address });
  return {
    data: report,
    text: renderDoctor(report, facts.inventory.gpus),
    exitCode: report.summary.fail > 0 ? EXIT_CODES.unsupported : 0,
  };
}
