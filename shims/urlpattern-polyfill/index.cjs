exports.URLPattern = globalThis.URLPattern;
