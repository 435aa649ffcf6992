/** Whether a file's bytes hold `signature` at `offset`: how its type is told, never from its name. */
export function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

export function ascii(text: string): number[] {
  return [...text].map((char) => char.charCodeAt(0));
}
