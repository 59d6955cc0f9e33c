/**
 * A {@link Prompter} that plays a script: each question must match the next step (kind and message),
 * select answers must be among the offered choices (as in a real menu), text answers go through the
 * question's validator (rejected attempts are retried with the next one, as the terminal re-asks).
 * `assertDone()` fails when steps are left over.
 *
 * @module
 */
import { type Answer, CANCEL, type Prompter } from "../../src/config/wizard.ts";
import { fail } from "../assert.ts";

export type Step =
  | { text: RegExp; answers: (string | typeof CANCEL)[]; rejected?: RegExp }
  | { select: RegExp; answer: unknown; expectChoices?: unknown[] }
  | { confirm: RegExp; answer: boolean | typeof CANCEL };

/** Records what the prompter saw, for assertions beyond the script. */
export interface Transcript {
  questions: string[];
  notes: string[];
  /** Initial values offered by text questions, keyed by message. */
  initials: Map<string, string | undefined>;
  /** Initial choices of select and confirm questions, keyed by message. */
  defaults: Map<string, unknown>;
  /** The labels a select question showed, keyed by message. */
  labels: Map<string, string[]>;
  warnings: string[];
  outros: string[];
}

/** `noteWidth` plays a terminal of that many columns inside a note (undefined: unknown width). */
export function scriptedPrompter(
  steps: Step[],
  options: { noteWidth?: number } = {},
): Prompter & { transcript: Transcript; assertDone(): void } {
  const queue = [...steps];
  const transcript: Transcript = {
    questions: [],
    notes: [],
    initials: new Map(),
    defaults: new Map(),
    labels: new Map(),
    warnings: [],
    outros: [],
  };
  const next = (kind: "text" | "select" | "confirm", message: string) => {
    transcript.questions.push(message);
    const step = queue.shift();
    if (!step) throw new Error(`unexpected ${kind} question after the script ended: "${message}"`);
    const pattern = "text" in step ? step.text : "select" in step ? step.select : step.confirm;
    if (!(kind in step) || !pattern.test(message)) {
      fail(`expected ${JSON.stringify(Object.keys(step)[0])} matching ${pattern}, got ${kind} "${message}"`);
    }
    return step;
  };
  return {
    transcript,
    intro: () => {},
    outro: (message) => void transcript.outros.push(message),
    note: (message) => void transcript.notes.push(message),
    warn: (message) => void transcript.warnings.push(message),
    noteWidth: options.noteWidth,
    text: (q): Promise<Answer<string>> => {
      const step = next("text", q.message) as Extract<Step, { text: RegExp }>;
      transcript.initials.set(q.message, q.initial);
      for (const [i, attempt] of step.answers.entries()) {
        if (attempt === CANCEL) return Promise.resolve(CANCEL);
        const problem = q.validate?.(attempt);
        const last = i === step.answers.length - 1;
        if (last && problem) fail(`"${attempt}" for "${q.message}" was rejected: ${problem}`);
        if (!last && !problem) fail(`"${attempt}" for "${q.message}" was accepted but the script expected a rejection`);
        if (!last && step.rejected && !step.rejected.test(problem!)) {
          fail(`rejection "${problem}" does not match ${step.rejected}`);
        }
        if (last) return Promise.resolve(attempt);
      }
      return fail("text step without answers");
    },
    select: <T>(q: { message: string; choices: { value: T; label: string }[]; initial?: T }): Promise<Answer<T>> => {
      const step = next("select", q.message) as Extract<Step, { select: RegExp }>;
      transcript.defaults.set(q.message, q.initial);
      transcript.labels.set(q.message, q.choices.map((c) => c.label));
      const values = q.choices.map((c) => c.value);
      if (step.expectChoices && JSON.stringify(values) !== JSON.stringify(step.expectChoices)) {
        fail(
          `choices of "${q.message}" were ${JSON.stringify(values)}, expected ${JSON.stringify(step.expectChoices)}`,
        );
      }
      if (step.answer === CANCEL) return Promise.resolve(CANCEL);
      if (!values.includes(step.answer as T)) {
        fail(`"${String(step.answer)}" is not offered by "${q.message}": ${JSON.stringify(values)}`);
      }
      return Promise.resolve(step.answer as T);
    },
    confirm: (q): Promise<Answer<boolean>> => {
      const step = next("confirm", q.message) as Extract<Step, { confirm: RegExp }>;
      transcript.defaults.set(q.message, q.initial);
      return Promise.resolve(step.answer);
    },
    assertDone: () => {
      if (queue.length > 0) fail(`script has ${queue.length} unasked step(s): ${JSON.stringify(queue.map(String))}`);
    },
  };
}
