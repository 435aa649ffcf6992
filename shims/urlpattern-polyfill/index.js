export const URLPattern = globalThis.URLPattern;
