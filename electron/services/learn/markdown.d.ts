/** Learn's Markdown files, bundled as text (Vite's ?raw; the esbuild plugin in scripts/build.mjs). */
declare module '*.md?raw' {
  const text: string;
  export default text;
}
