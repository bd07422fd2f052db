/**
 * The parts of Azurite's Table server that local/azurite.ts uses. Azurite ships no type declarations
 * and its package entry cannot be required (it wants `vscode`), so local/azurite.ts requires these
 * two CommonJS modules directly. Each declaration is the module's `module.exports` (`export =`),
 * whose `default` is the class. Checked against azurite 3.35.
 */
declare module "azurite/dist/src/table/TableServer.js" {
  import type { Server } from "node:http";

  interface AzuriteTableServer {
    start(): Promise<void>;
    /** Stops accepting requests and closes the database; open sockets close asynchronously. */
    close(): Promise<void>;
    getStatus(): "Closed" | "Starting" | "Running" | "Closing";
    readonly httpServer: Server;
  }

  const moduleExports: {
    default: new (configuration: object) => AzuriteTableServer;
  };
  export = moduleExports;
}

declare module "azurite/dist/src/table/TableConfiguration.js" {
  const moduleExports: {
    /** Positional, as in azurite/dist/src/table/TableConfiguration.js. */
    default: new (
      host: string,
      port: number,
      keepAliveTimeoutSeconds: number,
      metadataDBPath: string,
      enableDebugLog: boolean,
      enableAccessLog: boolean,
      accessLogWriteStream: NodeJS.WritableStream | undefined,
      debugLogFilePath: string | undefined,
      loose: boolean,
      skipApiVersionCheck: boolean,
      cert: string,
      key: string,
      pwd: string,
      oauth: string | undefined,
      disableProductStyleUrl: boolean,
      isMemoryPersistence: boolean,
    ) => object;
  };
  export = moduleExports;
}
