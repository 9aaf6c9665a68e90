/** A key store that cannot be read or written (file unreadable or corrupt, Redis down). */
export class ApiKeyStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ApiKeyStoreError';
  }
}
