// Help text pieces shared by the commands.
import { Help } from 'commander';
import type { Command } from 'commander';
import { UsageError } from '@connlab/lab';

/**
 * Append an "Examples:" block to a command's --help.
 *
 * @example
 * ```ts
 * examples(cmd, ['connlab sockets --state listen']);
 * ```
 */
export function examples(command: Command, lines: readonly string[], notes: readonly string[] = []): Command {
  const text = ['', 'Examples:', ...lines.map((l) => `  $ ${l}`)];
  if (notes.length) text.push('', ...notes);
  return command.addHelpText('after', text.join('\n'));
}

/**
 * Make a command group (connlab, connlab echo, connlab http) answer a missing
 * or unknown subcommand with one usage line instead of its whole help on stderr.
 */
export function requireSubcommand(group: Command, path: string): void {
  group
    .usage('<command> [options]')
    .argument('[command]')
    .action((name: string | undefined) => {
      const known = group.commands.map((c) => c.name()).join(', ');
      throw new UsageError(
        name === undefined
          ? `${path}: missing command; choose one of: ${known}`
          : `${path}: unknown command "${name}"; choose one of: ${known}`,
      );
    });
}

const plainHelp = new Help();

/**
 * How a subcommand is listed in its parent's help: groups as `http <command>`
 * (not the `[command]` argument they only take to report mistakes).
 */
export function subcommandTerm(command: Command): string {
  return command.commands.length > 0 ? `${command.name()} <command>` : plainHelp.subcommandTerm(command);
}
