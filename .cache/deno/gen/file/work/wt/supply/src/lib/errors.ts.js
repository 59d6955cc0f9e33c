/**
 * Errors the CLI knows how to present. Library code throws these (or TypeError/RangeError for
 * programming mistakes); only `main.ts` turns them into exit codes.
 *
 * @module
 */ /** Exit codes every command follows. */ export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2
};
/** A mistake the user can fix in their input (flags, config file, environment): exit code 2. */ export class UsageError extends Error {
  name = "UsageError";
  /** One line telling the user what to do next. */ hint;
  constructor(message, options = {}){
    super(message, {
      cause: options.cause
    });
    this.hint = options.hint;
  }
}
/** A failure with a hint for the user that is not their input's fault: exit code 1. */ export class UserFacingError extends Error {
  name = "UserFacingError";
  hint;
  constructor(message, options = {}){
    super(message, {
      cause: options.cause
    });
    this.hint = options.hint;
  }
}
/**
 * Ends a command with an exit code that is an answer, not a failure (e.g. `plan --exit-code` gives 10
 * when changes are pending): `main.ts` exits with it and prints nothing.
 */ export class ExitStatus extends Error {
  exitCode;
  name;
  constructor(exitCode){
    super(`exit status ${exitCode}`), this.exitCode = exitCode, this.name = "ExitStatus";
  }
}
/** Maps an error to the process exit code. Errors may declare their own `exitCode`. */ export function exitCodeFor(err) {
  if (err instanceof UsageError) return ExitCode.usage;
  if (err && typeof err === "object" && "exitCode" in err && typeof err.exitCode === "number") {
    return err.exitCode;
  }
  return ExitCode.failure;
}
/** The `hint` of an error, if it carries one. */ export function hintFor(err) {
  if (err && typeof err === "object" && "hint" in err && typeof err.hint === "string") return err.hint;
  return undefined;
}
/**
 * Renders an error as the CLI prints it: `error: <message>`, optional `hint: …`, and with
 * `verbose` the chain of causes, one per line.
 */ export function formatError(err, verbose) {
  const lines = [
    `error: ${messageOf(err)}`
  ];
  const hint = hintFor(err);
  if (hint) lines.push(`hint: ${hint}`);
  if (verbose) {
    let cause = err instanceof Error ? err.cause : undefined;
    for(let depth = 0; cause !== undefined && depth < 10; depth++){
      lines.push(`  caused by: ${messageOf(cause)}`);
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  } else if (err instanceof Error && err.cause !== undefined) {
    lines.push("(run with -v to see the cause)");
  }
  return lines.join("\n");
}
function messageOf(err) {
  if (err instanceof Error) return err.message;
  return String(err);
}
//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpbImZpbGU6Ly8vd29yay93dC9zdXBwbHkvc3JjL2xpYi9lcnJvcnMudHMiXSwic291cmNlc0NvbnRlbnQiOlsiLyoqXG4gKiBFcnJvcnMgdGhlIENMSSBrbm93cyBob3cgdG8gcHJlc2VudC4gTGlicmFyeSBjb2RlIHRocm93cyB0aGVzZSAob3IgVHlwZUVycm9yL1JhbmdlRXJyb3IgZm9yXG4gKiBwcm9ncmFtbWluZyBtaXN0YWtlcyk7IG9ubHkgYG1haW4udHNgIHR1cm5zIHRoZW0gaW50byBleGl0IGNvZGVzLlxuICpcbiAqIEBtb2R1bGVcbiAqL1xuXG4vKiogRXhpdCBjb2RlcyBldmVyeSBjb21tYW5kIGZvbGxvd3MuICovXG5leHBvcnQgY29uc3QgRXhpdENvZGUgPSB7XG4gIG9rOiAwLFxuICBmYWlsdXJlOiAxLFxuICB1c2FnZTogMixcbn0gYXMgY29uc3Q7XG5cbi8qKiBBIG1pc3Rha2UgdGhlIHVzZXIgY2FuIGZpeCBpbiB0aGVpciBpbnB1dCAoZmxhZ3MsIGNvbmZpZyBmaWxlLCBlbnZpcm9ubWVudCk6IGV4aXQgY29kZSAyLiAqL1xuZXhwb3J0IGNsYXNzIFVzYWdlRXJyb3IgZXh0ZW5kcyBFcnJvciB7XG4gIG92ZXJyaWRlIG5hbWUgPSBcIlVzYWdlRXJyb3JcIjtcbiAgLyoqIE9uZSBsaW5lIHRlbGxpbmcgdGhlIHVzZXIgd2hhdCB0byBkbyBuZXh0LiAqL1xuICByZWFkb25seSBoaW50OiBzdHJpbmcgfCB1bmRlZmluZWQ7XG4gIGNvbnN0cnVjdG9yKG1lc3NhZ2U6IHN0cmluZywgb3B0aW9uczogeyBoaW50Pzogc3RyaW5nOyBjYXVzZT86IHVua25vd24gfSA9IHt9KSB7XG4gICAgc3VwZXIobWVzc2FnZSwgeyBjYXVzZTogb3B0aW9ucy5jYXVzZSB9KTtcbiAgICB0aGlzLmhpbnQgPSBvcHRpb25zLmhpbnQ7XG4gIH1cbn1cblxuLyoqIEEgZmFpbHVyZSB3aXRoIGEgaGludCBmb3IgdGhlIHVzZXIgdGhhdCBpcyBub3QgdGhlaXIgaW5wdXQncyBmYXVsdDogZXhpdCBjb2RlIDEuICovXG5leHBvcnQgY2xhc3MgVXNlckZhY2luZ0Vycm9yIGV4dGVuZHMgRXJyb3Ige1xuICBvdmVycmlkZSBuYW1lID0gXCJVc2VyRmFjaW5nRXJyb3JcIjtcbiAgcmVhZG9ubHkgaGludDogc3RyaW5nIHwgdW5kZWZpbmVkO1xuICBjb25zdHJ1Y3RvcihtZXNzYWdlOiBzdHJpbmcsIG9wdGlvbnM6IHsgaGludD86IHN0cmluZzsgY2F1c2U/OiB1bmtub3duIH0gPSB7fSkge1xuICAgIHN1cGVyKG1lc3NhZ2UsIHsgY2F1c2U6IG9wdGlvbnMuY2F1c2UgfSk7XG4gICAgdGhpcy5oaW50ID0gb3B0aW9ucy5oaW50O1xuICB9XG59XG5cbi8qKlxuICogRW5kcyBhIGNvbW1hbmQgd2l0aCBhbiBleGl0IGNvZGUgdGhhdCBpcyBhbiBhbnN3ZXIsIG5vdCBhIGZhaWx1cmUgKGUuZy4gYHBsYW4gLS1leGl0LWNvZGVgIGdpdmVzIDEwXG4gKiB3aGVuIGNoYW5nZXMgYXJlIHBlbmRpbmcpOiBgbWFpbi50c2AgZXhpdHMgd2l0aCBpdCBhbmQgcHJpbnRzIG5vdGhpbmcuXG4gKi9cbmV4cG9ydCBjbGFzcyBFeGl0U3RhdHVzIGV4dGVuZHMgRXJyb3Ige1xuICBvdmVycmlkZSBuYW1lID0gXCJFeGl0U3RhdHVzXCI7XG4gIGNvbnN0cnVjdG9yKHJlYWRvbmx5IGV4aXRDb2RlOiBudW1iZXIpIHtcbiAgICBzdXBlcihgZXhpdCBzdGF0dXMgJHtleGl0Q29kZX1gKTtcbiAgfVxufVxuXG4vKiogTWFwcyBhbiBlcnJvciB0byB0aGUgcHJvY2VzcyBleGl0IGNvZGUuIEVycm9ycyBtYXkgZGVjbGFyZSB0aGVpciBvd24gYGV4aXRDb2RlYC4gKi9cbmV4cG9ydCBmdW5jdGlvbiBleGl0Q29kZUZvcihlcnI6IHVua25vd24pOiBudW1iZXIge1xuICBpZiAoZXJyIGluc3RhbmNlb2YgVXNhZ2VFcnJvcikgcmV0dXJuIEV4aXRDb2RlLnVzYWdlO1xuICBpZiAoZXJyICYmIHR5cGVvZiBlcnIgPT09IFwib2JqZWN0XCIgJiYgXCJleGl0Q29kZVwiIGluIGVyciAmJiB0eXBlb2YgZXJyLmV4aXRDb2RlID09PSBcIm51bWJlclwiKSB7XG4gICAgcmV0dXJuIGVyci5leGl0Q29kZTtcbiAgfVxuICByZXR1cm4gRXhpdENvZGUuZmFpbHVyZTtcbn1cblxuLyoqIFRoZSBgaGludGAgb2YgYW4gZXJyb3IsIGlmIGl0IGNhcnJpZXMgb25lLiAqL1xuZXhwb3J0IGZ1bmN0aW9uIGhpbnRGb3IoZXJyOiB1bmtub3duKTogc3RyaW5nIHwgdW5kZWZpbmVkIHtcbiAgaWYgKGVyciAmJiB0eXBlb2YgZXJyID09PSBcIm9iamVjdFwiICYmIFwiaGludFwiIGluIGVyciAmJiB0eXBlb2YgZXJyLmhpbnQgPT09IFwic3RyaW5nXCIpIHJldHVybiBlcnIuaGludDtcbiAgcmV0dXJuIHVuZGVmaW5lZDtcbn1cblxuLyoqXG4gKiBSZW5kZXJzIGFuIGVycm9yIGFzIHRoZSBDTEkgcHJpbnRzIGl0OiBgZXJyb3I6IDxtZXNzYWdlPmAsIG9wdGlvbmFsIGBoaW50OiDigKZgLCBhbmQgd2l0aFxuICogYHZlcmJvc2VgIHRoZSBjaGFpbiBvZiBjYXVzZXMsIG9uZSBwZXIgbGluZS5cbiAqL1xuZXhwb3J0IGZ1bmN0aW9uIGZvcm1hdEVycm9yKGVycjogdW5rbm93biwgdmVyYm9zZTogYm9vbGVhbik6IHN0cmluZyB7XG4gIGNvbnN0IGxpbmVzID0gW2BlcnJvcjogJHttZXNzYWdlT2YoZXJyKX1gXTtcbiAgY29uc3QgaGludCA9IGhpbnRGb3IoZXJyKTtcbiAgaWYgKGhpbnQpIGxpbmVzLnB1c2goYGhpbnQ6ICR7aGludH1gKTtcbiAgaWYgKHZlcmJvc2UpIHtcbiAgICBsZXQgY2F1c2UgPSBlcnIgaW5zdGFuY2VvZiBFcnJvciA/IGVyci5jYXVzZSA6IHVuZGVmaW5lZDtcbiAgICBmb3IgKGxldCBkZXB0aCA9IDA7IGNhdXNlICE9PSB1bmRlZmluZWQgJiYgZGVwdGggPCAxMDsgZGVwdGgrKykge1xuICAgICAgbGluZXMucHVzaChgICBjYXVzZWQgYnk6ICR7bWVzc2FnZU9mKGNhdXNlKX1gKTtcbiAgICAgIGNhdXNlID0gY2F1c2UgaW5zdGFuY2VvZiBFcnJvciA/IGNhdXNlLmNhdXNlIDogdW5kZWZpbmVkO1xuICAgIH1cbiAgfSBlbHNlIGlmIChlcnIgaW5zdGFuY2VvZiBFcnJvciAmJiBlcnIuY2F1c2UgIT09IHVuZGVmaW5lZCkge1xuICAgIGxpbmVzLnB1c2goXCIocnVuIHdpdGggLXYgdG8gc2VlIHRoZSBjYXVzZSlcIik7XG4gIH1cbiAgcmV0dXJuIGxpbmVzLmpvaW4oXCJcXG5cIik7XG59XG5cbmZ1bmN0aW9uIG1lc3NhZ2VPZihlcnI6IHVua25vd24pOiBzdHJpbmcge1xuICBpZiAoZXJyIGluc3RhbmNlb2YgRXJyb3IpIHJldHVybiBlcnIubWVzc2FnZTtcbiAgcmV0dXJuIFN0cmluZyhlcnIpO1xufVxuIl0sIm5hbWVzIjpbXSwibWFwcGluZ3MiOiJBQUFBOzs7OztDQUtDLEdBRUQsc0NBQXNDLEdBQ3RDLE9BQU8sTUFBTSxXQUFXO0VBQ3RCLElBQUk7RUFDSixTQUFTO0VBQ1QsT0FBTztBQUNULEVBQVc7QUFFWCw4RkFBOEYsR0FDOUYsT0FBTyxNQUFNLG1CQUFtQjtFQUNyQixPQUFPLGFBQWE7RUFDN0IsK0NBQStDLEdBQy9DLEFBQVMsS0FBeUI7RUFDbEMsWUFBWSxPQUFlLEVBQUUsVUFBOEMsQ0FBQyxDQUFDLENBQUU7SUFDN0UsS0FBSyxDQUFDLFNBQVM7TUFBRSxPQUFPLFFBQVEsS0FBSztJQUFDO0lBQ3RDLElBQUksQ0FBQyxJQUFJLEdBQUcsUUFBUSxJQUFJO0VBQzFCO0FBQ0Y7QUFFQSxxRkFBcUYsR0FDckYsT0FBTyxNQUFNLHdCQUF3QjtFQUMxQixPQUFPLGtCQUFrQjtFQUN6QixLQUF5QjtFQUNsQyxZQUFZLE9BQWUsRUFBRSxVQUE4QyxDQUFDLENBQUMsQ0FBRTtJQUM3RSxLQUFLLENBQUMsU0FBUztNQUFFLE9BQU8sUUFBUSxLQUFLO0lBQUM7SUFDdEMsSUFBSSxDQUFDLElBQUksR0FBRyxRQUFRLElBQUk7RUFDMUI7QUFDRjtBQUVBOzs7Q0FHQyxHQUNELE9BQU8sTUFBTSxtQkFBbUI7O0VBQ3JCLEtBQW9CO0VBQzdCLFlBQVksQUFBUyxRQUFnQixDQUFFO0lBQ3JDLEtBQUssQ0FBQyxDQUFDLFlBQVksRUFBRSxVQUFVLFFBRFosV0FBQSxlQURaLE9BQU87RUFHaEI7QUFDRjtBQUVBLHFGQUFxRixHQUNyRixPQUFPLFNBQVMsWUFBWSxHQUFZO0VBQ3RDLElBQUksZUFBZSxZQUFZLE9BQU8sU0FBUyxLQUFLO0VBQ3BELElBQUksT0FBTyxPQUFPLFFBQVEsWUFBWSxjQUFjLE9BQU8sT0FBTyxJQUFJLFFBQVEsS0FBSyxVQUFVO0lBQzNGLE9BQU8sSUFBSSxRQUFRO0VBQ3JCO0VBQ0EsT0FBTyxTQUFTLE9BQU87QUFDekI7QUFFQSwrQ0FBK0MsR0FDL0MsT0FBTyxTQUFTLFFBQVEsR0FBWTtFQUNsQyxJQUFJLE9BQU8sT0FBTyxRQUFRLFlBQVksVUFBVSxPQUFPLE9BQU8sSUFBSSxJQUFJLEtBQUssVUFBVSxPQUFPLElBQUksSUFBSTtFQUNwRyxPQUFPO0FBQ1Q7QUFFQTs7O0NBR0MsR0FDRCxPQUFPLFNBQVMsWUFBWSxHQUFZLEVBQUUsT0FBZ0I7RUFDeEQsTUFBTSxRQUFRO0lBQUMsQ0FBQyxPQUFPLEVBQUUsVUFBVSxNQUFNO0dBQUM7RUFDMUMsTUFBTSxPQUFPLFFBQVE7RUFDckIsSUFBSSxNQUFNLE1BQU0sSUFBSSxDQUFDLENBQUMsTUFBTSxFQUFFLE1BQU07RUFDcEMsSUFBSSxTQUFTO0lBQ1gsSUFBSSxRQUFRLGVBQWUsUUFBUSxJQUFJLEtBQUssR0FBRztJQUMvQyxJQUFLLElBQUksUUFBUSxHQUFHLFVBQVUsYUFBYSxRQUFRLElBQUksUUFBUztNQUM5RCxNQUFNLElBQUksQ0FBQyxDQUFDLGFBQWEsRUFBRSxVQUFVLFFBQVE7TUFDN0MsUUFBUSxpQkFBaUIsUUFBUSxNQUFNLEtBQUssR0FBRztJQUNqRDtFQUNGLE9BQU8sSUFBSSxlQUFlLFNBQVMsSUFBSSxLQUFLLEtBQUssV0FBVztJQUMxRCxNQUFNLElBQUksQ0FBQztFQUNiO0VBQ0EsT0FBTyxNQUFNLElBQUksQ0FBQztBQUNwQjtBQUVBLFNBQVMsVUFBVSxHQUFZO0VBQzdCLElBQUksZUFBZSxPQUFPLE9BQU8sSUFBSSxPQUFPO0VBQzVDLE9BQU8sT0FBTztBQUNoQiJ9
// denoCacheMetadata=11475205799729870691,1512229302671871696