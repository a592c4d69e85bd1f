/** Option parsers the vGPU commands share: whole numbers, NAME=VALUE attributes, --gpu/--parent, --auto/--manual. */
import { VgpuctlError } from '../../../core/errors.ts';
import type { StartMode } from '../../../store/mdevctl-format.ts';

/** Parses `--count`, `--wait`, `--index`: a whole number. */
export function wholeNumber(option: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) {
    throw new VgpuctlError(
      'INVALID_ARGUMENT',
      `Cannot use ${option} "${text}": expected a whole number of at least ${min}`,
      {
        hint: `For example ${option} ${Math.max(min, 1)}`,
      },
    );
  }
  return Number(text);
}

/** Parses `--attr NAME=VALUE`. */
export function parseAttr(text: string): [string, string] {
  const at = text.indexOf('=');
  if (at <= 0) {
    throw new VgpuctlError('INVALID_ARGUMENT', `Cannot use --attr "${text}": expected NAME=VALUE`, {
      hint: 'For example --attr vendor/foo=1',
    });
  }
  return [text.slice(0, at), text.slice(at + 1)];
}

export const collect = (value: string, previous: string[]) => [...previous, value];

export function startMode(auto: boolean | undefined, manual: boolean | undefined): StartMode | undefined {
  if (auto === true && manual === true) {
    throw new VgpuctlError('USAGE', 'Cannot use --auto and --manual together', { hint: 'Give one of them' });
  }
  return auto === true ? 'auto' : manual === true ? 'manual' : undefined;
}

export function gpuOption(gpu: string | undefined, parent: string | undefined): string | undefined {
  if (gpu !== undefined && parent !== undefined && gpu !== parent) {
    throw new VgpuctlError(
      'USAGE',
      `Cannot use --gpu "${gpu}" with --parent "${parent}": --parent is another name for --gpu`,
      {
        hint: 'Give one of them',
      },
    );
  }
  return gpu ?? parent;
}
