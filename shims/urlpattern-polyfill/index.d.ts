export declare const URLPattern: typeof globalThis.URLPattern;
export type URLPattern = globalThis.URLPattern;
