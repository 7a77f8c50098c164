const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are checked before they reach a uuid column, which would fail the whole query. */
export const isUuid = (value: string): boolean => UUID.test(value);
