exports.Temporal = globalThis.Temporal;
exports.Intl = globalThis.Intl;
exports.toTemporalInstant = function toTemporalInstant() {
  return globalThis.Temporal.Instant.fromEpochMilliseconds(this.getTime());
};
