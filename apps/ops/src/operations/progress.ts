/** Called with 0 done before the work starts, then after each item. */
export type OnProgress = (done: number, total: number) => void;
