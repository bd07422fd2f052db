/** App-wide setup only; each function registers itself in its own file. */
import { app } from "@azure/functions";

app.setup({ enableHttpStream: false });
