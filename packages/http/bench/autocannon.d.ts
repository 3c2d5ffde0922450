// The few fields of autocannon's API the fallback load generator uses (it ships no types).
declare module 'autocannon' {
  interface Result {
    requests: { average: number };
    errors: number;
    non2xx: number;
  }
  function autocannon(options: object): Promise<Result>;
  // The module itself is a default export; this only describes it.
  // eslint-disable-next-line no-restricted-syntax
  export default autocannon;
}
