/** Option parsers shared by the vGPU lifecycle commands; they run before any host is opened. */
import { VgpuctlError } from '../../../core/errors.ts';
import type { StartMode } from '../../../store/mdevctl-format.ts';

/**
 * Parses `--count`, `--wait`, `--index`: a whole number of at least `min`. The user's text is
 * echoed as typed (never as `1e+23`), and numbers beyond exact integers are refused here.
 */
export function wholeNumber(option: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const digits = text.trim();
  const value = Number(digits);
  const problem =
    !/^\d+$/.test(digits) || value < min
      ? `expected a whole number of at least ${min}`
      : !Number.isSafeInteger(value)
        ? `expected a whole number of at most ${Number.MAX_SAFE_INTEGER}`
        : undefined;
  if (problem !== undefined) {
    throw new VgpuctlError('INVALID_ARGUMENT', `Cannot use ${option} "${text}": ${problem}`, {
      hint: `For example ${option} ${Math.max(min, 1)}`,
    });
  }
  return value;
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

/** Collects a repeatable option's values in order. */
export const collect = (value: string, previous: string[]) => [...previous, value];

/** `--auto` / `--manual`: at most one of them. */
export function startMode(auto: boolean | undefined, manual: boolean | undefined): StartMode | undefined {
  if (auto === true && manual === true) {
    throw new VgpuctlError('USAGE', 'Cannot use --auto and --manual together', { hint: 'Give one of them' });
  }
  return auto === true ? 'auto' : manual === true ? 'manual' : undefined;
}

/** `--gpu` and its mdevctl spelling `--parent`: one GPU. */
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

/** `{ key: value }` when value is defined, else `{}` (exactOptionalPropertyTypes). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
