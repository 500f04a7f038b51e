import type { CliIo, Painter } from './_command.js';

/**
 * Colour only on a TTY, never when `NO_COLOR` is set (https://no-color.org, any non-empty value) or
 * `--no-color` is given. `FORCE_COLOR` (non-empty, not `0`) turns it on without a TTY.
 */
export function colorEnabled(io: CliIo, noColorFlag: boolean): boolean {
  if (noColorFlag) return false;
  const noColor = io.env.NO_COLOR;
  if (noColor !== undefined && noColor !== '') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0') return true;
  if (io.env.TERM === 'dumb') return false;
  return io.isTTY;
}

const wrap =
  (enabled: boolean, open: string, close: string) =>
  (s: string): string =>
    enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s;

/** The jwt.io debugger colours: header red, payload purple, signature cyan. */
export function painter(enabled: boolean): Painter {
  return {
    enabled,
    red: wrap(enabled, '31', '39'),
    purple: wrap(enabled, '35', '39'),
    cyan: wrap(enabled, '36', '39'),
    green: wrap(enabled, '32', '39'),
    yellow: wrap(enabled, '33', '39'),
    bold: wrap(enabled, '1', '22'),
    dim: wrap(enabled, '2', '22'),
  };
}
