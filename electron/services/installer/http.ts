/** The app's one HTTP client: electron/core/http.ts. */
export * from '../../core/http';
