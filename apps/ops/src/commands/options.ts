import { InvalidArgumentError } from 'commander';
import { isUuid } from '../uuid.ts';

/** Argument parsers shared by the commands: each refuses a bad value with one line. */
export const parseCount =
  (min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
    return n;
  };

export const parseCustomer = (value: string): string => {
  if (!isUuid(value)) throw new InvalidArgumentError('expected a customer id (a UUID)');
  return value;
};

/** For a repeatable option: each use adds one value. */
export const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
