/**
 * After a usage error (unknown option, missing argument, bad choice) commander prints one
 * `error: …` line; this adds the hint under it, naming the help of the command that failed
 * (`k8zner generate talos --help`), where the option it complained about is described.
 *
 * @module
 */
import type { CommandUnknownOpts } from "@commander-js/extra-typings";

/** Sets the hint on `command` and every subcommand below it; call once all commands are registered. */
export function addHelpHints(command: CommandUnknownOpts, path: string = command.name()): void {
  command.showHelpAfterError(`hint: see "${path} --help" for usage`);
  for (const sub of command.commands) addHelpHints(sub, `${path} ${sub.name()}`);
}
