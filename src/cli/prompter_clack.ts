/**
 * The real {@link Prompter}: @clack/prompts in the terminal (arrow keys, Enter, Ctrl-C or Escape to
 * cancel). Loaded lazily by `init`, only when it is about to ask something.
 *
 * @module
 */
import process from "node:process";
import * as clack from "@clack/prompts";
import { type Answer, CANCEL, type Prompter, type SelectQuestion } from "../config/wizard.ts";
import { wrapWords } from "../lib/wrap_words.ts";

/** Terminal width as clack sees it (80 when unknown). */
function columns(): number {
  return typeof process.stdout.columns === "number" ? process.stdout.columns : 80;
}

function answer<T>(value: T | symbol): Answer<T> {
  return clack.isCancel(value) ? CANCEL : value as T;
}

/** Creates a prompter that talks to the terminal through @clack/prompts. */
export function createClackPrompter(): Prompter {
  return {
    intro: (title) => clack.intro(title),
    note: (message, title) => clack.note(message, title),
    // clack prefixes each line of a message with its bar, but lines it wraps itself lose it.
    warn: (message) => clack.log.warn(wrapWords(message, columns() - 4).join("\n")),
    // clack's note box takes 6 columns of the terminal.
    get noteWidth() {
      return columns() - 6;
    },
    outro: (message) => clack.outro(message),
    text: async (q) =>
      answer<string>(
        await clack.text({
          message: q.message,
          ...(q.placeholder !== undefined ? { placeholder: q.placeholder } : {}),
          ...(q.initial !== undefined ? { initialValue: q.initial } : {}),
          ...(q.validate ? { validate: (v: string | undefined) => q.validate!(v ?? "") } : {}),
        }),
      ),
    select: async <T>(q: SelectQuestion<T>) => {
      // clack's option type is conditional on T being a primitive; ours always carry a label.
      const options = q.choices.map((c) => ({
        value: c.value,
        label: c.label,
        ...(c.hint !== undefined ? { hint: c.hint } : {}),
      })) as Parameters<typeof clack.select<T>>[0]["options"];
      return answer<T>(
        await clack.select<T>({
          message: q.message,
          options,
          ...(q.initial !== undefined ? { initialValue: q.initial } : {}),
        }),
      );
    },
    confirm: async (q) =>
      answer<boolean>(
        await clack.confirm({
          message: q.message,
          ...(q.initial !== undefined ? { initialValue: q.initial } : {}),
        }),
      ),
  };
}
