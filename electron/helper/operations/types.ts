import type { HelperOperationName, HelperParsedArgs, HelperReturn } from '../contract';
import type { HelperIO } from '../io';

/** How the helper carries out one operation of electron/helper/contract.ts: arguments already re-validated there. */
export type HelperImplementation<K extends HelperOperationName> = (args: HelperParsedArgs<K>, io: HelperIO) => Promise<HelperReturn<K>>;

/** Every operation's implementation; an operation of the contract without one does not compile. */
export type HelperImplementations = { [K in HelperOperationName]: HelperImplementation<K> };
