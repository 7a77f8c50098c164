// The CLI in a child process: shared with the other apps' tests (@airlock/testing).
export { runAirlock as airlock } from '@airlock/testing';
