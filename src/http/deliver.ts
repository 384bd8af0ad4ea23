/**
 * A report to another Durable Object (the console's index, the library),
 * sent again after each of its retry delays while the call fails; once they
 * run out, the miss is logged (without the report) and the caller goes on.
 * @module
 */

export async function deliverWithRetries(
  send: () => Promise<unknown>,
  retryDelaysMs: readonly number[],
  missed: string
): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await send();
      return;
    } catch (error) {
      const delay = retryDelaysMs[attempt];
      if (delay === undefined) {
        console.error(missed, error);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
