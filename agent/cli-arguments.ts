/** Parsers for command-line option values, shared by the agent's command-line programs. */
import { InvalidArgumentError } from 'commander';
import { agentLabelsSchema, agentNameSchema } from './fleet/link-protocol';
import { publicName } from './server/site-guard';

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

/** `--kite-market-protection`: a percentage above 0 and up to 100, or -1 for Kite's automatic (0 Kite refuses). */
export function marketProtectionArgument(text: string): number {
  const value = Number(text);
  if (!(value === -1 || (Number.isFinite(value) && value > 0 && value <= 100))) throw new InvalidArgumentError('expected a percentage above 0 and at most 100, or -1 for automatic');
  return value;
}

/** `--public-name`: repeatable and comma-separated; every name checked, all of them kept. */
export function publicNamesArgument(text: string, previous: readonly string[] = []): string[] {
  const names = text.split(',').map((part) => {
    const name = publicName(part);
    if (typeof name !== 'string') throw new InvalidArgumentError(name.problem);
    return name;
  });
  return [...previous, ...names];
}

/** `--name`: an agent's name in its fleet. */
export function agentNameArgument(text: string): string {
  const parsed = agentNameSchema.safeParse(text);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'not a name');
  return parsed.data;
}

/** `--label key=value`: repeatable. */
export function labelArgument(text: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = text.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected key=value');
  const labels = { ...previous, [text.slice(0, at)]: text.slice(at + 1) };
  const parsed = agentLabelsSchema.safeParse(labels);
  if (!parsed.success) throw new InvalidArgumentError('label names: letters, digits, _ . - (up to 32); values up to 64 characters; at most 32 labels');
  return parsed.data;
}
