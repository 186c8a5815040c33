export declare const repoRoot: string;
export declare const sharedDataDir: string;
export declare function sharedData(file: string): string;
export declare const testNixConfig: string;
export declare const NIX_TOOLS: string[];
export declare const modernNixDir: string;
export declare function legacyNixBin(): string;
export declare function ensureModernNix(): string;
export declare function nixVersionOf(bin: string): string;
export declare function nixCommands(bin: string): Record<string, string>;
export declare function nixEnvFor(bin: string, extra?: string[], base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv & { PATH: string; NIX_CONFIG: string };
export interface NixVariant { name: string; bin: string; commands: Record<string, string> }
export declare function nixVariants(): NixVariant[];
export declare function applyTestNixEnv(): NodeJS.ProcessEnv & { PATH: string; NIX_CONFIG: string };
