/** Vite's `?raw` suffix: a file's text, for tests that check a document against the code. */
declare module "*?raw" {
  const text: string;
  export default text;
}
