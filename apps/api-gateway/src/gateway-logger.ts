/** Injection token of the gateway's pino logger (`createLogger('api-gateway')`). */
export const GATEWAY_LOGGER = 'KASTRA_GATEWAY_LOGGER';
