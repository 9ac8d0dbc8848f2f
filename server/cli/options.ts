// Parsers for command-line options shared by several commands; each error says what is expected.
import { InvalidArgumentError } from 'commander';
import type { DriverName } from '../drivers/types.ts';

export const DRIVER_NAMES: DriverName[] = ['embedded', 'kind', 'existing'];

export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`"${value}" is not a port number (0-65535).`);
  return n;
}

export function parseDriverName(value: string): DriverName {
  if (!(DRIVER_NAMES as string[]).includes(value)) throw new InvalidArgumentError(`unknown driver "${value}"; expected one of: ${DRIVER_NAMES.join(', ')}.`);
  return value as DriverName;
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${value}" is not a whole number (0 or more).`);
  return n;
}

export function parsePositiveCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a whole number of 1 or more.`);
  return n;
}

export function parseUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return url.origin;
  } catch {
    throw new InvalidArgumentError(`"${value}" is not an http:// or https:// URL.`);
  }
}
