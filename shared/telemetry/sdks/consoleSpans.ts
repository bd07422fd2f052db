/** The tracer SDK that prints spans, loaded when a local run asks for it (see ../start.ts). */
export { ConsoleSpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
