/**
 * What the machinery logs through: pino's call shape (fields first, then the message), so a
 * service passes its pino logger and a plugin anything with these methods (or nothing).
 */
export interface ControllerLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** One line of JSON per entry on stdout (stderr for warnings): what `npm start` keeps in .kastra/logs/. */
export function jsonLineLogger(component: string): ControllerLogger {
  const write = (level: string, stream: NodeJS.WriteStream) => (fields: Record<string, unknown>, message: string) =>
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, component, msg: message, ...fields })}\n`);
  return { info: write('info', process.stdout), warn: write('warn', process.stderr) };
}
