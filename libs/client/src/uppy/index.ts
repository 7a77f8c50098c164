export {
  AirlockUppy,
  AirlockUppy as default,
  type AirlockBody,
  type AirlockUppyOptions,
} from './airlock-uppy.ts';
export {
  AirlockUppyError,
  isTerminal,
  progressStep,
  refusalOf,
  restrictionsFromGrant,
  stateMessage,
  TERMINAL_STATES,
  uppyErrorOf,
  type ClientProgress,
  type ProgressStep,
  type TerminalState,
  type TokenGrant,
} from './mapping.ts';
