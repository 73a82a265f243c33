/**
 * The top level of a generated program: run it, and turn expected failures (bad data, a diverging loss, bad
 * arguments) into one clear line on stderr and exit code 1 instead of a stack trace.
 */
import { DataError } from './data/errors.ts';
import { NonFiniteLossError } from './train/types.ts';

/** Errors whose message is written for the user and needs no stack trace. */
function isUserError(e: unknown): e is Error {
  return e instanceof DataError || e instanceof NonFiniteLossError || (e instanceof Error && e.name === 'UsageError');
}

/**
 * Run `main`; on a user error print `error: <message>` and set exit code 1; on any other error print the stack
 * (a bug to report) and set exit code 2.
 */
export async function runProgram(main: () => Promise<unknown>): Promise<void> {
  // Started by `mmfc train` with an IPC channel: stop when mmfc goes away (killed), instead of training on as an
  // orphan; the channel itself must not keep this process alive.
  if (process.channel) {
    process.channel.unref();
    process.on('disconnect', () => {
      process.stderr.write('mmfc stopped: training stopped too\n');
      process.exit(130);
    });
  }
  try {
    await main();
  } catch (e) {
    if (isUserError(e)) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`internal error (please report it): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 2;
    }
  }
}
