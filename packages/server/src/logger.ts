/** The logger services and cluster modules write to: the subset of pino (Fastify's `app.log`) they use. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
