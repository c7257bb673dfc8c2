import { GourmandError } from '../common/errors.ts';

/** Fewest observations per group an analysis accepts. */
export const MIN_GROUP_SIZE = 10;

/** An analysis cannot give a number for this selection; the message says why and what to change. */
export class AnalysisError extends GourmandError {
  static constant(what: string, value: number): AnalysisError {
    return new AnalysisError(
      `${what} is ${format(value)} for every observation in the selection: nothing to compare (widen the filters or the date window)`,
    );
  }
}

/** Refuses a group smaller than MIN_GROUP_SIZE, naming it. */
export function requireSize(group: string, n: number, min = MIN_GROUP_SIZE): void {
  if (n < min) {
    throw new AnalysisError(
      `n = ${n} in group ${group}: at least ${min} needed (widen the filters or the date window)`,
    );
  }
}

/** The parameters asked for are wrong (an unknown analysis, a bad or inapplicable value). */
export class AnalysisInputError extends AnalysisError {
  override readonly exitCode = 2;
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}
