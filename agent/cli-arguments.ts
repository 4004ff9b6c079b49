/** Parsers for command-line option values, shared by the agent's command-line programs. */
import { InvalidArgumentError } from 'commander';

/** A whole number from `min` to `max`, or commander's error naming the range. */
export function integerArgument(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return value;
  };
}

export function positiveArgument(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new InvalidArgumentError('expected a positive number');
  return value;
}
