/**
 * fast-check with a fixed seed, so a property run is repeatable in CI; a failure names the
 * seed and the shrunk counterexample. VGPUCTL_PROPERTY_SEED and VGPUCTL_PROPERTY_RUNS
 * override the seed and the number of runs (the stress script runs many more).
 */
import fc from 'fast-check';

export const PROPERTY_SEED = Number(process.env.VGPUCTL_PROPERTY_SEED ?? 20261202);
const RUNS = Number(process.env.VGPUCTL_PROPERTY_RUNS ?? 200);

/** Asserts `property` for RUNS generated inputs from the fixed seed. */
export function checkProperty<T>(property: fc.IProperty<T> | fc.IAsyncProperty<T>): void | Promise<void> {
  const parameters = { seed: PROPERTY_SEED, numRuns: RUNS };
  const fail = (error: unknown): never => {
    throw new Error(
      `property failed with seed ${PROPERTY_SEED} (rerun: VGPUCTL_PROPERTY_SEED=${PROPERTY_SEED}): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  };
  if (property.isAsync()) return fc.assert(property as fc.IAsyncProperty<T>, parameters).catch(fail);
  try {
    fc.assert(property as fc.IProperty<T>, parameters);
  } catch (error) {
    fail(error);
  }
}

/** Text that mixes printable ASCII with the characters parsers trip over. */
export const hostileText = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc
      .array(
        fc.constantFrom(
          '\n',
          '\t',
          ' ',
          '=',
          ',',
          ':',
          '.',
          '/',
          '..',
          '"',
          "'",
          '<',
          '>',
          '&',
          '#',
          '[',
          ']',
          '{',
          '}',
          '\0',
          '0',
          '9',
          'a',
          'f',
          'x',
          '-',
          'e',
          '\\',
          '\u00e9',
          '\ud83d\ude00',
        ),
        { maxLength: 120 },
      )
      .map((parts) => parts.join('')),
  );
