/** RPC methods of this area; see ARCHITECTURE.md for the pattern. */
export const desktopMethods = {};
