import NativeTemporal = globalThis.Temporal;
export { NativeTemporal as Temporal };
export declare const Intl: typeof globalThis.Intl;
export declare function toTemporalInstant(this: Date): globalThis.Temporal.Instant;
